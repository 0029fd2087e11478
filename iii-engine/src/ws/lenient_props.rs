//! Property tests of the lenient decoding: it never panics, and an `invokefunction` salvaged
//! for its non-UUID id is the call the strict decoder reads once the id is a UUID.

use proptest::prelude::*;
use serde_json::{Value, json};

use super::*;
use crate::arbitrary;
use crate::ws::incoming::Incoming;

/// An `invokefunction` or `invocationresult` with an `invocation_id` of any kind, and other
/// members that may or may not fit.
fn frame() -> impl Strategy<Value = Value> {
    let id = prop_oneof![
        4 => any::<String>().prop_map(Value::from),
        1 => Just(json!("0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59")),
        1 => arbitrary::json(),
    ];
    let ty = prop_oneof![
        Just("invokefunction"),
        Just("invocationresult"),
        Just("other")
    ];
    let function_id = prop_oneof![
        4 => "[a-z:]{1,10}".prop_map(Value::from),
        1 => arbitrary::json(),
    ];
    let extra = prop::collection::vec((arbitrary::name(), arbitrary::json()), 0..4);
    (
        ty,
        id,
        proptest::option::of(function_id),
        arbitrary::json(),
        extra,
    )
        .prop_map(|(ty, id, function_id, data, extra)| {
            let mut members = vec![
                ("type".to_owned(), json!(ty)),
                ("invocation_id".to_owned(), id),
                ("data".to_owned(), data),
            ];
            if let Some(function_id) = function_id {
                members.push(("function_id".to_owned(), function_id));
            }
            members.extend(extra);
            arbitrary::object(members)
        })
}

/// The call the strict decoder reads from `frame` with a UUID in place of its id.
fn strict(frame: &Value) -> Option<Value> {
    let mut frame = frame.clone();
    frame["invocation_id"] = json!(Uuid::nil());
    match Message::decode(&frame.to_string()) {
        Ok(Message::InvokeFunction(mut call)) => {
            call.invocation_id = None;
            serde_json::to_value(call).ok()
        }
        _ => None,
    }
}

proptest! {
    #[test]
    fn a_salvaged_call_is_the_strict_call_without_its_id(frame in frame(), style in arbitrary::style()) {
        let text = arbitrary::write(&frame, style);
        let Err(error) = Message::decode(&text) else {
            return Ok(());
        };
        // Read back from the text, as salvaging does: floats parse the same way.
        let frame: Value = serde_json::from_str(&text).unwrap_or_default();
        let id = frame["invocation_id"].as_str().filter(|id| Uuid::parse_str(id).is_err());
        match (salvage(&text, &error), id, frame["type"].as_str()) {
            (Salvaged::Invoke(call, got), Some(id), Some("invokefunction")) => {
                prop_assert_eq!(got.as_str(), id);
                prop_assert_eq!(serde_json::to_value(call).ok(), strict(&frame));
            }
            (Salvaged::Invoke(..), _, _) => prop_assert!(false, "salvaged {}", text),
            (Salvaged::Dropped(_), Some(_), Some("invokefunction")) => {
                prop_assert_eq!(strict(&frame), None, "dropped {}", text);
            }
            (Salvaged::Dropped(_), _, _) => {}
        }
    }

    #[test]
    fn any_text_is_parsed_or_dropped_without_panicking(text in any::<String>()) {
        let _ = Incoming::parse(Uuid::nil(), &text);
    }

    #[test]
    fn a_foreign_id_is_echoed_exactly(id in any::<String>(), value in arbitrary::json()) {
        let raw = iii_protocol::raw::to_raw(&value).unwrap_or_else(|_| iii_protocol::raw::null());
        let result = InvocationResult::ok(Uuid::nil(), "f", raw.clone());
        let text = ReplyId::Foreign(id.clone()).encode(result);
        let answer: Value = serde_json::from_str(&text).unwrap_or_default();
        prop_assert_eq!(answer["invocation_id"].as_str(), Some(id.as_str()));
        prop_assert_eq!(&answer["type"], "invocationresult");
        let sent: Value = serde_json::from_str(raw.get()).unwrap_or_default();
        let expected = if sent.is_null() { None } else { Some(&sent) };
        prop_assert_eq!(answer.get("result").filter(|r| !r.is_null()), expected);
    }
}
