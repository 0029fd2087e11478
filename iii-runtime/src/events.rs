//! Typed payloads of the triggers that fire with an event: take one as a handler's input.
//!
//! - `#[iii::cron(…)]` fires with a [`CronTick`],
//! - `#[iii::stream(…)]` with a [`StreamEvent`],
//! - `#[iii::kv(…)]` with a [`KvEvent`].
//!
//! Queue (`#[iii::queue]`) and pub/sub (`#[iii::subscribe]`) deliveries are the published
//! data itself: take the message type directly.

use schemars::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::Value;

pub use iii_protocol::triggers::CronTick;

/// A change on a stream (`stream` trigger): `stream::set`, `stream::update` or
/// `stream::delete` on an item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "camelCase")]
pub struct StreamEvent {
    /// Always `stream`.
    #[serde(rename = "type", default)]
    pub kind: String,
    /// When it happened, milliseconds since the Unix epoch.
    #[serde(default)]
    pub timestamp: i64,
    /// The stream.
    pub stream_name: String,
    /// The group within the stream.
    #[serde(default)]
    pub group_id: String,
    /// The item.
    #[serde(default)]
    pub id: Option<String>,
    /// What happened to the item.
    pub event: StreamChange,
}

/// The `event` member of a [`StreamEvent`].
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct StreamChange {
    /// `create`, `update`, `delete`, or `event` for a `stream::send`.
    #[serde(rename = "type")]
    pub kind: StreamChangeKind,
    /// The item's data; for an `event`, `{"type", "data"}` as sent (engines spell that
    /// member `data` or `event`).
    #[serde(default, alias = "event")]
    pub data: Value,
}

/// What happened to a stream item.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
#[serde(rename_all = "lowercase")]
pub enum StreamChangeKind {
    /// The item was created.
    Create,
    /// The item was updated.
    Update,
    /// The item was deleted.
    Delete,
    /// A custom event sent with `stream::send` ([`Stream::send`](crate::Stream::send)).
    Event,
}

/// A change of a value in the engine's key/value store (trigger type `state`, fired by
/// `state::set`, `state::update` and `state::delete`, which is what [`Kv`](crate::Kv) calls).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
pub struct KvEvent {
    /// Always `state` (the engine's name of the trigger type).
    #[serde(rename = "type", default)]
    pub kind: String,
    /// Created, updated or deleted.
    pub event_type: KvEventKind,
    /// The scope of the value.
    pub scope: String,
    /// The key of the value.
    pub key: String,
    /// The value before (`null` when created).
    #[serde(default)]
    pub old_value: Value,
    /// The value after (`null` when deleted).
    #[serde(default)]
    pub new_value: Value,
}

/// What happened to a key/value entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, JsonSchema)]
pub enum KvEventKind {
    /// `state:created`: there was no previous value.
    #[serde(rename = "state:created")]
    Created,
    /// `state:updated`.
    #[serde(rename = "state:updated")]
    Updated,
    /// `state:deleted`: `new_value` is `null`.
    #[serde(rename = "state:deleted")]
    Deleted,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn payloads_as_the_engine_sends_them() {
        let stream: StreamEvent = serde_json::from_value(serde_json::json!({
            "type": "stream", "timestamp": 1755770000000_i64, "streamName": "presence",
            "groupId": "room-1", "id": "user-123",
            "event": {"type": "update", "data": {"online": true}}
        }))
        .expect("stream event");
        assert_eq!(stream.stream_name, "presence");
        assert_eq!(stream.group_id, "room-1");
        assert_eq!(stream.event.kind, StreamChangeKind::Update);
        assert_eq!(stream.event.data["online"], true);
        let sent: StreamEvent = serde_json::from_value(serde_json::json!({
            "type": "stream", "timestamp": 1, "streamName": "chat", "groupId": "room", "id": null,
            "event": {"type": "event", "event": {"type": "typing", "data": {"who": "ada"}}}
        }))
        .expect("a stream::send event");
        assert_eq!(sent.event.kind, StreamChangeKind::Event);
        assert_eq!(sent.event.data["type"], "typing");

        let state: KvEvent = serde_json::from_value(serde_json::json!({
            "type": "state", "event_type": "state:created", "scope": "users", "key": "42",
            "old_value": null, "new_value": {"name": "Ada"}
        }))
        .expect("state event");
        assert_eq!(state.event_type, KvEventKind::Created);
        assert_eq!(state.new_value["name"], "Ada");
        assert!(state.old_value.is_null());
    }
}
