//! Trigger type names, their configurations, and the payloads they fire with.

use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Trigger type names.
pub mod types {
    /// HTTP routes on the engine's HTTP server.
    pub const HTTP: &str = "http";
    /// Cron schedules (seconds-first, 6 or 7 fields).
    pub const CRON: &str = "cron";
    /// Durable queue topic consumer.
    pub const DURABLE_SUBSCRIBER: &str = "durable:subscriber";
    /// Legacy name of [`DURABLE_SUBSCRIBER`].
    pub const QUEUE: &str = "queue";
    /// Pub/sub topic subscriber.
    pub const SUBSCRIBE: &str = "subscribe";
    /// State change events.
    pub const STATE: &str = "state";
    /// Stream change events.
    pub const STREAM: &str = "stream";

    /// The types the engine implements itself (protocol.md §6.1: the default build's
    /// in-process providers, and the queue's). A binding of any other type is a worker's
    /// business: the engine forwards it, configuration and metadata included, to the worker
    /// providing the type (§2.3).
    pub const ENGINE_PROVIDED: &[&str] = &[
        HTTP,
        CRON,
        DURABLE_SUBSCRIBER,
        QUEUE,
        SUBSCRIBE,
        STATE,
        STREAM,
        "stream:join",
        "stream:leave",
        "engine::workers-available",
        "engine::functions-available",
        "log",
        "trace",
        "configuration",
    ];
}

/// Configuration of an `http` trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpTriggerConfig {
    /// The route, leading slash optional; `:name` segments are parameters.
    pub api_path: String,
    /// The method (default `GET`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub http_method: Option<String>,
    /// A function that decides whether the request goes ahead.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_function_id: Option<String>,
    /// Functions run in order before the handler.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub middleware_function_ids: Option<Vec<String>>,
}

/// Configuration of a `cron` trigger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CronTriggerConfig {
    /// `sec min hour day-of-month month day-of-week [year]`, or `@daily` and friends.
    pub expression: String,
    /// A function that decides whether a tick fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_function_id: Option<String>,
}

/// Configuration of a queue (`durable:subscriber`) or pub/sub (`subscribe`) trigger.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TopicTriggerConfig {
    /// The topic to consume.
    pub topic: String,
    /// A function that decides whether a message fires.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub condition_function_id: Option<String>,
    /// Queue tuning (`maxRetries`, `backoffDelayMs`, …, camelCase), queues only.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub queue_config: Option<Value>,
}

/// The payload a `cron` trigger fires with.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CronTick {
    /// Always `cron`.
    pub trigger: String,
    /// The trigger id.
    pub job_id: String,
    /// When the tick was due (RFC 3339).
    pub scheduled_time: String,
    /// When it actually fired (RFC 3339 with nanoseconds).
    pub actual_time: String,
}

/// The payload of `iii::durable::publish` and `publish`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublishInput {
    /// The topic.
    pub topic: String,
    /// The message.
    #[serde(default)]
    pub data: Value,
}

/// The answer to an `enqueue` action.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct EnqueueReceipt {
    /// Receipt id of the queued message.
    #[serde(rename = "messageReceiptId")]
    pub message_receipt_id: String,
}
