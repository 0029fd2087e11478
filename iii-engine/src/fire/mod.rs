//! Trigger firing: the one owner that turns every change ([`Event`]) into deliveries.
//!
//! [`Firing::run`] takes events from the bounded inbox (`crate::events`), matches each against
//! the bindings of the registry's current snapshot, and hands one job per matching target to
//! that target's own bounded queue ([`target`]). It never awaits a handler, so one slow
//! subscriber slows only its own fires.
//!
//! A target whose queue is full does not get the fire: the owner must not wait (every other
//! target would wait with it), and an unbounded queue would let a fast publisher and a slow
//! subscriber grow the engine's memory without end. The drop is counted per target and logged
//! (on the 1st, 2nd, 4th, 8th… drop); a durable message is dead-lettered instead, with code
//! `delivery_queue_full`, so at-least-once delivery never loses a message without a trace.
//!
//! Limits: [`EngineConfig::delivery_concurrency`](crate::EngineConfig::delivery_concurrency)
//! deliveries in flight per target (a queue subscriber's `queue_config.concurrency` overrides
//! it) and [`EngineConfig::delivery_queue`](crate::EngineConfig::delivery_queue) waiting.

mod functions;
mod matching;
mod target;

use std::collections::HashMap;
use std::sync::Arc;

use iii_protocol::{ErrorBody, codes};
use tokio::sync::mpsc::{self, error::TrySendError};

use crate::config::EngineConfig;
use crate::events::Event;
use crate::registry::Registry;
use crate::router::Router;
use crate::stores::dead_letters::DeadLetters;
use crate::tasks::Tasks;
pub(crate) use functions::watch_functions;
use matching::{Matcher, To};
use target::{Job, Target};

/// Events between two sweeps of the targets whose task ended.
const PRUNE_EVERY: u32 = 4096;

/// A target's queue, as the owner sees it.
struct Slot {
    tx: mpsc::Sender<Job>,
    dropped: u64,
}

/// The owner of trigger firing.
pub(crate) struct Firing {
    pub(crate) registry: Arc<Registry>,
    pub(crate) router: Arc<Router>,
    pub(crate) dead_letters: Arc<DeadLetters>,
    pub(crate) config: Arc<EngineConfig>,
    pub(crate) tasks: Tasks,
}

impl Firing {
    /// Fires every event of `inbox` until the engine stops.
    pub(crate) async fn run(self, mut inbox: mpsc::Receiver<Event>) {
        let mut slots: HashMap<String, Slot> = HashMap::new();
        let mut since_prune = 0u32;
        loop {
            // Cancel-safe: `recv` loses nothing when the stop signal wins.
            let event = tokio::select! {
                event = inbox.recv() => event,
                () = self.tasks.stopping() => return,
            };
            let Some(event) = event else { return };
            let snapshot = self.registry.snapshot();
            let matcher = Matcher {
                snapshot: &snapshot,
                config: &self.config,
            };
            for (to, job) in matcher.jobs(event) {
                self.hand(&mut slots, to, job);
            }
            since_prune += 1;
            if since_prune >= PRUNE_EVERY {
                since_prune = 0;
                slots.retain(|_, slot| !slot.tx.is_closed());
            }
        }
    }

    /// Hands `job` to its target, starting the target's task when it has none.
    fn hand(&self, slots: &mut HashMap<String, Slot>, to: To, job: Job) {
        let job = match slots.get_mut(&to.key) {
            Some(slot) => match slot.tx.try_send(job) {
                Ok(()) => return,
                Err(TrySendError::Full(job)) => {
                    slot.dropped += 1;
                    self.dropped(&to, slot.dropped, job);
                    return;
                }
                // The target's task ended (idle): a new one takes over.
                Err(TrySendError::Closed(job)) => job,
            },
            None => job,
        };
        let (tx, rx) = mpsc::channel(self.config.delivery_queue.max(1));
        let target = Target {
            kind: to.kind,
            limit: to.limit,
            router: self.router.clone(),
            dead_letters: self.dead_letters.clone(),
            tasks: self.tasks.clone(),
        };
        self.tasks.spawn(target.run(rx));
        // A fresh queue has room for one job.
        let _ = tx.try_send(job);
        slots.insert(to.key, Slot { tx, dropped: 0 });
    }

    /// A job its target's full queue could not take.
    fn dropped(&self, to: &To, count: u64, job: Job) {
        if count.is_power_of_two() {
            tracing::warn!(
                "{} target {:?} is not keeping up: its delivery queue ({} fires) is full; \
                 {count} fire(s) dropped so far",
                to.kind,
                job.function_id,
                self.config.delivery_queue
            );
        }
        if let Some(retry) = &job.retry {
            let error = ErrorBody::new(
                codes::DELIVERY_QUEUE_FULL,
                "the subscriber's delivery queue was full",
            );
            self.dead_letters
                .push(job.dead_letter(&retry.topic, &error, 0));
        }
    }
}
