//! Property tests of [`Message::decode`]: it never panics, and on generated frames it gives the
//! answer that decoding through a `serde_json::Value` gives (the oracle), however the frame is
//! written: the tag first or last, escaped or not, members missing, extra or of the wrong type,
//! pretty or compact, whole or cut short.

use proptest::prelude::*;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::*;

/// Every tag this crate knows.
const TAGS: &[&str] = &[
    "registerfunction",
    "unregisterfunction",
    "registertrigger",
    "unregistertrigger",
    "triggerregistrationresult",
    "registertriggertype",
    "unregistertriggertype",
    "invokefunction",
    "invocationresult",
    "workerregistered",
    "reattach",
    "registrationrejected",
    "registerservice",
    "ping",
    "pong",
];

/// Member names the message types use, and one they do not.
const MEMBERS: &[&str] = &[
    "id",
    "function_id",
    "invocation_id",
    "data",
    "result",
    "error",
    "config",
    "trigger_type",
    "worker_id",
    "reattach_token",
    "previous_worker_id",
    "code",
    "message",
    "namespace",
    "owner_worker_id",
    "action",
    "metadata",
    "extra",
];

/// A member's value: of the type its message expects, or not.
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        "[a-z0-9:_-]{0,12}".prop_map(Value::from),
        Just(json!("0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59")),
        Just(json!({"type": "void"})),
        Just(json!({"code": "c", "message": "m"})),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(2, 12, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..3).prop_map(Value::Array),
            prop::collection::btree_map("[a-z_]{1,8}", inner, 0..3)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

/// A frame: its members in the order written, and how it is written.
#[derive(Debug, Clone)]
struct Frame {
    members: Vec<(String, Value)>,
    escape_tag: bool,
    pretty: bool,
    /// Written as an array of the members' values, which serde would read as a struct too.
    as_array: bool,
}

fn frame() -> impl Strategy<Value = Frame> {
    let tag = prop_oneof![
        8 => prop::sample::select(TAGS).prop_map(Value::from),
        1 => "[a-z]{1,10}".prop_map(Value::from),
        1 => value(),
    ];
    let members = prop::collection::vec((prop::sample::select(MEMBERS), value()), 0..6);
    (
        proptest::option::weighted(0.95, tag),
        members,
        any::<bool>(),
        any::<bool>(),
        any::<bool>(),
        proptest::bool::weighted(0.1),
    )
        .prop_map(|(tag, fields, tag_first, escape_tag, pretty, as_array)| {
            let mut members: Vec<(String, Value)> = Vec::new();
            for (name, value) in fields {
                if !members.iter().any(|(m, _)| m == name) {
                    members.push((name.to_owned(), value));
                }
            }
            if let Some(tag) = tag {
                let at = if tag_first { 0 } else { members.len() };
                members.insert(at, ("type".to_owned(), tag));
            }
            Frame {
                members,
                escape_tag,
                pretty,
                as_array,
            }
        })
}

impl Frame {
    fn text(&self) -> String {
        if self.as_array {
            let values: Vec<Value> = self.members.iter().map(|(_, v)| v.clone()).collect();
            return Value::Array(values).to_string();
        }
        let (colon, sep) = if self.pretty {
            (": ", ",\n  ")
        } else {
            (":", ",")
        };
        let members: Vec<String> = self
            .members
            .iter()
            .map(|(name, value)| {
                let value = match value {
                    Value::String(s) if self.escape_tag && name == "type" => escaped(s),
                    other => other.to_string(),
                };
                format!("{}{colon}{value}", Value::from(name.as_str()))
            })
            .collect();
        if self.pretty {
            format!("{{\n  {}\n}}", members.join(sep))
        } else {
            format!("{{{}}}", members.join(sep))
        }
    }
}

/// A JSON string with every character written as a `\u` escape.
fn escaped(s: &str) -> String {
    let units: String = s.encode_utf16().map(|u| format!("\\u{u:04x}")).collect();
    format!("\"{units}\"")
}

/// What decoding a frame comes to.
#[derive(Debug, PartialEq)]
enum Answer {
    /// The message, re-encoded as a JSON value.
    Message(Value),
    Malformed,
    Unknown(String),
}

fn encoded(message: Message) -> Answer {
    Answer::Message(serde_json::from_str(&message.encode()).unwrap_or(Value::Null))
}

fn answer(text: &str) -> Answer {
    match Message::decode(text) {
        Ok(message) => encoded(message),
        Err(DecodeError::Json(_)) => Answer::Malformed,
        Err(DecodeError::UnknownType(tag)) => Answer::Unknown(tag),
    }
}

/// The oracle: parse into a `Value`, read the tag there, decode the body from the value.
fn oracle(text: &str) -> Answer {
    fn body<T: DeserializeOwned + Into<Message>>(v: Value) -> Answer {
        serde_json::from_value::<T>(v).map_or(Answer::Malformed, |t| encoded(t.into()))
    }
    let Ok(v @ Value::Object(_)) = serde_json::from_str::<Value>(text) else {
        return Answer::Malformed;
    };
    let Some(tag) = v.get("type").and_then(Value::as_str).map(str::to_owned) else {
        return Answer::Malformed;
    };
    match tag.as_str() {
        "registerfunction" => body::<RegisterFunction>(v),
        "unregisterfunction" => body::<UnregisterFunction>(v),
        "registertrigger" => body::<RegisterTrigger>(v),
        "unregistertrigger" => body::<UnregisterTrigger>(v),
        "triggerregistrationresult" => body::<TriggerRegistrationResult>(v),
        "registertriggertype" => body::<RegisterTriggerType>(v),
        "unregistertriggertype" => body::<UnregisterTriggerType>(v),
        "invokefunction" => body::<InvokeFunction>(v),
        "invocationresult" => body::<InvocationResult>(v),
        "workerregistered" => body::<WorkerRegistered>(v),
        "reattach" => body::<Reattach>(v),
        "registrationrejected" => body::<RegistrationRejected>(v),
        "registerservice" => body::<RegisterService>(v),
        "ping" => encoded(Message::Ping),
        "pong" => encoded(Message::Pong),
        _ => Answer::Unknown(tag),
    }
}

proptest! {
    #[test]
    fn decode_agrees_with_the_value_oracle(frame in frame()) {
        let text = frame.text();
        prop_assert_eq!(answer(&text), oracle(&text), "{}", text);
    }

    #[test]
    fn frames_cut_short_decode_as_the_oracle_says(frame in frame(), cut in any::<prop::sample::Index>()) {
        let text = frame.text();
        let mut at = cut.index(text.len());
        while !text.is_char_boundary(at) {
            at -= 1;
        }
        let cut = &text[..at];
        prop_assert_eq!(answer(cut), oracle(cut), "{}", cut);
    }

    #[test]
    fn any_text_decodes_or_fails_without_panicking(text in any::<String>()) {
        let _ = Message::decode(&text);
    }
}

#[test]
fn a_frame_must_be_an_object() {
    // A JSON array holds the same values as an object but is no frame.
    for text in [r#"["ping"]"#, r#"["registerfunction"]"#, r#""ping""#] {
        assert_eq!(answer(text), Answer::Malformed, "{text}");
    }
}
