//! Topics: durable queues (`durable:subscriber`, alias `queue`, published with
//! `iii::durable::publish` or `enqueue`), the `enqueue` invocation action, the dead-letter list,
//! and fire-and-forget pub/sub (`subscribe` / `publish`).
//!
//! Queue delivery is at-least-once: a failed delivery is retried with exponential backoff and,
//! after the last attempt, kept in a dead-letter list readable with
//! `engine::queue::dlq_messages`. Messages live in memory only.
//!
//! Limits: at most `queue_config.concurrency` deliveries (else
//! [`EngineConfig::delivery_concurrency`](crate::EngineConfig::delivery_concurrency), 64) are in
//! flight at once to one subscribed function of a topic, for queues and pub/sub alike; the
//! others wait their turn in memory. The dead-letter list keeps the latest 10 000 messages and
//! at most 64 MiB of them (as JSON); older ones are dropped.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use iii_protocol::triggers::PublishInput;
use iii_protocol::{ErrorBody, Uuid};
use serde::Deserialize;
use serde_json::{Value, json};
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use crate::builtins::{input, null, reply};
use crate::hub::{Hub, lock};
use crate::registry::{Activation, Outcome};
use crate::triggers::fire;

/// Dead letters kept at most; the oldest are dropped first.
const DLQ_CAPACITY: usize = 10_000;
/// Bytes of dead letters (as JSON) kept at most; the oldest are dropped first.
const DLQ_MAX_BYTES: usize = 64 * 1024 * 1024;

/// The dead-letter list, and the delivery limits of each subscription.
#[derive(Default)]
pub(crate) struct Queues {
    dlq: VecDeque<(Value, usize)>,
    dlq_bytes: usize,
    /// One semaphore per (kind, topic, function, limit): deliveries in flight at once.
    limits: HashMap<String, Arc<Semaphore>>,
}

impl Queues {
    fn limit(
        &mut self,
        kind: &str,
        topic: &str,
        function_id: &str,
        limit: usize,
    ) -> Arc<Semaphore> {
        let key = format!("{kind}\0{topic}\0{function_id}\0{limit}");
        self.limits
            .entry(key)
            .or_insert_with(|| Arc::new(Semaphore::new(limit.clamp(1, Semaphore::MAX_PERMITS))))
            .clone()
    }

    fn dead_letter(&mut self, entry: Value) {
        let bytes = entry.to_string().len();
        while !self.dlq.is_empty()
            && (self.dlq.len() >= DLQ_CAPACITY || self.dlq_bytes + bytes > DLQ_MAX_BYTES)
        {
            if let Some((_, gone)) = self.dlq.pop_front() {
                self.dlq_bytes -= gone;
            }
        }
        self.dlq_bytes += bytes;
        self.dlq.push_back((entry, bytes));
    }
}

/// Waits for a delivery slot, unless the engine stops first.
async fn slot(hub: &Hub, limit: &Arc<Semaphore>) -> Option<OwnedSemaphorePermit> {
    tokio::select! {
        permit = limit.clone().acquire_owned() => permit.ok(),
        () = hub.shutdown.wait() => None,
    }
}

/// One message on its way to one function.
struct Delivery {
    topic: String,
    function_id: String,
    data: Value,
    condition: Option<String>,
    attempts: u32,
    backoff: Duration,
    /// Deliveries to this subscriber in flight at once.
    limit: Arc<Semaphore>,
}

fn topic_not_set() -> ErrorBody {
    ErrorBody::new("topic_not_set", "topic is required")
}

/// `iii::durable::publish` / `enqueue`: fan `data` out to every function subscribed to `topic`.
pub(crate) fn publish_durable(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: PublishInput = input(data)?;
    if req.topic.is_empty() {
        return Err(topic_not_set());
    }
    let deliveries: Vec<Delivery> = {
        let reg = hub.registry();
        let mut seen = std::collections::HashSet::new();
        reg.triggers
            .values()
            .filter(|t| matches!(&t.activation, Activation::Queue { topic } if *topic == req.topic))
            .filter(|t| seen.insert(t.function_id.clone()))
            .map(|t| {
                let queue_config = t.config.get("queue_config");
                let (attempts, backoff) = tuning(hub, queue_config);
                let limit = queue_config
                    .and_then(|c| c.get("concurrency"))
                    .and_then(Value::as_u64)
                    .and_then(|n| usize::try_from(n).ok())
                    .filter(|n| *n > 0)
                    .unwrap_or(hub.config.delivery_concurrency);
                Delivery {
                    topic: req.topic.clone(),
                    function_id: t.function_id.clone(),
                    data: req.data.clone(),
                    condition: t.condition(),
                    attempts,
                    backoff,
                    limit: lock(&hub.queues).limit("queue", &req.topic, &t.function_id, limit),
                }
            })
            .collect()
    };
    if deliveries.is_empty() {
        tracing::debug!(
            "durable topic {:?} has no subscriber; message dropped",
            req.topic
        );
    }
    for delivery in deliveries {
        hub.tasks.spawn(deliver(hub.clone(), delivery));
    }
    null()
}

