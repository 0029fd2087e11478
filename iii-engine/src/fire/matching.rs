//! Matching an event against the bindings of one registry snapshot: which targets it goes to,
//! and the job each of them gets (payload, condition, metadata, retry policy).

use std::collections::HashSet;
use std::time::Duration;

use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::target::{Job, Retry};
use crate::codec::to_raw;
use crate::config::EngineConfig;
use crate::events::Event;
use crate::registry::{Activation, Snapshot, TriggerEntry};

/// A target to hand a job to: its key, what fires it and its concurrency.
pub(super) struct To {
    pub(super) key: String,
    pub(super) kind: &'static str,
    pub(super) limit: usize,
}

/// Matches events against one snapshot.
pub(super) struct Matcher<'a> {
    pub(super) snapshot: &'a Snapshot,
    pub(super) config: &'a EngineConfig,
}

impl Matcher<'_> {
    /// The jobs an event makes, one per matching target.
    pub(super) fn jobs(&self, event: Event) -> Vec<(To, Job)> {
        let snapshot = self.snapshot;
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
            Event::Publish { topic, data } => self.topic_jobs(&topic, &data, false),
            Event::Durable { topic, data } => self.topic_jobs(&topic, &data, true),
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
    fn topic_jobs(&self, topic: &str, data: &Value, durable: bool) -> Vec<(To, Job)> {
        let Ok(payload) = to_raw(data) else {
            return Vec::new();
        };
        let mut seen = HashSet::new();
        let jobs: Vec<(To, Job)> = self
            .snapshot
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
}

/// A job for binding `t` with its condition and metadata.
fn binding_job(t: &TriggerEntry, payload: Box<RawValue>, done: Option<oneshot::Sender<()>>) -> Job {
    Job {
        function_id: t.function_id.clone(),
        condition: t.condition.clone(),
        metadata: t.metadata.clone(),
        payload,
        retry: None,
        _done: done,
    }
}
