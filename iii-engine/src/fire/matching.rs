//! Matching an event against the bindings of one registry snapshot: which targets it goes to,
//! and the job each of them gets (payload, condition, metadata, retry policy).

use std::collections::HashSet;

use serde_json::value::RawValue;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use super::target::Job;
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
            Event::Publish { topic, data } => self.topic_jobs(&topic, &data),
            // Durable messages come with releases; `Firing` matches them itself.
            Event::Queued(_) => Vec::new(),
        }
    }

    /// The jobs of a pub/sub publish: one per function subscribed to `topic` (a function
    /// subscribed twice gets one copy), with the binding's metadata, never retried.
    fn topic_jobs(&self, topic: &str, data: &Value) -> Vec<(To, Job)> {
        let Ok(payload) = to_raw(data) else {
            return Vec::new();
        };
        let mut seen = HashSet::new();
        self.snapshot
            .triggers
            .values()
            .filter(|t| matches!(&t.activation, Activation::Subscribe { topic: t } if t == topic))
            .filter(|t| seen.insert(t.function_id.clone()))
            .map(|t| {
                let limit = self.config.delivery_concurrency;
                let to = To {
                    key: format!("subscribe\0{topic}\0{}\0{limit}", t.function_id),
                    kind: "subscribe",
                    limit,
                };
                (to, binding_job(t, payload.clone(), None))
            })
            .collect()
    }
}

/// A job for binding `t` with its condition and metadata.
pub(super) fn binding_job(
    t: &TriggerEntry,
    payload: Box<RawValue>,
    done: Option<oneshot::Sender<()>>,
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
