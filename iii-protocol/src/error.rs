//! The protocol's error body, its well-known codes, and frame decoding errors.

use serde::{Deserialize, Serialize};

/// The error half of an `invocationresult` or `triggerregistrationresult`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorBody {
    /// Stable, machine-readable code such as `invocation_failed` (see [`codes`]).
    pub code: String,
    /// Human-readable description.
    #[serde(default)]
    pub message: String,
    /// Optional stack trace or cause chain.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub stacktrace: Option<String>,
}

impl ErrorBody {
    /// An error body with a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            code: code.into(),
            message: message.into(),
            stacktrace: None,
        }
    }
}

impl std::fmt::Display for ErrorBody {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.code, self.message)
    }
}

/// Error codes that travel on the wire.
pub mod codes {
    /// No function with that id is registered.
    pub const FUNCTION_NOT_FOUND: &str = "function_not_found";
    /// The function exists but has no local handler (HTTP-external functions).
    pub const FUNCTION_NOT_INVOKABLE: &str = "function_not_invokable";
    /// The handler returned an error or panicked.
    pub const INVOCATION_FAILED: &str = "invocation_failed";
    /// The connection that held the invocation went away.
    pub const INVOCATION_STOPPED: &str = "invocation_stopped";
    /// The engine could not queue the frame to the target connection.
    pub const CHANNEL_SEND_FAILED: &str = "channel_send_failed";
    /// The `enqueue` action failed.
    pub const ENQUEUE_ERROR: &str = "enqueue_error";
    /// A trigger registration was refused.
    pub const TRIGGER_REGISTRATION_FAILED: &str = "trigger_registration_failed";
    /// A builtin's input did not match its schema.
    pub const DESERIALIZATION_ERROR: &str = "deserialization_error";
    /// The input did not deserialize into the handler's type (HTTP-visible code of this framework).
    pub const INVALID_INPUT: &str = "invalid_input";
    /// Another live connection already owns the function id.
    pub const FUNCTION_NAMESPACE_CONFLICT: &str = "FUNCTION_NAMESPACE_CONFLICT";
    /// Another live connection already holds the worker name.
    pub const WORKER_NAMESPACE_CONFLICT: &str = "WORKER_NAMESPACE_CONFLICT";
    /// No HTTP route matched, or an introspected function or worker does not exist.
    pub const NOT_FOUND: &str = "NOT_FOUND";
    /// A builtin's output could not be encoded as JSON.
    pub const SERIALIZATION_ERROR: &str = "serialization_error";
    /// A publish named no topic.
    pub const TOPIC_NOT_SET: &str = "topic_not_set";
    /// An introspection builtin got arguments it cannot use.
    pub const INVALID_ARGUMENTS: &str = "INVALID_ARGUMENTS";
    /// A message was dead-lettered without delivery: its subscriber's delivery queue was full.
    pub const DELIVERY_QUEUE_FULL: &str = "delivery_queue_full";
    /// The engine's HTTP server is at its concurrency limit (engine HTTP error body, `503`).
    pub const SERVICE_UNAVAILABLE: &str = "SERVICE_UNAVAILABLE";
    /// The request body is over the size limit (engine HTTP error body, `413`).
    pub const PAYLOAD_TOO_LARGE: &str = "PAYLOAD_TOO_LARGE";
    /// The request body could not be read (engine HTTP error body, `400`).
    pub const BAD_REQUEST: &str = "BAD_REQUEST";
    /// A route's condition function refused the request (engine HTTP error body, `422`).
    pub const CONDITION_NOT_MET: &str = "CONDITION_NOT_MET";
    /// A message would be larger than its receiver accepts, so it was not sent: an
    /// invocation's payload or result over the engine's message limit.
    pub const MESSAGE_TOO_LARGE: &str = "message_too_large";
    /// The caller may not do this: another worker's binding, a foreign `Host` (`403`).
    pub const FORBIDDEN: &str = "FORBIDDEN";
    /// The request body did not arrive in time (engine HTTP error body, `408`).
    pub const REQUEST_TIMEOUT: &str = "REQUEST_TIMEOUT";
    /// The path is served for other methods only (engine HTTP error body, `405`).
    pub const METHOD_NOT_ALLOWED: &str = "METHOD_NOT_ALLOWED";
}

/// Why a frame could not be decoded into a [`Message`](crate::Message).
#[derive(Debug, thiserror::Error)]
pub enum DecodeError {
    /// The frame is not JSON, or a known message misses a required field.
    #[error("malformed frame: {0}")]
    Json(#[from] serde_json::Error),
    /// The frame is a JSON object whose `type` this crate does not know.
    #[error("unknown message type `{0}`")]
    UnknownType(String),
}
