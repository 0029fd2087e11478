//! The [`Message`] enum: every frame type of the worker WebSocket, in both directions.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};
use serde_json::Value;
use serde_json::value::RawValue;
use uuid::Uuid;

use crate::error::{DecodeError, ErrorBody};
use crate::raw;

/// One protocol frame. The JSON `type` tag is the variant name in lower case.
///
/// Decode with [`Message::decode`] and encode with [`Message::encode`]: decoding is done in two
/// steps (read the tag, then the body) because `serde_json`'s [`RawValue`], which lets payloads
/// pass through without being parsed into a tree, cannot sit inside a serde-tagged enum.
#[derive(Debug, Clone, Serialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum Message {
    /// Worker → engine: make a function invokable.
    RegisterFunction(RegisterFunction),
    /// Worker → engine: remove a function this connection owns.
    UnregisterFunction(UnregisterFunction),
    /// Worker → engine (and engine → trigger-type provider): bind a trigger to a function.
    RegisterTrigger(RegisterTrigger),
    /// Both directions: remove a trigger binding by id.
    UnregisterTrigger(UnregisterTrigger),
    /// Engine → worker on a failed trigger registration; provider → engine as an answer.
    TriggerRegistrationResult(TriggerRegistrationResult),
    /// Worker → engine: provide a custom trigger type.
    RegisterTriggerType(RegisterTriggerType),
    /// Worker → engine: stop providing a trigger type (the real engine cannot decode it).
    UnregisterTriggerType(UnregisterTriggerType),
    /// Both directions: call a function.
    InvokeFunction(InvokeFunction),
    /// Both directions: the answer to an `invokefunction` that carried an id.
    InvocationResult(InvocationResult),
    /// Engine → worker, first frame of every connection.
    WorkerRegistered(WorkerRegistered),
    /// Worker → engine, first frame of a reconnect.
    Reattach(Reattach),
    /// Engine → worker: a registration was refused.
    RegistrationRejected(RegistrationRejected),
    /// Worker → engine, legacy service grouping.
    RegisterService(RegisterService),
    /// Application-level ping (answered with [`Message::Pong`]).
    Ping,
    /// Application-level pong.
    Pong,
}

/// The tag of a frame that starts with `{"type":"…"` (whitespace allowed), without escapes.
fn peek_tag(text: &str) -> Option<&str> {
    let rest = text.trim_start().strip_prefix('{')?.trim_start();
    let rest = rest
        .strip_prefix("\"type\"")?
        .trim_start()
        .strip_prefix(':')?;
    let rest = rest.trim_start().strip_prefix('"')?;
    let tag = &rest[..rest.find('"')?];
    (!tag.contains('\\')).then_some(tag)
}

#[derive(Deserialize)]
struct Tag<'a> {
    #[serde(rename = "type", borrow)]
    ty: Cow<'a, str>,
}

impl Message {
    /// Decodes one text frame.
    ///
    /// # Errors
    /// [`DecodeError::Json`] when the frame is not a JSON object with a string `type` or a
    /// required field is missing; [`DecodeError::UnknownType`] for a well-formed frame of a type
    /// this crate does not know (peers log and drop those).
    pub fn decode(text: &str) -> Result<Self, DecodeError> {
        // Peers write the tag first; reading it off the text spares a pass over the frame
        // (the body is still fully parsed and validated below).
        let tag = match peek_tag(text) {
            Some(tag) => Cow::Borrowed(tag),
            None => serde_json::from_str::<Tag<'_>>(text)?.ty,
        };
        Ok(match tag.as_ref() {
            "registerfunction" => Self::RegisterFunction(serde_json::from_str(text)?),
            "unregisterfunction" => Self::UnregisterFunction(serde_json::from_str(text)?),
            "registertrigger" => Self::RegisterTrigger(serde_json::from_str(text)?),
            "unregistertrigger" => Self::UnregisterTrigger(serde_json::from_str(text)?),
            "triggerregistrationresult" => {
                Self::TriggerRegistrationResult(serde_json::from_str(text)?)
            }
            "registertriggertype" => Self::RegisterTriggerType(serde_json::from_str(text)?),
            "unregistertriggertype" => Self::UnregisterTriggerType(serde_json::from_str(text)?),
            "invokefunction" => Self::InvokeFunction(serde_json::from_str(text)?),
            "invocationresult" => Self::InvocationResult(serde_json::from_str(text)?),
            "workerregistered" => Self::WorkerRegistered(serde_json::from_str(text)?),
            "reattach" => Self::Reattach(serde_json::from_str(text)?),
            "registrationrejected" => Self::RegistrationRejected(serde_json::from_str(text)?),
            "registerservice" => Self::RegisterService(serde_json::from_str(text)?),
            "ping" | "pong" => {
                // No body to read, but the frame must still be JSON.
                serde_json::from_str::<serde::de::IgnoredAny>(text)?;
                if tag == "ping" {
                    Self::Ping
                } else {
                    Self::Pong
                }
            }
            other => return Err(DecodeError::UnknownType(other.to_owned())),
        })
    }

    /// Encodes the message as one JSON text frame.
    pub fn encode(&self) -> String {
        // Every field is a string, a number, a `Value` or a `RawValue`, all of which serialize
        // infallibly into a `String`, so an error here would be a bug in this crate.
        serde_json::to_string(self).unwrap_or_else(|e| unreachable!("message encoding: {e}"))
    }

