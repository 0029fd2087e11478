//! What a worker's calls may hold: the room for calls in flight
//! ([`EngineConfig::max_calls_per_worker`], [`EngineConfig::max_call_bytes_per_worker`]), the
//! share of it one target may take, and the frames read ahead while calls wait for room.
//!
//! Calls to one target (a worker, or the engine's own functions) take at most half of the
//! caller's room, so that a target that stops answering or reading leaves the caller room for
//! its other calls: one slow target slows only the calls made to it. A call whose target has
//! used its share waits, in order with the other calls to that target, while the frames behind
//! it go ahead; a call that finds the caller's whole room taken waits with everything behind
//! it, as before, so that small calls cannot starve a large one.
//!
//! [`EngineConfig::max_calls_per_worker`]: crate::EngineConfig::max_calls_per_worker
//! [`EngineConfig::max_call_bytes_per_worker`]: crate::EngineConfig::max_call_bytes_per_worker

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use iii_protocol::Uuid;
use tokio::sync::Notify;

use super::incoming::Incoming;
use crate::config::EngineConfig;

/// Frames read ahead while calls wait for room.
const DEFER_FRAMES: usize = 256;
/// Bytes read ahead while calls wait for room (one frame may go over).
const DEFER_BYTES: usize = 4 * 1024 * 1024;

/// Whom a call goes to: the worker that owns its function, or `None` for the engine itself
/// (builtins, and functions nobody owns, which fail at once).
pub(crate) type Target = Option<Uuid>;

/// Calls and bytes in flight.
#[derive(Default, Clone, Copy)]
struct Use {
    calls: usize,
    bytes: usize,
}

struct Inner {
    max: Use,
    /// What one target may use of `max`.
    share: Use,
    used: Mutex<(Use, HashMap<Target, Use>)>,
    /// Notified whenever a call in flight gives its room back.
    freed: Notify,
}

/// The room of one worker's calls.
pub(crate) struct Budget {
    inner: Arc<Inner>,
}

/// Whether a call may start now.
pub(crate) enum Admit {
    /// Yes, holding this until it completes.
    Granted(CallPermit),
    /// Not yet: calls to its target use that target's share of the room.
    TargetBusy,
    /// Not yet: the caller's room is all taken.
    Full,
}

/// What a call in flight holds until it completes; dropping it gives the room back.
pub(crate) struct CallPermit {
    inner: Arc<Inner>,
    target: Target,
    bytes: usize,
    target_bytes: usize,
}

impl Inner {
    fn used(&self) -> MutexGuard<'_, (Use, HashMap<Target, Use>)> {
        self.used.lock().unwrap_or_else(PoisonError::into_inner)
    }
}

impl Budget {
    /// The room `config` gives one worker.
    pub(crate) fn new(config: &EngineConfig) -> Self {
        let max = Use {
            calls: config.max_calls_per_worker.max(1),
            bytes: config.max_call_bytes_per_worker.max(1),
        };
        let share = Use {
            calls: (max.calls / 2).max(1),
            bytes: (max.bytes / 2).max(1),
        };
        Self {
            inner: Arc::new(Inner {
                max,
                share,
                used: Mutex::default(),
                freed: Notify::new(),
            }),
        }
    }

    /// Room for a call of `bytes` to `target`, if there is some now. A call larger than the
    /// whole room (or than a target's share) counts as filling it, so that it is served alone
    /// rather than never.
    pub(crate) fn try_permit(&self, target: Target, bytes: usize) -> Admit {
        let inner = &self.inner;
        let bytes = bytes.clamp(1, inner.max.bytes);
        let target_bytes = bytes.min(inner.share.bytes);
        let mut used = inner.used();
        let (total, targets) = &mut *used;
        if total.calls >= inner.max.calls || total.bytes + bytes > inner.max.bytes {
            return Admit::Full;
        }
        let to = targets.entry(target).or_default();
        if to.calls >= inner.share.calls || to.bytes + target_bytes > inner.share.bytes {
            return Admit::TargetBusy;
        }
        to.calls += 1;
        to.bytes += target_bytes;
        total.calls += 1;
        total.bytes += bytes;
        Admit::Granted(CallPermit {
            inner: inner.clone(),
            target,
            bytes,
            target_bytes,
        })
    }

