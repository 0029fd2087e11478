//! The registry: connected workers, their functions, trigger bindings and HTTP routes.
//!
//! Readers never lock it: [`Registry::snapshot`] hands out the current immutable
//! [`Snapshot`] (an `Arc` swapped atomically on change), and everything a reader needs is in
//! that one value. Serving an HTTP request crosses it once: the route, the binding's metadata,
//! the function's owner and the owner's [`Link`] all come from the same snapshot.
//!
//! Writes (a worker connecting or leaving, a registration, an announce) are rare next to reads.
//! They are serialized by a lock private to this module, never held across an `.await`, and
//! each publishes a new snapshot that copies only the table it changes; a write is visible to
//! every reader as soon as its method returns.
//!
//! The registry knows nothing of sockets, firing or the HTTP server: a departing worker's cron
//! jobs are aborted through the handles its bindings keep, and the changes of the function set
//! are announced on a `watch` channel ([`Registry::functions_changed`]) for whoever cares.

pub(crate) mod link;
pub(crate) mod routes;
mod snapshot;

use std::sync::{Arc, Mutex, PoisonError};

use arc_swap::ArcSwap;
use iii_protocol::{RegisterFunction, Uuid};
use serde_json::Value;
use tokio::sync::watch;

pub(crate) use link::Link;
use routes::Route;
pub(crate) use snapshot::{
    Activation, ENGINE_OWNER, FunctionEntry, Snapshot, TriggerEntry, WorkerEntry,
};

/// The registry's single owner of writes and publisher of snapshots.
pub(crate) struct Registry {
    current: ArcSwap<Snapshot>,
    writer: Mutex<()>,
    /// Bumped whenever the set of functions may have changed.
    functions_version: watch::Sender<u64>,
}

impl Default for Registry {
    fn default() -> Self {
        Self {
            current: ArcSwap::from_pointee(Snapshot::default()),
            writer: Mutex::new(()),
            functions_version: watch::Sender::new(0),
        }
    }
}

impl Registry {
    /// The current tables.
    pub(crate) fn snapshot(&self) -> Arc<Snapshot> {
        self.current.load_full()
    }

    /// Changes the tables and publishes the result.
    fn write<R>(&self, change: impl FnOnce(&mut Snapshot) -> R) -> R {
        let _writer = self.writer.lock().unwrap_or_else(PoisonError::into_inner);
        let mut next = Snapshot::clone(&self.current.load());
        let out = change(&mut next);
        self.current.store(Arc::new(next));
        out
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
        self.write(|s| Arc::make_mut(&mut s.workers).insert(id, Arc::new(entry)));
    }

    /// Stores a worker's announce; returns its link, `None` when it is gone.
    pub(crate) fn announce(&self, worker: Uuid, metadata: Value) -> Option<Arc<Link>> {
        self.write(|s| {
            let old = s.workers.get(&worker)?;
            let entry = WorkerEntry {
                link: old.link.clone(),
                reattach_token: old.reattach_token,
                connected_at_ms: old.connected_at_ms,
                peer: old.peer,
                metadata: Some(metadata),
            };
            let link = entry.link.clone();
            Arc::make_mut(&mut s.workers).insert(worker, Arc::new(entry));
            Some(link)
        })
    }

    /// Claims `def.id` for `owner`. Returns the other live owner on conflict.
    pub(crate) fn claim_function(&self, owner: Uuid, def: RegisterFunction) -> Result<(), Uuid> {
        self.write(|s| {
            if let Some(existing) = s.functions.get(&def.id)
                && existing.owner != owner
                && s.workers.contains_key(&existing.owner)
            {
                return Err(existing.owner);
            }
            let entry = FunctionEntry { owner, def };
            Arc::make_mut(&mut s.functions).insert(entry.def.id.clone(), Arc::new(entry));
            Ok(())
        })?;
        self.functions_bumped();
        Ok(())
    }

    /// Removes a function if `owner` still owns it.
    pub(crate) fn release_function(&self, owner: Uuid, id: &str) -> bool {
        let released = self.write(|s| {
            if s.functions.get(id).is_none_or(|f| f.owner != owner) {
                return false;
            }
            Arc::make_mut(&mut s.functions).remove(id);
            true
        });
        if released {
            self.functions_bumped();
        }
        released
    }

    /// Adds (or replaces) binding `id`, with its route for an `http` binding.
    ///
    /// A binding re-registered under the same id replaces the old one (reconnect replays), but
    /// only its own owner's, or one whose owner is gone: another live worker's binding, or one
    /// made with `engine::register_trigger`, cannot be taken over by reusing its id. Conflicts
    /// are checked before the old binding goes, so a refused registration keeps it.
    pub(crate) fn bind(
        &self,
        id: String,
        entry: TriggerEntry,
        route: Option<Route>,
    ) -> Result<(), String> {
        self.write(|s| {
            let old_owner = s.triggers.get(&id).map(|t| t.owner);
            if let Some(old) = old_owner
                && old != entry.owner
                && (old == ENGINE_OWNER || s.workers.contains_key(&old))
            {
                return Err(format!(
                    "trigger id {id:?} is already used by another owner"
                ));
            }
            if let Some(route) = &route {
                s.routes.check(route)?;
            }
            if let Some(old) = old_owner {
                unbind_in(s, old, &id);
            }
            if let Some(route) = route {
                Arc::make_mut(&mut s.routes).insert(route)?;
            }
            Arc::make_mut(&mut s.triggers).insert(id, Arc::new(entry));
            Ok(())
        })
    }

    /// Removes a binding owned by `owner` (by anyone when `None`); returns whether one went.
    pub(crate) fn unbind(&self, owner: Option<Uuid>, id: &str) -> bool {
        self.write(|s| {
            let Some(found) = s.triggers.get(id).map(|t| t.owner) else {
                return false;
            };
            owner.is_none_or(|o| o == found) && unbind_in(s, found, id)
        })
    }

    /// Forgets a worker and everything it owned.
    pub(crate) fn depart(&self, worker: Uuid) {
        self.write(|s| {
            Arc::make_mut(&mut s.workers).remove(&worker);
            Arc::make_mut(&mut s.functions).retain(|_, f| f.owner != worker);
            let ids: Vec<String> = s
                .triggers
                .iter()
                .filter(|(_, t)| t.owner == worker)
                .map(|(id, _)| id.clone())
                .collect();
            for id in ids {
                unbind_in(s, worker, &id);
            }
        });
        self.functions_bumped();
    }
}

/// Removes a binding owned by `owner` with its route, and stops its cron job.
fn unbind_in(s: &mut Snapshot, owner: Uuid, id: &str) -> bool {
    if s.triggers.get(id).is_none_or(|t| t.owner != owner) {
        return false;
    }
    let Some(entry) = Arc::make_mut(&mut s.triggers).remove(id) else {
        return false;
    };
    if matches!(entry.activation, Activation::Http) {
        Arc::make_mut(&mut s.routes).remove_trigger(id);
    }
    if let Activation::Cron(job) = &entry.activation {
        job.abort();
    }
    true
}