    /// The lower-case wire name of this message's type.
    pub fn type_name(&self) -> &'static str {
        match self {
            Self::RegisterFunction(_) => "registerfunction",
            Self::UnregisterFunction(_) => "unregisterfunction",
            Self::RegisterTrigger(_) => "registertrigger",
            Self::UnregisterTrigger(_) => "unregistertrigger",
            Self::TriggerRegistrationResult(_) => "triggerregistrationresult",
            Self::RegisterTriggerType(_) => "registertriggertype",
            Self::UnregisterTriggerType(_) => "unregistertriggertype",
            Self::InvokeFunction(_) => "invokefunction",
            Self::InvocationResult(_) => "invocationresult",
            Self::WorkerRegistered(_) => "workerregistered",
            Self::Reattach(_) => "reattach",
            Self::RegistrationRejected(_) => "registrationrejected",
            Self::RegisterService(_) => "registerservice",
            Self::Ping => "ping",
            Self::Pong => "pong",
        }
    }
}

/// `registerfunction`: make a function invokable through this connection.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegisterFunction {
    /// The function id, the routing key.
    pub id: String,
    /// Shown by introspection.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Input schema (JSON Schema); serialized as `null` when absent, as the engine does.
    #[serde(default)]
    pub request_format: Option<Value>,
    /// Output schema (JSON Schema); serialized as `null` when absent.
    #[serde(default)]
    pub response_format: Option<Value>,
    /// Free-form metadata; `{"internal": true}` hides the function from default listings.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Makes this an HTTP-external function that the engine calls itself.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub invocation: Option<Value>,
}

/// `unregisterfunction`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnregisterFunction {
    /// The function id.
    pub id: String,
}

/// `registertrigger`: bind a trigger (HTTP route, cron schedule, topic, …) to a function.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterTrigger {
    /// Trigger id chosen by the worker (a UUID v4 by convention); also the cron `job_id`.
    pub id: String,
    /// `http`, `cron`, `durable:subscriber`, `subscribe`, `state`, `stream` or a custom type.
    pub trigger_type: String,
    /// The function the trigger fires.
    pub function_id: String,
    /// Type-specific configuration; a missing `config` reads as `null`.
    #[serde(default)]
    pub config: Value,
    /// Delivered to the function as invocation metadata on every fire.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub metadata: Option<Value>,
    /// Namespace in which `function_id` resolves.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
    /// Namespace in which the trigger type's provider is looked up.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_namespace: Option<String>,
}

/// `unregistertrigger`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnregisterTrigger {
    /// The trigger id given at registration.
    pub id: String,
    /// The trigger type; optional for the engine, required by some SDK decoders.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_type: Option<String>,
}

/// `triggerregistrationresult`: sent by the engine only when a registration failed.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TriggerRegistrationResult {
    /// The trigger id.
    pub id: String,
    /// The trigger type.
    #[serde(default)]
    pub trigger_type: String,
    /// The function the trigger was for.
    #[serde(default)]
    pub function_id: String,
    /// Why it failed; absent means success.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub error: Option<ErrorBody>,
}

/// `registertriggertype`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterTriggerType {
    /// The trigger type id.
    pub id: String,
    /// Human-readable description.
    #[serde(default)]
    pub description: String,
    /// Schema of the trigger configuration.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub trigger_request_format: Option<Value>,
    /// Schema of the payload the trigger fires with.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub call_request_format: Option<Value>,
    /// Namespace of the type.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub namespace: Option<String>,
}

/// `unregistertriggertype`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnregisterTriggerType {
    /// The trigger type id.
    pub id: String,
}

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

/// `registrationrejected`.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegistrationRejected {
    /// `FUNCTION_NAMESPACE_CONFLICT` (only that function refused) or `WORKER_NAMESPACE_CONFLICT`
    /// (fatal: the connection is closed).
    pub code: String,
    /// The namespace of the conflict.
    #[serde(default)]
    pub namespace: String,
    /// The conflicting worker name, for worker conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub worker_name: Option<String>,
    /// The conflicting function id, for function conflicts.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub function_id: Option<String>,
    /// The connection that owns the name or id.
    #[serde(default)]
    pub owner_worker_id: String,
}

/// `registerservice` (legacy, accepted and ignored).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegisterService {
    /// Service id.
    pub id: String,
    /// Display name.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// Description.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub description: Option<String>,
    /// Parent service.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent_service_id: Option<String>,
}

macro_rules! from_variant {
    ($($ty:ident),*) => {$(
        impl From<$ty> for Message {
            fn from(m: $ty) -> Self {
                Self::$ty(m)
            }
        }
    )*};
}

from_variant!(
    RegisterFunction,
    UnregisterFunction,
    RegisterTrigger,
    UnregisterTrigger,
    TriggerRegistrationResult,
    RegisterTriggerType,
    UnregisterTriggerType,
    InvokeFunction,
    InvocationResult,
    WorkerRegistered,
    Reattach,
    RegistrationRejected,
    RegisterService
);

#[cfg(test)]
#[path = "message_tests.rs"]
mod tests;
