//! Topics: durable queues (`durable:subscriber`, alias `queue`, published with
//! `iii::durable::publish` or `enqueue`), the `enqueue` invocation action, the dead-letter list,
//! and fire-and-forget pub/sub (`subscribe` / `publish`).
//!
//! Queue delivery is at-least-once: a failed delivery is retried with exponential backoff and,
//! after the last attempt, kept in a dead-letter list readable with
//! `engine::queue::dlq_messages`. Messages live in memory only.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use chrono::{SecondsFormat, Utc};
use iii_protocol::triggers::PublishInput;
use iii_protocol::{ErrorBody, Uuid};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::builtins::{input, null, reply};
use crate::hub::{Hub, lock};
use crate::registry::{Activation, Outcome};
use crate::triggers::fire;

/// Dead letters kept at most; the oldest are dropped first.
const DLQ_CAPACITY: usize = 10_000;

/// The dead-letter list.
#[derive(Default)]
pub(crate) struct Queues {
    dlq: VecDeque<Value>,
}

/// One message on its way to one function.
struct Delivery {
    topic: String,
    function_id: String,
    data: Value,
    condition: Option<String>,
    attempts: u32,
    backoff: Duration,
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
                let (attempts, backoff) = tuning(hub, t.config.get("queue_config"));
                Delivery {
                    topic: req.topic.clone(),
                    function_id: t.function_id.clone(),
                    data: req.data.clone(),
                    condition: t.condition(),
                    attempts,
                    backoff,
                }
            })
            .collect()
    };
    if deliveries.is_empty() {
        tracing::debug!(
            "durable topic {} has no subscriber; message dropped",
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
    hub.tasks.spawn(deliver(
        hub.clone(),
        Delivery {
            topic: queue,
            function_id,
            data,
            condition: None,
            attempts,
            backoff,
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
        let outcome = tokio::select! {
            o = fire(&hub, &d.function_id, d.condition.clone(), &d.data, None) => o,
            () = hub.shutdown.wait() => return,
        };
        let Err(error) = outcome else { return };
        if attempt >= d.attempts {
            tracing::warn!(
                "queue {} -> {} failed {attempt} time(s), dead-lettered: {error}",
                d.topic,
                d.function_id
            );
            let mut queues = lock(&hub.queues);
            if queues.dlq.len() >= DLQ_CAPACITY {
                queues.dlq.pop_front();
            }
            queues.dlq.push_back(json!({
                "id": Uuid::new_v4(), "topic": d.topic, "function_id": d.function_id,
                "data": d.data, "error": error, "attempts": attempt,
                "failed_at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, false),
            }));
            return;
        }
        let delay = d.backoff.saturating_mul(1 << (attempt - 1).min(16));
        tracing::debug!(
            "queue {} -> {} attempt {attempt} failed ({error}); retrying in {delay:?}",
            d.topic,
            d.function_id
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
        hub.tasks.spawn(async move {
            if let Err(e) = fire(&hub2, &function_id, condition, &data, metadata).await {
                tracing::debug!("subscriber {function_id} failed: {e}");
            }
        });
    }
    null()
}
