//! The function table: every registered function by id, in registration order. It is the only one: the service writes it as registrations arrive and
//! replays it, in order, on every connection; the connection's reader looks handlers up in it.

use std::collections::HashMap;
use std::sync::Arc;

use crate::worker::Function;

/// A registered function.
pub(crate) struct Entry {
    pub(crate) function: Function,
}

/// Functions by id, and the order they were first registered in.
#[derive(Default)]
pub(crate) struct Table {
    entries: HashMap<String, Arc<Entry>>,
    order: Vec<String>,
}

impl Table {
    pub(super) fn get(&self, id: &str) -> Option<Arc<Entry>> {
        self.entries.get(id).cloned()
    }

    /// Adds `function`, or replaces the one registered under `id` (keeping its place in the
    /// order). Running invocations of a replaced function keep the entry they started with.
    pub(super) fn insert(&mut self, id: String, function: Function) {
        let entry = Arc::new(Entry { function });
        if self.entries.insert(id.clone(), entry).is_none() {
            self.order.push(id);
        }
    }

    /// Removes `id`; false when it was not registered.
    pub(super) fn remove(&mut self, id: &str) -> bool {
        let removed = self.entries.remove(id).is_some();
        if removed {
            self.order.retain(|f| f != id);
        }
        removed
    }

    pub(crate) fn len(&self) -> usize {
        self.order.len()
    }

    /// Every function, in registration order.
    pub(crate) fn in_order(&self) -> impl Iterator<Item = (&str, &Function)> {
        self.order
            .iter()
            .filter_map(|id| Some((id.as_str(), &self.entries.get(id)?.function)))
    }
}