/// The `enqueue` invocation action: returns the receipt id at once and delivers later.
pub(crate) fn enqueue(hub: &Arc<Hub>, queue: String, function_id: String, data: Value) -> Uuid {
    let receipt = Uuid::new_v4();
    let (attempts, backoff) = tuning(hub, None);
    let limit = lock(&hub.queues).limit(
        "enqueue",
        &queue,
        &function_id,
        hub.config.delivery_concurrency,
    );
    hub.tasks.spawn(deliver(
        hub.clone(),
        Delivery {
            topic: queue,
            function_id,
            data,
            condition: None,
            attempts,
            backoff,
            limit,
        },
    ));
    receipt
}

/// Attempts and first backoff: engine defaults, overridden by a subscriber's `queue_config`
/// (`maxRetries` counts retries after the first attempt; `backoffDelayMs` the first delay).
fn tuning(hub: &Hub, queue_config: Option<&Value>) -> (u32, Duration) {
    let mut attempts = hub.config.queue_max_attempts.max(1);
    let mut backoff = hub.config.queue_backoff;
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

async fn deliver(hub: Arc<Hub>, d: Delivery) {
    let mut attempt = 1;
    loop {
        // The slot is held for one attempt, not during the backoff.
        let Some(slot) = slot(&hub, &d.limit).await else {
            return;
        };
        let outcome = tokio::select! {
            o = fire(&hub, &d.function_id, d.condition.clone(), &d.data, None) => o,
            () = hub.shutdown.wait() => return,
        };
        drop(slot);
        let Err(error) = outcome else { return };
        if attempt >= d.attempts {
            tracing::warn!(
                "queue {:?} -> {:?} failed {attempt} time(s), dead-lettered: {}",
                d.topic,
                d.function_id,
                error.to_string().escape_debug()
            );
            lock(&hub.queues).dead_letter(json!({
                "id": Uuid::new_v4(), "topic": d.topic, "function_id": d.function_id,
                "data": d.data, "error": error, "attempts": attempt,
                "failed_at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, false),
            }));
            return;
        }
        let delay = d.backoff.saturating_mul(1 << (attempt - 1).min(16));
        tracing::debug!(
            "queue {:?} -> {:?} attempt {attempt} failed ({}); retrying in {delay:?}",
            d.topic,
            d.function_id,
            error.to_string().escape_debug()
        );
        tokio::select! {
            () = tokio::time::sleep(delay) => {}
            () = hub.shutdown.wait() => return,
        }
        attempt += 1;
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DlqFilter {
    topic: Option<String>,
}

/// `engine::queue::dlq_messages`: `{topic?}` → `{"messages":[…]}`.
pub(crate) fn dlq_messages(hub: &Arc<Hub>, data: &str) -> Outcome {
    let filter: DlqFilter = if crate::builtins::is_null(data) {
        DlqFilter::default()
    } else {
        input(data)?
    };
    let queues = lock(&hub.queues);
    let messages: Vec<&Value> = queues
        .dlq
        .iter()
        .map(|(m, _)| m)
        .filter(|m| filter.topic.as_ref().is_none_or(|t| m["topic"] == *t))
        .collect();
    reply(&json!({ "messages": messages }))
}

/// `publish`: hand `data` once to every function subscribed to `topic`, without retries.
pub(crate) fn publish_pubsub(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: PublishInput = input(data)?;
    if req.topic.is_empty() {
        return Err(topic_not_set());
    }
    let targets: Vec<_> = {
        let reg = hub.registry();
        let mut seen = std::collections::HashSet::new();
        reg.triggers
            .values()
            .filter(
                |t| matches!(&t.activation, Activation::Subscribe { topic } if *topic == req.topic),
            )
            .filter(|t| seen.insert(t.function_id.clone()))
            .map(|t| (t.function_id.clone(), t.condition(), t.metadata.clone()))
            .collect()
    };
    for (function_id, condition, metadata) in targets {
        let hub2 = hub.clone();
        let data = req.data.clone();
        let limit = lock(&hub.queues).limit(
            "subscribe",
            &req.topic,
            &function_id,
            hub.config.delivery_concurrency,
        );
        hub.tasks.spawn(async move {
            let Some(_slot) = slot(&hub2, &limit).await else {
                return;
            };
            if let Err(e) = fire(&hub2, &function_id, condition, &data, metadata).await {
                tracing::debug!("subscriber {function_id:?} failed: {e:?}");
            }
        });
    }
    null()
}
