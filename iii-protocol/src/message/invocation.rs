//! Invocation frames: `invokefunction` and its action, and `invocationresult`.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::error::ErrorBody;
use crate::raw;

/// What the engine should do with an `invokefunction` besides running it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum InvokeAction {
    /// Fire and forget: never answered.
    Void,
    /// Put the call on a named queue; the caller gets a `messageReceiptId` at once.
    Enqueue {
        /// The queue's name.
        queue: String,
    },
}

/// `invokefunction`: call a function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvokeFunction {
    /// Correlates the answer; absent means the caller wants none.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation_id: Option<Uuid>,
    /// The target function.
    pub function_id: String,
    /// The payload, kept as raw JSON so that it can be forwarded or deserialized into the
    /// handler's type without an intermediate tree. A missing `data` reads as `null`.
    #[serde(default = "raw::null")]
    pub data: Box<RawValue>,
    /// W3C trace context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// W3C baggage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baggage: Option<String>,
    /// Routing action (worker → engine only); absent means request/response.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub action: Option<InvokeAction>,
    /// Per-invocation sidecar, handed to the handler apart from `data`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Namespace in which `function_id` resolves (worker → engine only).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

impl InvokeFunction {
    /// A call with no id, action, trace context or metadata.
    pub fn new(function_id: impl Into<String>, data: Box<RawValue>) -> Self {
        Self {
            invocation_id: None,
            function_id: function_id.into(),
            data,
            traceparent: None,
            baggage: None,
            action: None,
            metadata: None,
            namespace: None,
        }
    }
}

/// `invocationresult`: the answer to an invocation.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct InvocationResult {
    /// The id of the `invokefunction` being answered.
    pub invocation_id: Uuid,
    /// Echo of the target function (required by the official Rust SDK's decoder).
    #[serde(default)]
    pub function_id: String,
    /// The success value; `null` and absent are equivalent.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub result: Option<Box<RawValue>>,
    /// Present on failure; takes precedence over `result`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
    /// Response trace context.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub traceparent: Option<String>,
    /// Response baggage.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub baggage: Option<String>,
}

impl InvocationResult {
    /// A successful result.
    pub fn ok(invocation_id: Uuid, function_id: impl Into<String>, result: Box<RawValue>) -> Self {
        Self {
            invocation_id,
            function_id: function_id.into(),
            result: Some(result),
            error: None,
            traceparent: None,
            baggage: None,
        }
    }

    /// Encodes the frame of a successful result whose `result` is `value`, serialized in
    /// place: the text [`Message::encode`](crate::Message::encode) gives for
    /// `InvocationResult::ok(invocation_id, function_id, raw)` where `raw` holds `value`'s
    /// JSON, without serializing `value` into a raw value first and copying it again.
    ///
    /// # Errors
    /// When `value`'s `Serialize` implementation fails (for example a map with non-string
    /// keys).
    pub fn encode_ok<T: Serialize + ?Sized>(
        invocation_id: Uuid,
        function_id: &str,
        value: &T,
    ) -> serde_json::Result<String> {
        /// The members of an `invocationresult` with a result, in the order of the enum's
        /// encoding: the tag first, then the fields as declared (the absent ones skipped).
        #[derive(Serialize)]
        struct Ok<'a, T: ?Sized> {
            #[serde(rename = "type")]
            tag: &'static str,
            invocation_id: Uuid,
            function_id: &'a str,
            result: &'a T,
        }
        serde_json::to_string(&Ok {
            tag: "invocationresult",
            invocation_id,
            function_id,
            result: value,
        })
    }

    /// A failed result.
    pub fn err(invocation_id: Uuid, function_id: impl Into<String>, error: ErrorBody) -> Self {
        Self {
            invocation_id,
            function_id: function_id.into(),
            result: None,
            error: Some(error),
            traceparent: None,
            baggage: None,
        }
    }
}
