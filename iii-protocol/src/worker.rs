//! The worker announce (`engine::workers::register`) and the ids of engine builtins.

use serde::{Deserialize, Serialize};

/// Ids of the functions the engine provides itself.
pub mod builtins {
    /// Announces a worker's metadata; every SDK sends it as a void call on every connection.
    pub const WORKERS_REGISTER: &str = "engine::workers::register";
    /// Lists connected workers.
    pub const WORKERS_LIST: &str = "engine::workers::list";
    /// Lists registered functions.
    pub const FUNCTIONS_LIST: &str = "engine::functions::list";
    /// Details of one function.
    pub const FUNCTIONS_INFO: &str = "engine::functions::info";
    /// Publishes to a durable queue topic.
    pub const DURABLE_PUBLISH: &str = "iii::durable::publish";
    /// Legacy name of [`DURABLE_PUBLISH`].
    pub const ENQUEUE: &str = "enqueue";
    /// Publishes to a pub/sub topic.
    pub const PUBLISH: &str = "publish";
    /// Queue provider behind the `enqueue` invocation action.
    pub const QUEUE_ENQUEUE: &str = "engine::queue::enqueue";
}

/// The payload of the `engine::workers::register` announce.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerMetadata {
    /// `rust`, `python`, `node`.
    #[serde(default)]
    pub runtime: String,
    /// SDK version.
    #[serde(default)]
    pub version: String,
    /// Worker name (default `hostname:pid`).
    #[serde(default)]
    pub name: String,
    /// Operating system description.
    #[serde(default)]
    pub os: String,
    /// Process id.
    #[serde(default)]
    pub pid: u32,
    /// Isolation label (env `III_ISOLATION`).
    #[serde(default)]
    pub isolation: Option<String>,
    /// Namespace (env `III_NAMESPACE`).
    #[serde(default)]
    pub namespace: Option<String>,
    /// One-line description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Telemetry block.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub telemetry: Option<WorkerTelemetry>,
}

/// The `telemetry` member of [`WorkerMetadata`].
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WorkerTelemetry {
    /// Locale.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Project name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub project_name: Option<String>,
    /// Framework name (`iii-rs` for this project).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub framework: Option<String>,
}