    /// Resolves once a call in flight has given its room back (at once if one did since the
    /// last time). Cancel-safe: the `Notify` keeps the wake-up until it is taken.
    pub(crate) async fn freed(&self) {
        self.inner.freed.notified().await;
    }
}

impl Drop for CallPermit {
    fn drop(&mut self) {
        {
            let mut used = self.inner.used();
            let (total, targets) = &mut *used;
            total.calls -= 1;
            total.bytes -= self.bytes;
            if let Some(to) = targets.get_mut(&self.target) {
                to.calls -= 1;
                to.bytes -= self.target_bytes;
                if to.calls == 0 {
                    targets.remove(&self.target);
                }
            }
        }
        self.inner.freed.notify_one();
    }
}

/// Frames read but not handled yet, in order: calls waiting for room, and whatever came after
/// a call that waits for the caller's whole room.
#[derive(Default)]
pub(crate) struct Deferred {
    frames: VecDeque<Incoming>,
    bytes: usize,
}

impl Deferred {
    /// Whether more frames may be read ahead. Past the bound the worker is not read from at
    /// all, and TCP pushes back on it.
    pub(crate) fn has_room(&self) -> bool {
        self.frames.len() < DEFER_FRAMES && self.bytes < DEFER_BYTES
    }

    /// Whether nothing waits.
    pub(crate) fn is_empty(&self) -> bool {
        self.frames.is_empty()
    }

    /// Queues a frame behind the others.
    pub(crate) fn push(&mut self, incoming: Incoming) {
        self.bytes += incoming.bytes;
        self.frames.push_back(incoming);
    }

    /// The frame at `index`, if any.
    pub(crate) fn get(&self, index: usize) -> Option<&Incoming> {
        self.frames.get(index)
    }

    /// Takes the frame at `index` out.
    pub(crate) fn take(&mut self, index: usize) -> Option<Incoming> {
        let incoming = self.frames.remove(index)?;
        self.bytes -= incoming.bytes;
        Some(incoming)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn budget(calls: usize, bytes: usize) -> Budget {
        let config = EngineConfig {
            max_calls_per_worker: calls,
            max_call_bytes_per_worker: bytes,
            ..EngineConfig::default()
        };
        Budget::new(&config)
    }

    fn granted(admit: Admit) -> CallPermit {
        match admit {
            Admit::Granted(permit) => permit,
            Admit::TargetBusy => panic!("target busy"),
            Admit::Full => panic!("full"),
        }
    }

    #[test]
    fn one_target_takes_at_most_half_of_the_room() {
        let b = budget(4, 1000);
        let (slow, other) = (Some(Uuid::from_u128(1)), Some(Uuid::from_u128(2)));
        let held = [
            granted(b.try_permit(slow, 1)),
            granted(b.try_permit(slow, 1)),
        ];
        assert!(matches!(b.try_permit(slow, 1), Admit::TargetBusy));
        let more = [
            granted(b.try_permit(other, 1)),
            granted(b.try_permit(None, 1)),
        ];
        assert!(matches!(
            b.try_permit(Some(Uuid::from_u128(3)), 1),
            Admit::Full
        ));
        drop(held);
        assert!(matches!(b.try_permit(slow, 1), Admit::Granted(_)));
        drop(more);
    }

    #[test]
    fn bytes_are_shared_the_same_way_and_a_huge_call_goes_alone() {
        let b = budget(100, 1000);
        let slow = Some(Uuid::from_u128(1));
        let first = granted(b.try_permit(slow, 400));
        assert!(matches!(b.try_permit(slow, 200), Admit::TargetBusy));
        let other = granted(b.try_permit(None, 500));
        assert!(matches!(b.try_permit(None, 200), Admit::Full));
        drop((first, other));
        // Larger than everything: admitted when nothing else is in flight, then alone.
        let huge = granted(b.try_permit(slow, 5000));
        assert!(matches!(b.try_permit(None, 1), Admit::Full));
        drop(huge);
        assert!(
            b.inner.used().1.is_empty(),
            "targets with nothing in flight are forgotten"
        );
    }
}
