//! The [`Message`] enum: every frame type of the worker WebSocket, in both directions.

use std::borrow::Cow;

use serde::{Deserialize, Serialize};

use crate::error::DecodeError;

mod invocation;
mod registration;
mod session;

pub use invocation::{InvocationResult, InvokeAction, InvokeFunction};
pub use registration::{
    RegisterFunction, RegisterService, RegisterTrigger, RegisterTriggerType, RegistrationRejected,
    TriggerRegistrationResult, UnregisterFunction, UnregisterTrigger, UnregisterTriggerType,
};
pub use session::{Reattach, WorkerRegistered};

/// One protocol frame. The JSON `type` tag is the variant name in lower case.
///
/// Decode with [`Message::decode`] and encode with [`Message::encode`]: decoding is done in two
/// steps (read the tag, then the body) because `serde_json`'s [`RawValue`](serde_json::value::RawValue), which lets payloads
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
        // serde reads a struct from a JSON array as well (`["ping"]`), but a frame is an object.
        if !text.trim_start().starts_with('{') {
            let error = <serde_json::Error as serde::de::Error>::custom("a frame is a JSON object");
            return Err(DecodeError::Json(error));
        }
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
            other => {
                // Only a well-formed frame has a type to report.
                serde_json::from_str::<serde::de::IgnoredAny>(text)?;
                return Err(DecodeError::UnknownType(other.to_owned()));
            }
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
mod props;
#[cfg(test)]
mod tests;
