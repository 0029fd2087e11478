//! Durable deliveries: matching the messages the queue store hands out to their targets, the
//! registry as the queue store's [`Directory`], and the sweep that hands out idle messages.
//!
//! A topic message goes to its function's `durable:subscriber` (or `queue`) binding on the
//! topic, with that binding's condition and `queue_config`; one whose binding is gone by the
//! time it is matched is released back to the store, to wait for the function. A named-queue
//! message goes to its function with the queue's settings (`queue_configs`, else the
//! `default` queue's, else the engine's).

use std::collections::HashSet;
use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use super::matching::{Matcher, To, binding_job};
use super::target::{Job, Retry};
use crate::builtins;
use crate::codec::to_raw;
use crate::events::Delivery;
use crate::registry::{Activation, Registry};
use crate::stores::queues::{Directory, Queues};
use crate::tasks::Tasks;

/// How often idle messages are looked at again (a backstop: a new subscription hands them out
/// at once).
const SWEEP: Duration = Duration::from_secs(1);

/// The registry, as the queue store sees it.
pub(crate) struct Subscriptions(pub(crate) Arc<Registry>);

impl Directory for Subscriptions {
    fn subscribers(&self, topic: &str) -> Vec<String> {
        let snapshot = self.0.snapshot();
        let mut seen = HashSet::new();
        let mut subscribers: Vec<String> = snapshot
            .triggers
            .values()
            .filter(|t| matches!(&t.activation, Activation::Queue { topic: t } if t == topic))
            .filter(|t| seen.insert(t.function_id.clone()))
            .map(|t| t.function_id.clone())
            .collect();
        subscribers.sort();
        subscribers
    }

    fn has_function(&self, function_id: &str) -> bool {
        builtins::is_builtin(function_id) || self.0.snapshot().functions.contains_key(function_id)
    }
}

/// Hands out idle messages every [`SWEEP`] until the engine stops.
pub(crate) async fn sweep(queues: Queues, tasks: Tasks) {
    loop {
        tokio::select! {
            () = tokio::time::sleep(SWEEP) => {}
            () = tasks.stopping() => return,
        }
        if queues.redispatch().await.is_err() {
            return;
        }
    }
}

impl Matcher<'_> {
    /// The jobs of durable deliveries, and the ids of those whose binding is gone.
    pub(super) fn queued(&self, deliveries: Vec<Delivery>) -> (Vec<(To, Job)>, Vec<u64>) {
        let mut jobs = Vec::with_capacity(deliveries.len());
        let mut released = Vec::new();
        for d in deliveries {
            let Ok(payload) = to_raw(&d.data) else {
                released.push(d.id);
                continue;
            };
            if d.named {
                let settings = self
                    .config
                    .queues
                    .get(&d.topic)
                    .or_else(|| self.config.queues.get("default"))
                    .cloned()
                    .unwrap_or_default();
                let limit = settings.limit(self.config.delivery_concurrency);
                let to = To {
                    key: format!("enqueue\0{}\0{}\0{limit}", d.topic, d.function_id),
                    kind: "queue",
                    limit,
                };
                let retry = Retry {
                    id: d.id,
                    topic: d.topic,
                    attempts: settings
                        .max_attempts
                        .unwrap_or(self.config.queue_max_attempts)
                        .max(1),
                    backoff: settings.backoff.unwrap_or(self.config.queue_backoff),
                };
                let job = Job {
                    function_id: d.function_id,
                    condition: None,
                    metadata: None,
                    payload,
                    retry: Some(retry),
                    _done: None,
                };
                jobs.push((to, job));
                continue;
            }
            let binding = self.snapshot.triggers.values().find(|t| {
                t.function_id == d.function_id
                    && matches!(&t.activation, Activation::Queue { topic } if *topic == d.topic)
            });
            let Some(binding) = binding else {
                released.push(d.id);
                continue;
            };
            let queue_config = binding.config.get("queue_config");
            let limit = queue_config
                .and_then(|c| c.get("concurrency"))
                .and_then(Value::as_u64)
                .and_then(|n| usize::try_from(n).ok())
                .filter(|n| *n > 0)
                .unwrap_or(self.config.delivery_concurrency);
            let to = To {
                key: format!("queue\0{}\0{}\0{limit}", d.topic, d.function_id),
                kind: "queue",
                limit,
            };
            let (attempts, backoff) = self.tuning(queue_config);
            let mut job = binding_job(binding, payload, None);
            job.metadata = None;
            job.retry = Some(Retry {
                id: d.id,
                topic: d.topic,
                attempts,
                backoff,
            });
            jobs.push((to, job));
        }
        (jobs, released)
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
}
