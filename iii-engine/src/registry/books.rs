//! [`Books`]: what each owner holds, kept by the registry's write side next to the tables, so
//! that a cap is checked and a departure undone in time proportional to what that one owner
//! holds, never to the size of the tables; and, for the same reason, the bindings of each
//! trigger type that a worker may provide.

use std::collections::{HashMap, HashSet};

use iii_protocol::Uuid;

/// The ids one owner holds.
#[derive(Default)]
pub(super) struct Held {
    pub(super) functions: HashSet<String>,
    pub(super) triggers: HashSet<String>,
}

/// Every owner's holdings, and the bindings of each type the engine does not implement
/// itself (parked, or handed to the worker providing the type). Only the registry's lock
/// reaches it.
#[derive(Default)]
pub(super) struct Books {
    owners: HashMap<Uuid, Held>,
    custom: HashMap<String, HashSet<String>>,
}

impl Books {
    /// How many functions `owner` holds.
    pub(super) fn functions(&self, owner: Uuid) -> usize {
        self.owners.get(&owner).map_or(0, |h| h.functions.len())
    }

    /// How many trigger bindings `owner` holds.
    pub(super) fn triggers(&self, owner: Uuid) -> usize {
        self.owners.get(&owner).map_or(0, |h| h.triggers.len())
    }

    /// The holdings of `owner`, created on first use.
    pub(super) fn held_mut(&mut self, owner: Uuid) -> &mut Held {
        self.owners.entry(owner).or_default()
    }

    /// Forgets that `owner` holds function `id`.
    pub(super) fn drop_function(&mut self, owner: Uuid, id: &str) {
        if let Some(held) = self.owners.get_mut(&owner) {
            held.functions.remove(id);
        }
    }

    /// Forgets that `owner` holds binding `id`.
    pub(super) fn drop_trigger(&mut self, owner: Uuid, id: &str) {
        if let Some(held) = self.owners.get_mut(&owner) {
            held.triggers.remove(id);
        }
    }

    /// The ids of the bindings `owner` holds.
    pub(super) fn triggers_of(&self, owner: Uuid) -> Vec<String> {
        self.owners
            .get(&owner)
            .map(|h| h.triggers.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Records binding `id` of the custom type `trigger_type`.
    pub(super) fn add_custom(&mut self, trigger_type: &str, id: &str) {
        self.custom
            .entry(trigger_type.to_owned())
            .or_default()
            .insert(id.to_owned());
    }

    /// Forgets binding `id` of the custom type `trigger_type`.
    pub(super) fn drop_custom(&mut self, trigger_type: &str, id: &str) {
        if let Some(ids) = self.custom.get_mut(trigger_type) {
            ids.remove(id);
            if ids.is_empty() {
                self.custom.remove(trigger_type);
            }
        }
    }

    /// The ids of the bindings of the custom type `trigger_type`.
    pub(super) fn custom_of(&self, trigger_type: &str) -> Vec<String> {
        self.custom
            .get(trigger_type)
            .map(|ids| ids.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// Everything `owner` held; it holds nothing afterwards.
    pub(super) fn take(&mut self, owner: Uuid) -> Held {
        self.owners.remove(&owner).unwrap_or_default()
    }
}
