//! The HTTP trigger envelope: what a function receives when an HTTP route fires it, and the
//! `{status_code, headers, body}` shape it answers with.

use std::collections::HashMap;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::raw;

/// The request object the engine sends as `data` when an `http` trigger fires.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpRequest {
    /// Query string parameters, percent-decoded; one value per key.
    #[serde(default)]
    pub query_params: HashMap<String, String>,
    /// Values of the route's `:name` segments, as they appear in the request path.
    #[serde(default)]
    pub path_params: HashMap<String, String>,
    /// Request headers with lower-case names, one value per name.
    #[serde(default)]
    pub headers: HashMap<String, String>,
    /// The registered route template (`/users/:id`), not the requested URL.
    #[serde(default)]
    pub path: String,
    /// The request method, upper case.
    #[serde(default)]
    pub method: String,
    /// The body parsed as JSON when the request said it is JSON, else `null`.
    #[serde(default = "raw::null")]
    pub body: Box<RawValue>,
    /// What fired the function: `{"type":"http","path":…,"method":…}`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger: Option<HttpTriggerInfo>,
    /// Data channel carrying the raw request body.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub request_body: Option<ChannelRef>,
    /// Data channel for a streamed response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub response: Option<ChannelRef>,
}

/// The `trigger` member of an [`HttpRequest`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpTriggerInfo {
    /// Always `http`.
    #[serde(rename = "type")]
    pub kind: String,
    /// The route template.
    #[serde(default)]
    pub path: String,
    /// The method.
    #[serde(default)]
    pub method: String,
}

/// A reference to one end of an engine data channel.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChannelRef {
    /// Channel id.
    pub channel_id: String,
    /// Secret to present when connecting to `/ws/channels/{channel_id}`.
    pub access_key: String,
    /// `read` or `write`.
    pub direction: String,
}

/// The result an HTTP-fired function returns: the engine turns it into the HTTP response.
///
/// Generic over the body so that a worker can serialize its typed output in place.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct HttpResponse<B = Value> {
    /// The status code (default 200).
    pub status_code: u16,
    /// Response headers.
    #[serde(default, skip_serializing_if = "HashMap::is_empty")]
    pub headers: HashMap<String, String>,
    /// The body: JSON-encoded unless a `content-type` header is set and the body is a string.
    pub body: B,
}

/// The body of the `422` answer to a request that a route's condition function refused:
/// `{"error":{"code":"CONDITION_NOT_MET",…},"skipped":true}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpSkipped {
    /// The error.
    pub error: HttpError,
    /// Always `true`: the handler was not run.
    pub skipped: bool,
}

/// The input of a route's middleware function: the request without its body, before the
/// handler runs.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MiddlewareInput {
    /// Always `preHandler`.
    pub phase: String,
    /// The request.
    pub request: MiddlewareRequest,
    /// Reserved for middleware state; always `{}`.
    #[serde(default)]
    pub context: Value,
}

/// The `request` member of a [`MiddlewareInput`].
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct MiddlewareRequest {
    /// Values of the route's `:name` segments.
    #[serde(default)]
    pub path_params: HashMap<String, String>,
    /// Query string parameters, percent-decoded.
    #[serde(default)]
    pub query_params: HashMap<String, String>,
    /// Request headers with lower-case names.
    #[serde(default)]
    pub headers: HashMap<String, String>,
    /// The request method, upper case.
    #[serde(default)]
    pub method: String,
}

/// A text message on the `response` channel of a streamed HTTP response: it sets the head
/// before the first binary body chunk.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum StreamControl {
    /// `{"type":"set_status","status_code":201}`.
    SetStatus {
        /// The status; the engine ignores one outside `200..=599`.
        status_code: u16,
    },
    /// `{"type":"set_headers","headers":{…}}`: a map of names to values (or a list of
    /// `"Name: value"` strings).
    SetHeaders {
        /// The headers.
        #[serde(default)]
        headers: Value,
    },
}

/// The body of every error the engine's HTTP server generates:
/// `{"error":{"code":…,"message":…,"error_id"?:…}}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpErrorBody {
    /// The error.
    pub error: HttpError,
}

/// The `error` member of an [`HttpErrorBody`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HttpError {
    /// Stable code (`NOT_FOUND`, `invocation_failed`, `invalid_input`, …).
    pub code: String,
    /// Human-readable message.
    pub message: String,
    /// Correlation id, present on 5xx answers.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error_id: Option<String>,
}

impl HttpErrorBody {
    /// An error body with a code and a message.
    pub fn new(code: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            error: HttpError {
                code: code.into(),
                message: message.into(),
                error_id: None,
            },
        }
    }

    /// The `422` body of a request refused by a condition function.
    pub fn skipped(self) -> HttpSkipped {
        HttpSkipped {
            error: self.error,
            skipped: true,
        }
    }

    /// Adds an `error_id`.
    pub fn with_error_id(mut self, id: impl Into<String>) -> Self {
        self.error.error_id = Some(id.into());
        self
    }
}
