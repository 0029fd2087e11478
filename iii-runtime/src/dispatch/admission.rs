//! Admission: whether an incoming invocation runs now, waits, or is refused.
//!
//! The reader offers each invocation here first ([`Admission::try_start`]) and starts it
//! without a hop through the service whenever that is safe: the function is known, its own
//! limit and a slot under the worker's in-flight limit are free, nothing waits in the
//! backlog and the worker is not draining. Everything else goes to the service, which offers
//! it again knowing the connection's state ([`Admission::offer`]) and keeps the backlog of
//! calls waiting for a slot.
//!
//! A function with a `concurrency` limit is admitted against that limit first (see
//! `limit`): over it, the call waits in the function's queue without taking a slot.
//!
//! Admission holds the function table, the in-flight limit as a semaphore (one permit per
//! running invocation), and the signal that abandons running invocations when the shutdown
//! grace runs out.

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, PoisonError, RwLock, RwLockReadGuard};
use std::time::Duration;

use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};

use super::limit::{self, Limit};
use super::refuse::{not_found, over_limit, reply_to, shutting_down};
use super::run;
use super::table::{Entry, Table};
use crate::incoming::Incoming;
use crate::link::Link;
use crate::worker::{Function, WeakWorker};

/// What [`Admission::offer`] did with a call.
pub(crate) enum Offer {
    /// Started, queued behind its function's limit, or refused: nothing left to do.
    Done,
    /// No function has that id.
    Unknown(Incoming),
    /// It may run but no slot is free (or others wait for one first): it waits in the
    /// backlog.
    NoSlot(Incoming),
}

pub(crate) struct Admission {
    /// Written by the service only; read by the reader for each invocation.
    table: RwLock<Table>,
    slots: Arc<Semaphore>,
    limit: usize,
    accepting: AtomicBool,
    /// How many invocations wait in the service's backlog; while any do, new ones queue
    /// behind them instead of overtaking.
    backlogged: AtomicUsize,
    abandon: watch::Sender<bool>,
    worker: WeakWorker,
}

impl Admission {
    /// At most `limit` invocations running at once (at least one).
    /// `inline_budget`: see [`WorkerConfig::inline_budget`](crate::WorkerConfig).
    pub(crate) fn new(limit: usize, inline_budget: Duration, worker: WeakWorker) -> Arc<Self> {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Arc::new(Self {
            table: RwLock::new(Table::new(inline_budget)),
            slots: Arc::new(Semaphore::new(limit)),
            limit,
            accepting: AtomicBool::new(true),
            backlogged: AtomicUsize::new(0),
            abandon: watch::Sender::new(false),
            worker,
        })
    }

    /// Adds or replaces the function `id`. A limited function's queue holds as many calls
    /// as the worker runs at once.
    pub(crate) fn register(&self, id: String, function: Function) {
        self.table
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .insert(id, function, self.limit);
    }

    /// Removes the function `id`; false when it was not registered.
    pub(crate) fn unregister(&self, id: &str) -> bool {
        self.table
            .write()
            .unwrap_or_else(PoisonError::into_inner)
            .remove(id)
    }

