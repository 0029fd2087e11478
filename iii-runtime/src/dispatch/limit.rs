//! A function's own concurrency limit (`concurrency = N`): at most N of its invocations run
//! at once, and the calls over the limit wait in the function's bounded queue.
//!
//! The limit is reserved before the worker's slot, as tower's `ConcurrencyLimit` reserves its
//! permit in `poll_ready` before the inner service sees the request: a call over its
//! function's limit waits here holding no slot of the worker's in-flight limit, so a slow
//! limited function cannot take every slot and starve the others. A running invocation that
//! ends hands its slot straight to the next call waiting here, so the waiting calls never go
//! back to the worker's backlog either.
//!
//! Invariant: calls wait only while the function runs `max` invocations, each of which will
//! hand its slot on, so no waiting call is left without someone to start it.

use std::collections::VecDeque;
use std::sync::{Mutex, MutexGuard};

use tokio::sync::OwnedSemaphorePermit;

use crate::incoming::Incoming;
use crate::link::Link;

/// One function's limit and its waiting calls.
pub(crate) struct Limit {
    max: usize,
    capacity: usize,
    /// Locked briefly on admission and when an invocation ends; never across an await.
    state: Mutex<State>,
}

struct State {
    running: usize,
    waiting: VecDeque<(Incoming, Link)>,
}

/// What [`Limit::admit`] decided.
pub(super) enum Admit {
    /// Under the limit, with a slot: run it now.
    Run(OwnedSemaphorePermit, Incoming),
    /// Over the limit: it waits in the function's queue.
    Queued,
    /// Over the limit and the queue is full: refuse it.
    Full(Incoming),
    /// Under the limit, but no worker slot was to be had: it waits for one in the backlog.
    NoSlot(Incoming),
}

impl Limit {
    /// At most `max` running (at least one), at most `capacity` waiting.
    pub(super) fn new(max: usize, capacity: usize) -> Self {
        Self {
            max: max.max(1),
            capacity,
            state: Mutex::new(State {
                running: 0,
                waiting: VecDeque::new(),
            }),
        }
    }

    /// Decides about `call`: under the limit it runs on the slot `slot` finds, if any; over
    /// it, it waits (without a slot) or is refused. `slot` is asked only under the limit, so a
    /// slot it would hand out stays with the worker otherwise.
    pub(super) fn admit(
        &self,
        call: Incoming,
        link: &Link,
        slot: impl FnOnce() -> Option<OwnedSemaphorePermit>,
    ) -> Admit {
        let mut state = self.lock();
        if state.running < self.max && state.waiting.is_empty() {
            return match slot() {
                Some(slot) => {
                    state.running += 1;
                    Admit::Run(slot, call)
                }
                None => Admit::NoSlot(call),
            };
        }
        if state.waiting.len() >= self.capacity {
            return Admit::Full(call);
        }
        state.waiting.push_back((call, link.clone()));
        Admit::Queued
    }

    /// An invocation of the function ended: the next waiting call, to run on the slot it held,
    /// or `None` when nothing waits (the function then runs one fewer). Calls whose connection
    /// is gone are dropped on the way: the engine has answered them.
    pub(super) fn next(&self) -> Option<(Incoming, Link)> {
        let mut state = self.lock();
        while let Some((call, link)) = state.waiting.pop_front() {
            if !link.data.is_closed() {
                return Some((call, link));
            }
        }
        state.running -= 1;
        None
    }

    /// How many may run at once.
    pub(super) fn max(&self) -> usize {
        self.max
    }

    /// How many may wait.
    pub(super) fn capacity(&self) -> usize {
        self.capacity
    }

    fn lock(&self) -> MutexGuard<'_, State> {
        // No code panics while holding the lock: a poisoned lock still holds a consistent
        // state.
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use iii_protocol::{InvokeFunction, raw};
    use tokio::sync::Semaphore;

    use super::*;

    fn call(n: u32) -> Incoming {
        InvokeFunction::new("f", raw::to_raw(&n).expect("raw")).into()
    }

    fn input(call: &Incoming) -> &str {
        call.data.get()
    }

    #[test]
    fn over_the_limit_calls_wait_without_a_slot_and_take_over_the_slot_of_one_that_ends() {
        let slots = Arc::new(Semaphore::new(4));
        let take = || Arc::clone(&slots).try_acquire_owned().ok();
        let (link, _queues) = Link::new();
        let limit = Limit::new(1, 2);

        let Admit::Run(slot, _) = limit.admit(call(0), &link, take) else {
            panic!("the first call runs");
        };
        assert!(matches!(limit.admit(call(1), &link, take), Admit::Queued));
        assert!(matches!(limit.admit(call(2), &link, take), Admit::Queued));
        assert!(matches!(limit.admit(call(3), &link, take), Admit::Full(_)));
        assert_eq!(slots.available_permits(), 3, "waiting calls hold no slot");

        let (next, _) = limit.next().expect("the first waiting call");
        assert_eq!(input(&next), "1");
        let (next, _) = limit.next().expect("the second waiting call");
        assert_eq!(input(&next), "2");
        assert!(limit.next().is_none(), "nothing waits");
        drop(slot);
        assert!(matches!(limit.admit(call(4), &link, take), Admit::Run(..)));
    }

    #[test]
    fn under_the_limit_without_a_slot_the_call_goes_to_the_backlog() {
        let (link, _queues) = Link::new();
        let limit = Limit::new(2, 2);
        assert!(matches!(
            limit.admit(call(0), &link, || None),
            Admit::NoSlot(_)
        ));
        // Nothing was reserved: with a slot, two still run.
        let slots = Arc::new(Semaphore::new(2));
        let take = || Arc::clone(&slots).try_acquire_owned().ok();
        assert!(matches!(limit.admit(call(1), &link, take), Admit::Run(..)));
        assert!(matches!(limit.admit(call(2), &link, take), Admit::Run(..)));
        assert!(matches!(limit.admit(call(3), &link, take), Admit::Queued));
    }

    #[test]
    fn calls_of_a_closed_connection_are_dropped_at_the_handoff() {
        let (live, _live_queues) = Link::new();
        let (gone, gone_queues) = Link::new();
        let limit = Limit::new(1, 4);
        let slots = Arc::new(Semaphore::new(1));
        let take = || Arc::clone(&slots).try_acquire_owned().ok();
        assert!(matches!(limit.admit(call(0), &live, take), Admit::Run(..)));
        assert!(matches!(limit.admit(call(1), &gone, take), Admit::Queued));
        assert!(matches!(limit.admit(call(2), &live, take), Admit::Queued));
        drop(gone_queues);
        let (next, _) = limit.next().expect("the live call");
        assert_eq!(input(&next), "2");
        assert!(limit.next().is_none());
    }
}
