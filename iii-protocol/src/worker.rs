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
    /// Lists trigger bindings (instances).
    pub const REGISTERED_TRIGGERS_LIST: &str = "engine::registered-triggers::list";
    /// Lists trigger types.
    pub const TRIGGERS_LIST: &str = "engine::triggers::list";

    /// Writes a key/value entry: `{scope, key, value}` → `{old_value, new_value}`.
    pub const STATE_SET: &str = "state::set";
    /// Reads a key/value entry: `{scope, key}` → the value or `null`.
    pub const STATE_GET: &str = "state::get";
    /// Deletes a key/value entry: `{scope, key}` → the old value or `null`.
    pub const STATE_DELETE: &str = "state::delete";
    /// Applies update operations: `{scope, key, ops}` → `{old_value, new_value, errors?}`.
    pub const STATE_UPDATE: &str = "state::update";
    /// The values of a scope: `{scope}` → an array.
    pub const STATE_LIST: &str = "state::list";
    /// The scopes: `{}` → `{groups}`.
    pub const STATE_LIST_GROUPS: &str = "state::list_groups";

    /// Writes a stream item: `{stream_name, group_id, item_id, data}` → `{old_value, new_value}`.
    pub const STREAM_SET: &str = "stream::set";
    /// Reads a stream item: `{stream_name, group_id, item_id}` → the item or `null`.
    pub const STREAM_GET: &str = "stream::get";
    /// Deletes a stream item: `{stream_name, group_id, item_id}` → `{old_value}`.
    pub const STREAM_DELETE: &str = "stream::delete";
    /// Applies update operations to an item: `{…, item_id, ops}` → `{old_value, new_value}`.
    pub const STREAM_UPDATE: &str = "stream::update";
    /// The items of a group: `{stream_name, group_id}` → an array.
    pub const STREAM_LIST: &str = "stream::list";
    /// The groups of a stream: `{stream_name}` → the group names.
    pub const STREAM_LIST_GROUPS: &str = "stream::list_groups";
    /// Every stream: `{}` → `{stream: [{id, groups}], count}`.
    pub const STREAM_LIST_ALL: &str = "stream::list_all";
    /// Sends an event to a group's subscribers: `{stream_name, group_id, id?, type, data}`.
    pub const STREAM_SEND: &str = "stream::send";
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
