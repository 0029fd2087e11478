//! Topics: durable publish (`iii::durable::publish`, alias `enqueue`), pub/sub `publish`, and
//! the dead-letter listing. A durable publish is answered once the queue store has committed
//! it (`crate::stores::queues`); a pub/sub publish is an event for the firing owner, which fans
//! it out to the subscribed functions. See `crate::fire` for delivery, retries and limits.

use iii_protocol::triggers::PublishInput;
use iii_protocol::{ErrorBody, codes};
use serde::Deserialize;
use serde_json::json;

use super::context::Context;
use crate::codec::{Outcome, input, input_or_default, null, reply};
use crate::events::Event;

fn topic_not_set() -> ErrorBody {
    ErrorBody::new(codes::TOPIC_NOT_SET, "topic is required")
}

fn publish_input(data: &str) -> Result<PublishInput, ErrorBody> {
    let req: PublishInput = input(data)?;
    if req.topic.is_empty() {
        return Err(topic_not_set());
    }
    Ok(req)
}

/// `iii::durable::publish` / `enqueue`: `data` to every function subscribed to `topic`.
pub(super) async fn publish_durable(c: &Context, data: &str) -> Outcome {
    let req = publish_input(data)?;
    c.queues
        .publish(req.topic, req.data)
        .await
        .map_err(|e| e.body())?;
    null()
}

/// `publish`: `data` once to every function subscribed to `topic`, without retries.
pub(super) async fn publish(c: &Context, data: &str) -> Outcome {
    let req = publish_input(data)?;
    c.fires
        .send(Event::Publish {
            topic: req.topic,
            data: req.data,
        })
        .await;
    null()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct DlqFilter {
    topic: Option<String>,
}

/// `engine::queue::dlq_messages`: `{topic?}` → `{"messages":[…]}`.
pub(super) async fn dlq_messages(c: &Context, data: &str) -> Outcome {
    let filter: DlqFilter = input_or_default(data)?;
    let messages = c
        .queues
        .dead_letters(filter.topic)
        .await
        .map_err(|e| e.body())?;
    reply(&json!({ "messages": messages }))
}
