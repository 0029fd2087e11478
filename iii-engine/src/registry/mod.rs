//! The registry: connected workers, their functions, trigger bindings and HTTP routes.
//!
//! Readers never lock it: [`Registry::snapshot`] hands out the current immutable
//! [`Snapshot`] (an `Arc` swapped atomically on change), and everything a reader needs is in
//! that one value. Serving an HTTP request crosses it once: the route, the binding's metadata,
//! the function's owner and the owner's [`Link`] all come from the same snapshot.
//!
//! Writes (a worker connecting or leaving, a registration, an announce) are serialized by a
//! lock private to this module, never held across an `.await`, and each publishes a new
//! snapshot. The tables are persistent maps, so a new snapshot shares every entry the write
//! does not touch and a write costs O(log n), not a copy of the table: registering the
//! 200,000th route costs what the first did. Under the same lock the registry keeps its own
//! books of what each owner holds ([`books`]), so that the per-owner caps
//! ([`Caps`]) are checked, and a departing worker is forgotten, in time proportional to what
//! that worker holds. A write is visible to every reader as soon as its method returns.
//!
//! What one worker holds cannot be taken by another: a function id, a trigger id or an HTTP
//! route held by a live worker is refused to the others, and a binding is removed only by the
//! worker that made it.
//!
//! The registry knows nothing of sockets, firing or the HTTP server: a departing worker's cron
//! jobs are aborted through the handles its bindings keep, and the changes of the function set
//! are announced on a `watch` channel ([`Registry::functions_changed`]) for whoever cares.

mod bindings;
mod books;
pub(crate) mod link;
pub(crate) mod route_table;
pub(crate) mod routes;
mod snapshot;

use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;
use iii_protocol::{RegisterFunction, Uuid};
use serde_json::Value;
use tokio::sync::watch;

use crate::http_functions::Target;
pub(crate) use bindings::Unbound;
use books::Books;
pub(crate) use link::{Link, Sent};
pub(crate) use snapshot::{
    Activation, ENGINE_OWNER, FunctionEntry, Snapshot, TriggerEntry, WorkerEntry,
};

/// What one owner (a worker connection, or the engine for the bindings made with
/// `engine::register_trigger`) may hold at once.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Caps {
    /// Functions.
    pub(crate) functions: usize,
    /// Trigger bindings.
    pub(crate) triggers: usize,
}

/// Why a function was refused.
pub(crate) enum Refused {
    /// Another live worker owns the id.
    Owned(Uuid),
    /// The worker holds as many functions as it may.
    Cap(usize),
}

/// The registry's single owner of writes and publisher of snapshots.
pub(crate) struct Registry {
    current: ArcSwap<Snapshot>,
    books: Mutex<Books>,
    caps: Caps,
    /// Bumped whenever the set of functions may have changed.
    functions_version: watch::Sender<u64>,
}

impl Registry {
    /// An empty registry whose owners may hold at most `caps`.
    pub(crate) fn new(caps: Caps) -> Self {
        Self {
            current: ArcSwap::from_pointee(Snapshot::default()),
            books: Mutex::default(),
            caps,
            functions_version: watch::Sender::new(0),
        }
    }

    /// The current tables.
    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Changes the tables (and the books, under the same lock) and publishes the result.
    fn write<R>(&self, change: impl FnOnce(&mut Snapshot, &mut Books) -> R) -> R {
        let mut books = self.books.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = Snapshot::clone(&self.current.load());
        let out = change(&mut next, &mut books);
        self.current.store(Arc::new(next));
        out
    }

    /// Reads the books with the snapshot they describe (writes publish under the same lock).
    fn read_books<R>(&self, read: impl FnOnce(&Snapshot, &Books) -> R) -> R {
        let books = self.books.lock().unwrap_or_else(PoisonError::into_inner);
        read(&self.current.load(), &books)
    }

    fn functions_bumped(&self) {
        self.functions_version
            .send_modify(|v| *v = v.wrapping_add(1));
    }

    /// A receiver notified whenever the set of functions may have changed.
    pub(crate) fn functions_changed(&self) -> watch::Receiver<u64> {
        self.functions_version.subscribe()
    }

    /// Adds a connected worker.
    pub(crate) fn connect(&self, id: Uuid, entry: WorkerEntry) {
        self.write(|s, _| s.workers.insert(id, Arc::new(entry)));
    }

    /// Stores a worker's announce; returns its link, `None` when it is gone.
    pub(crate) fn announce(&self, worker: Uuid, metadata: Value) -> Option<Arc<Link>> {
        self.write(|s, _| {
            let old = s.workers.get(&worker)?;
            let entry = WorkerEntry {
                link: old.link.clone(),
                reattach_token: old.reattach_token,
                connected_at_ms: old.connected_at_ms,
                peer: old.peer,
                metadata: Some(metadata),
                access: old.access.clone(),
            };
            let link = entry.link.clone();
            s.workers.insert(worker, Arc::new(entry));
            Some(link)
        })
    }

    /// Claims `def.id` for `owner` (invoked over HTTP at `http`, when given): refused when
    /// another live worker owns it, or when `owner` holds [`Caps::functions`] functions
    /// already (re-registering one it owns is not a new one). A function whose owner is gone
    /// is taken over.
    pub(crate) fn claim_function(
        &self,
        owner: Uuid,
        def: RegisterFunction,
        http: Option<Arc<Target>>,
    ) -> Result<(), Refused> {
        self.write(|s, books| {
            let previous = s.functions.get(def.id.as_str()).map(|f| f.owner);
            if let Some(existing) = previous
                && existing != owner
                && s.workers.contains_key(&existing)
            {
                return Err(Refused::Owned(existing));
            }
            let held = books.functions(owner);
            if previous != Some(owner) && held >= self.caps.functions {
                return Err(Refused::Cap(held));
            }
            if let Some(previous) = previous {
                books.drop_function(previous, &def.id);
            }
            books.held_mut(owner).functions.insert(def.id.clone());
            let entry = FunctionEntry { owner, def, http };
            s.functions.insert(entry.def.id.clone(), Arc::new(entry));
            Ok(())
        })?;
        self.functions_bumped();
        Ok(())
    }

    /// Removes a function if `owner` still owns it.
    pub(crate) fn release_function(&self, owner: Uuid, id: &str) -> bool {
        let released = self.write(|s, books| {
            if s.functions.get(id).is_none_or(|f| f.owner != owner) {
                return false;
            }
            s.functions.remove(id);
            books.drop_function(owner, id);
            true
        });
        if released {
            self.functions_bumped();
        }
        released
    }

    /// Forgets a worker and everything it owned.
    pub(crate) fn depart(&self, worker: Uuid) {
        self.write(|s, books| {
            s.workers.remove(&worker);
            let held = books.take(worker);
            for id in &held.functions {
                if s.functions
                    .get(id.as_str())
                    .is_some_and(|f| f.owner == worker)
                {
                    s.functions.remove(id.as_str());
                }
            }
            for id in &held.triggers {
                bindings::unbind_in(s, books, id);
            }
        });
        self.functions_bumped();
    }
}

#[cfg(test)]
#[path = "registry_tests.rs"]
mod tests;
