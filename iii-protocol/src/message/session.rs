//! Session frames: the engine's `workerregistered` hello and the worker's `reattach`.

use serde::{Deserialize, Serialize};

/// `workerregistered`: the engine's first frame on a connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct WorkerRegistered {
    /// This connection's worker id.
    pub worker_id: String,
    /// Secret that lets a reconnect evict this connection (older engines omit it).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reattach_token: Option<String>,
}

/// `reattach`: first frame of a reconnect, naming the previous connection.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Reattach {
    /// The `worker_id` of the previous connection.
    pub previous_worker_id: String,
    /// The `reattach_token` the previous connection was given.
    pub reattach_token: String,
}