    /// The function table, for replaying the registrations.
    pub(crate) fn functions(&self) -> RwLockReadGuard<'_, Table> {
        // The lock guards a plain table that no code panics while holding: a poisoned lock
        // still holds a consistent table.
        self.table.read().unwrap_or_else(PoisonError::into_inner)
    }

    /// Starts `call` at once if it may; gives it back when the service has to decide.
    pub(crate) fn try_start(&self, call: Incoming, link: &Link) -> Option<Incoming> {
        if !self.accepting.load(Ordering::Acquire) || self.backlogged.load(Ordering::Acquire) > 0 {
            return Some(call);
        }
        match self.offer(call, link, false) {
            Offer::Done => None,
            Offer::Unknown(call) | Offer::NoSlot(call) => Some(call),
        }
    }

    /// Runs `call` if its function's limit and a free slot allow, queues it behind its
    /// function's limit, or refuses it. `behind` says that others wait for a slot before it,
    /// so that it may not take a free one.
    pub(crate) fn offer(&self, call: Incoming, link: &Link, behind: bool) -> Offer {
        let Some(entry) = self.functions().get(&call.function_id) else {
            return Offer::Unknown(call);
        };
        let free = || {
            if behind {
                None
            } else {
                Arc::clone(&self.slots).try_acquire_owned().ok()
            }
        };
        self.place(entry, call, link, free)
    }

    /// Starts `call` with a slot the service obtained for it from the backlog; answers it
    /// when the function is gone (unregistered while it waited).
    pub(crate) fn start(&self, slot: OwnedSemaphorePermit, call: Incoming, link: Link) {
        let Some(entry) = self.functions().get(&call.function_id) else {
            return reply_to(&link, &call, not_found(&call.function_id));
        };
        // With a slot in hand the call runs or waits behind its function's limit (and the
        // slot goes back); it never waits for another slot.
        let placed = self.place(entry, call, &link, move || Some(slot));
        debug_assert!(matches!(placed, Offer::Done));
    }

    fn place(
        &self,
        entry: Arc<Entry>,
        call: Incoming,
        link: &Link,
        slot: impl FnOnce() -> Option<OwnedSemaphorePermit>,
    ) -> Offer {
        let Some(limit) = &entry.limit else {
            return match slot() {
                Some(slot) => {
                    self.spawn(slot, entry, call, link.clone());
                    Offer::Done
                }
                None => Offer::NoSlot(call),
            };
        };
        match limit.admit(call, link, slot) {
            limit::Admit::Run(slot, call) => {
                let entry = Arc::clone(&entry);
                self.spawn(slot, entry, call, link.clone());
            }
            limit::Admit::Queued => {}
            limit::Admit::Full(call) => {
                let error = over_limit(&call.function_id, limit.max(), limit.capacity());
                reply_to(link, &call, error);
            }
            limit::Admit::NoSlot(call) => return Offer::NoSlot(call),
        }
        Offer::Done
    }

    fn spawn(&self, slot: OwnedSemaphorePermit, entry: Arc<Entry>, call: Incoming, link: Link) {
        match self.worker.upgrade() {
            Some(worker) => run::spawn(slot, entry, call, link, worker, self.abandon.subscribe()),
            None => {
                // Every handle is gone and nothing runs (a running invocation holds one):
                // the worker is closing, and nothing waits behind this call's limit.
                reply_to(&link, &call, shutting_down());
                if let Some(limit) = &entry.limit {
                    release(limit);
                }
            }
        }
    }

    /// The semaphore whose permits are the free slots.
    pub(crate) fn slots(&self) -> Arc<Semaphore> {
        Arc::clone(&self.slots)
    }

    pub(crate) fn running(&self) -> usize {
        self.limit - self.slots.available_permits()
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    pub(crate) fn set_backlogged(&self, count: usize) {
        self.backlogged.store(count, Ordering::Release);
    }

    /// From now on every invocation goes to the service (which refuses it).
    pub(crate) fn stop_accepting(&self) {
        self.accepting.store(false, Ordering::Release);
    }

    /// Answers every running invocation with `shutdown` and stops it at its next await;
    /// calls waiting behind a function's limit are answered when their turn comes.
    pub(crate) fn abandon_running(&self) {
        self.abandon.send_replace(true);
    }

    /// Resolves once no invocation runs (and so none waits behind a function's limit either).
    /// Cancel safe: a dropped acquisition returns its permits.
    pub(crate) async fn all_done(&self) {
        let all = u32::try_from(self.limit).unwrap_or(u32::MAX);
        drop(self.slots.acquire_many(all).await);
    }
}

/// Gives back the reservation of a call that will not run.
fn release(limit: &Limit) {
    while let Some((call, link)) = limit.next() {
        reply_to(&link, &call, shutting_down());
    }
}
