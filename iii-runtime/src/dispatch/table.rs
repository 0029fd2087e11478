//! The function table: every registered function by id, with its concurrency limit, in
//! registration order. It is the only one: the service writes it as registrations arrive and
//! replays it, in order, on every connection; the connection's reader looks handlers up in it.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use super::limit::Limit;
use super::pace::Pace;
use crate::observe::FunctionMetrics;
use crate::worker::Function;

/// A registered function and the state its invocations share.
pub(crate) struct Entry {
    /// The id the function is registered under (its metrics' label too).
    pub(crate) id: Arc<str>,
    pub(crate) function: Function,
    /// Present when the function has a `concurrency` limit.
    pub(super) limit: Option<Limit>,
    pub(super) metrics: FunctionMetrics,
    /// How long its invocations' first polls take, which decides where they start.
    pub(super) pace: Pace,
}

/// Functions by id, and the order they were first registered in.
pub(crate) struct Table {
    entries: HashMap<String, Arc<Entry>>,
    order: Vec<String>,
    /// How long its functions' first polls may take, on average, to start inline.
    inline_budget: Duration,
}

impl Table {
    /// An empty table whose functions start inline within `inline_budget` (see
    /// [`Pace`]).
    pub(crate) fn new(inline_budget: Duration) -> Self {
        Self {
            entries: HashMap::new(),
            order: Vec::new(),
            inline_budget,
        }
    }

    pub(super) fn get(&self, id: &str) -> Option<Arc<Entry>> {
        self.entries.get(id).cloned()
    }

    /// Adds `function`, or replaces the one registered under `id` (keeping its place in the
    /// order). A limited function's queue holds up to `queue` calls.
    ///
    /// Invocations of a replaced function that are running or waiting keep the entry they
    /// were admitted to; new ones run the new function under a fresh limit.
    pub(super) fn insert(&mut self, id: String, function: Function, queue: usize) {
        let limit = function.concurrency.map(|max| Limit::new(max, queue));
        let shared: Arc<str> = id.as_str().into();
        let metrics = FunctionMetrics::new(Arc::clone(&shared));
        let entry = Arc::new(Entry {
            id: shared,
            function,
            limit,
            metrics,
            pace: Pace::new(self.inline_budget),
        });
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

    /// Whether a function is registered under `id`.
    pub(crate) fn contains(&self, id: &str) -> bool {
        self.entries.contains_key(id)
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
