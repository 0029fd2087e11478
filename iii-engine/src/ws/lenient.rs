//! Frames the strict decoder refuses but a peer in the wild may send: an `invocation_id` that
//! is a string but not a UUID (protocol §10.1 asks engines to accept any string).
//!
//! Such an `invokefunction` is served and answered under the caller's own id; such an
//! `invocationresult` cannot answer anything (the engine only ever sends UUIDs) and is dropped
//! with a warning that names the problem.

use iii_protocol::{InvocationResult, InvokeFunction, Message, Uuid};
use serde_json::Value;

/// The id an answer goes out under.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ReplyId {
    /// A UUID, as every official SDK sends.
    Uuid(Uuid),
    /// Any other string the caller chose.
    Foreign(String),
}

impl ReplyId {
    /// The UUID to reuse towards the target, when there is one.
    pub(crate) fn uuid(&self) -> Option<Uuid> {
        match self {
            Self::Uuid(id) => Some(*id),
            Self::Foreign(_) => None,
        }
    }

    /// Encodes an answer under this id. `result.invocation_id` is replaced.
    pub(crate) fn encode(&self, mut result: InvocationResult) -> String {
        match self {
            Self::Uuid(id) => {
                result.invocation_id = *id;
                Message::from(result).encode()
            }
            Self::Foreign(id) => {
                let mut value = serde_json::to_value(Message::from(result)).unwrap_or(Value::Null);
                value["invocation_id"] = Value::String(id.clone());
                value.to_string()
            }
        }
    }
}

/// What a frame the strict decoder refused turned out to be.
pub(crate) enum Salvaged {
    /// An `invokefunction` with a non-UUID string id, decoded without it.
    Invoke(InvokeFunction, String),
    /// Not salvageable; the text says why, for the log.
    Dropped(String),
}

/// Looks again at a frame that failed to decode because of `error`.
pub(crate) fn salvage(text: &str, error: &dyn std::fmt::Display) -> Salvaged {
    let Ok(mut value) = serde_json::from_str::<Value>(text) else {
        return Salvaged::Dropped(format!("json decode error, frame dropped: {error}"));
    };
    let ty = value.get("type").and_then(Value::as_str).unwrap_or("");
    let bad_id = value
        .get("invocation_id")
        .and_then(Value::as_str)
        .filter(|id| Uuid::parse_str(id).is_err())
        .map(str::to_owned);
    match (ty, bad_id) {
        ("invokefunction", Some(id)) => {
            if let Some(map) = value.as_object_mut() {
                map.remove("invocation_id");
            }
            match serde_json::from_value::<InvokeFunction>(value) {
                Ok(call) => Salvaged::Invoke(call, id),
                Err(e) => Salvaged::Dropped(format!(
                    "invokefunction with non-UUID invocation_id {id:?} is also malformed, \
                     frame dropped: {e}"
                )),
            }
        }
        ("invocationresult", Some(id)) => Salvaged::Dropped(format!(
            "invocationresult with non-UUID invocation_id {id:?} matches no invocation \
             (the engine only sends UUIDs), frame dropped"
        )),
        _ => Salvaged::Dropped(format!("json decode error, frame dropped: {error}")),
    }
}

#[cfg(test)]
#[path = "lenient_props.rs"]
mod props;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn non_uuid_invoke_ids_are_salvaged() {
        let frame = r#"{"type":"invokefunction","invocation_id":"call-1","function_id":"f"}"#;
        match salvage(frame, &"x") {
            Salvaged::Invoke(call, id) => {
                assert_eq!((call.function_id.as_str(), id.as_str()), ("f", "call-1"));
            }
            Salvaged::Dropped(why) => panic!("{why}"),
        }
        let result = r#"{"type":"invocationresult","invocation_id":"call-1","function_id":"f"}"#;
        let Salvaged::Dropped(why) = salvage(result, &"x") else {
            panic!("a result cannot be salvaged");
        };
        assert!(why.contains("non-UUID invocation_id \"call-1\""), "{why}");
        assert!(matches!(salvage("junk", &"x"), Salvaged::Dropped(_)));
    }

    #[test]
    fn foreign_ids_are_echoed() {
        let result = InvocationResult::ok(Uuid::nil(), "f", iii_protocol::raw::null());
        let text = ReplyId::Foreign("call-1".into()).encode(result);
        let v: Value = serde_json::from_str(&text).unwrap_or(Value::Null);
        assert_eq!(v["invocation_id"], "call-1");
        assert_eq!(v["type"], "invocationresult");
    }
}
