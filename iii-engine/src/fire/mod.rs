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
mod target;

use std::collections::{HashMap, HashSet};
use std::sync::Arc;
use std::time::Duration;

use iii_protocol::ErrorBody;
use iii_protocol::codes;
use serde_json::{Value, json};
use tokio::sync::mpsc::{self, error::TrySendError};

use crate::codec::to_raw;
use crate::config::EngineConfig;
use crate::events::Event;
use crate::registry::{Activation, Registry, Snapshot, TriggerEntry};
use crate::router::Router;
use crate::stores::dead_letters::DeadLetters;
use crate::tasks::Tasks;
pub(crate) use functions::watch_functions;
use target::{Job, Retry, Target};

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

/// A target to hand a job to: its key, what fires it and its concurrency.
struct To {
    key: String,
    kind: &'static str,
    limit: usize,
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
            for (to, job) in self.jobs(&snapshot, event) {
                self.hand(&mut slots, to, job);
            }
            since_prune += 1;
            if since_prune >= PRUNE_EVERY {
                since_prune = 0;
                slots.retain(|_, slot| !slot.tx.is_closed());
            }
        }
    }

    /// The jobs an event makes, one per matching target.
    fn jobs(&self, snapshot: &Snapshot, event: Event) -> Vec<(To, Job)> {
        let default_limit = self.config.delivery_concurrency;
        let per_binding =
            |kind: &'static str, payload: Value, matches: &dyn Fn(&Activation) -> bool| {
                let Ok(payload) = to_raw(&payload) else {
                    return Vec::new();
                };
                snapshot
                    .triggers
                    .iter()
                    .filter(|(_, t)| matches(&t.activation))
                    .map(|(id, t)| {
                        let to = To {
                            key: format!("{kind}\0{id}"),
                            kind,
                            limit: default_limit,
                        };
                        (to, binding_job(t, payload.clone(), None))
                    })
                    .collect()
            };
        match event {
            Event::State {
                scope,
                key,
                old,
                new,
            } => {
                let event_type = match (old.is_null(), new.is_null()) {
                    (true, _) => "state:created",
                    (false, true) => "state:deleted",
                    (false, false) => "state:updated",
                };
                let payload = json!({
                    "type": "state", "event_type": event_type, "scope": scope, "key": key,
                    "old_value": old, "new_value": new,
                });
                per_binding("state", payload, &|a| match a {
                    Activation::State { scope: s, key: k } => {
                        s.as_deref().is_none_or(|s| *s == scope)
                            && k.as_deref().is_none_or(|k| *k == key)
                    }
                    _ => false,
                })
            }
            Event::Stream {
                stream,
                group,
                item,
                event,
                data,
            } => {
                let payload = json!({
                    "type": "stream",
                    "timestamp": chrono::Utc::now().timestamp_millis(),
                    "streamName": stream, "groupId": group, "id": item,
                    "event": {"type": event, "data": data},
                });
                per_binding("stream", payload, &|a| match a {
                    Activation::Stream {
                        stream_name,
                        group_id,
                        item_id,
                    } => {
                        *stream_name == stream
                            && group_id.as_deref().is_none_or(|g| *g == group)
                            && item_id.as_deref().is_none_or(|i| *i == item)
                    }
                    _ => false,
                })
            }
            Event::Worker { event, worker } => {
                let payload = json!({"event": event, "worker_id": worker});
                per_binding("engine", payload, &|a| {
                    matches!(a, Activation::WorkersAvailable)
                })
            }
            Event::Functions { functions } => {
                let payload = json!({"event": "functions_changed", "functions": functions});
                per_binding("engine", payload, &|a| {
                    matches!(a, Activation::FunctionsAvailable)
                })
            }
            Event::Cron {
                trigger_id,
                payload,
                done,
            } => {
                let Some(t) = snapshot.triggers.get(&trigger_id) else {
                    return Vec::new();
                };
                let Ok(payload) = to_raw(&payload) else {
                    return Vec::new();
                };
                let to = To {
                    key: format!("cron\0{trigger_id}"),
                    kind: "cron",
                    limit: 1,
                };
                vec![(to, binding_job(t, payload, Some(done)))]
            }
            Event::Publish { topic, data } => self.topic_jobs(snapshot, &topic, &data, false),
            Event::Durable { topic, data } => self.topic_jobs(snapshot, &topic, &data, true),
            Event::Enqueue {
                queue,
                function_id,
                data,
            } => {
                let Ok(payload) = to_raw(&data) else {
                    return Vec::new();
                };
                let (attempts, backoff) = self.tuning(None);
                let to = To {
                    key: format!("enqueue\0{queue}\0{function_id}"),
                    kind: "queue",
                    limit: default_limit,
                };
                let job = Job {
                    function_id,
                    condition: None,
                    metadata: None,
                    payload,
                    retry: Some(Retry {
                        topic: queue,
                        attempts,
                        backoff,
                    }),
                    _done: None,
                };
                vec![(to, job)]
            }
        }
    }

    /// The jobs of a publish: one per function subscribed to `topic` (a function subscribed
    /// twice gets one copy). Durable jobs carry their subscriber's retry policy and no
    /// metadata; pub/sub jobs carry the binding's metadata and are never retried.
    fn topic_jobs(
        &self,
        snapshot: &Snapshot,
        topic: &str,
        data: &Value,
        durable: bool,
    ) -> Vec<(To, Job)> {
        let Ok(payload) = to_raw(data) else {
            return Vec::new();
        };
        let mut seen = HashSet::new();
        let jobs: Vec<(To, Job)> = snapshot
            .triggers
            .values()
            .filter(|t| match &t.activation {
                Activation::Queue { topic: t } => durable && t == topic,
                Activation::Subscribe { topic: t } => !durable && t == topic,
                _ => false,
            })
            .filter(|t| seen.insert(t.function_id.clone()))
            .map(|t| {
                let queue_config = t.config.get("queue_config").filter(|_| durable);
                let limit = queue_config
                    .and_then(|c| c.get("concurrency"))
                    .and_then(Value::as_u64)
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .unwrap_or(self.config.delivery_concurrency);
                let kind = if durable { "queue" } else { "subscribe" };
                let to = To {
                    key: format!("{kind}\0{topic}\0{}\0{limit}", t.function_id),
                    kind,
                    limit,
                };
                let mut job = binding_job(t, payload.clone(), None);
                if durable {
                    let (attempts, backoff) = self.tuning(queue_config);
                    job.metadata = None;
                    job.retry = Some(Retry {
                        topic: topic.to_owned(),
                        attempts,
                        backoff,
                    });
                }
                (to, job)
            })
            .collect();
        if jobs.is_empty() && durable {
            tracing::debug!("durable topic {topic:?} has no subscriber; message dropped");
        }
        jobs
    }

    /// Attempts and first backoff: engine defaults, overridden by a subscriber's
    /// `queue_config` (`maxRetries` counts retries after the first attempt; `backoffDelayMs`
    /// the first delay).
    fn tuning(&self, queue_config: Option<&Value>) -> (u32, Duration) {
        let mut attempts = self.config.queue_max_attempts.max(1);
        let mut backoff = self.config.queue_backoff;
        if let Some(cfg) = queue_config {
            if let Some(retries) = cfg.get("maxRetries").and_then(Value::as_u64) {
                attempts = u32::try_from(retries.saturating_add(1)).unwrap_or(u32::MAX);
            }
            if let Some(ms) = cfg.get("backoffDelayMs").and_then(Value::as_u64) {
                backoff = Duration::from_millis(ms);
            }
        }
        (attempts, backoff)
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

/// A job for binding `t` with its condition and metadata.
fn binding_job(
    t: &TriggerEntry,
    payload: Box<serde_json::value::RawValue>,
    done: Option<tokio::sync::oneshot::Sender<()>>,
) -> Job {
    Job {
        function_id: t.function_id.clone(),
        condition: t.condition.clone(),
        metadata: t.metadata.clone(),
        payload,
        retry: None,
        _done: done,
    }
}
