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
//! Durable messages reach the owner only once the queue store has committed them
//! ([`durable`]); each job settles its message back with the store when it is done.
//!
//! Limits: [`EngineConfig::delivery_concurrency`](crate::EngineConfig::delivery_concurrency)
//! deliveries in flight per target (a queue subscriber's `queue_config.concurrency` overrides
//! it) and [`EngineConfig::delivery_queue`](crate::EngineConfig::delivery_queue) waiting.

mod durable;
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
use crate::stores::queues::{Queues, Settle};
use crate::tasks::Tasks;
pub(crate) use durable::{Subscriptions, sweep};
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
    pub(crate) queues: Queues,
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
            let jobs = match event {
                Event::Queued(deliveries) => {
                    let (jobs, released) = matcher.queued(deliveries);
                    self.settle(
                        released
                            .into_iter()
                            .map(|id| (id, Settle::Release))
                            .collect(),
                    );
                    jobs
                }
                event => matcher.jobs(event),
            };
            let mut dead = Vec::new();
            for (to, job) in jobs {
                self.hand(&mut slots, to, job, &mut dead);
            }
            self.settle(dead);
            since_prune += 1;
            if since_prune >= PRUNE_EVERY {
                since_prune = 0;
                slots.retain(|_, slot| !slot.tx.is_closed());
            }
        }
    }

    /// Settles durable messages with the queue store, off this task: the owner never waits.
    fn settle(&self, settle: Vec<(u64, Settle)>) {
        if settle.is_empty() {
            return;
        }
        let queues = self.queues.clone();
        self.tasks.spawn(async move {
            for (id, how) in settle {
                // An engine that is stopping keeps the messages for its next start.
                let _ = queues.settle(id, how).await;
            }
        });
    }

    /// Hands `job` to its target, starting the target's task when it has none; a durable job
    /// its target has no room for joins `dead`.
    fn hand(
        &self,
        slots: &mut HashMap<String, Slot>,
        to: To,
        job: Job,
        dead: &mut Vec<(u64, Settle)>,
    ) {
        let job = match slots.get_mut(&to.key) {
            Some(slot) => match slot.tx.try_send(job) {
                Ok(()) => return,
                Err(TrySendError::Full(job)) => {
                    slot.dropped += 1;
                    if let Some(settle) = self.dropped(&to, slot.dropped, &job) {
                        dead.push(settle);
                    }
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
            queues: self.queues.clone(),
            tasks: self.tasks.clone(),
        };
        self.tasks.spawn(target.run(rx));
        // A fresh queue has room for one job.
        let _ = tx.try_send(job);
        slots.insert(to.key, Slot { tx, dropped: 0 });
    }

    /// A job its target's full queue could not take: how its message ends, if durable.
    fn dropped(&self, to: &To, count: u64, job: &Job) -> Option<(u64, Settle)> {
        if count.is_power_of_two() {
            tracing::warn!(
                "{} target {:?} is not keeping up: its delivery queue ({} fires) is full; \
                 {count} fire(s) dropped so far",
                to.kind,
                job.function_id,
                self.config.delivery_queue
            );
        }
        let retry = job.retry.as_ref()?;
        let error = ErrorBody::new(
            codes::DELIVERY_QUEUE_FULL,
            "the subscriber's delivery queue was full",
        );
        Some((retry.id, target::dead(&error, 0)))
    }
}
