//! [`Books`]: what each owner holds, kept by the registry's write side next to the tables, so
//! that a cap is checked and a departure undone in time proportional to what that one owner
//! holds, never to the size of the tables.

use std::collections::{HashMap, HashSet};

use iii_protocol::Uuid;

/// The ids one owner holds.
#[derive(Default)]
pub(super) struct Held {
    pub(super) functions: HashSet<String>,
    pub(super) triggers: HashSet<String>,
}

/// Every owner's holdings. Only the registry's write lock reaches it.
#[derive(Default)]
pub(super) struct Books {
    owners: HashMap<Uuid, Held>,
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

    /// Everything `owner` held; it holds nothing afterwards.
    pub(super) fn take(&mut self, owner: Uuid) -> Held {
        self.owners.remove(&owner).unwrap_or_default()
    }
}
