//! The mapping of results to responses, and its sameness with the mapping through a value
//! tree that it replaced (kept here as the oracle).

use proptest::prelude::*;
use serde_json::{Map, json};

use super::*;
use crate::http::envelope::read_whole as body;

type Seen = (StatusCode, http::HeaderMap, String);

fn map(v: Value) -> Seen {
    let raw = iii_protocol::raw::to_raw(&v).unwrap_or_else(|_| iii_protocol::raw::null());
    body(from_result(Some(&raw)))
}

/// The mapping as it was: the whole result parsed into a tree.
fn oracle(result: &str) -> Seen {
    let value: Value = serde_json::from_str(result).unwrap_or(Value::Null);
    if value.is_null() {
        return body(envelope::respond(StatusCode::OK, Vec::new(), Bytes::new()));
    }
    let empty = Map::new();
    let envelope = value.as_object().unwrap_or(&empty);
    let status = status(envelope.get("status_code"));
    let mut headers = envelope_headers(envelope.get("headers"));
    let body_value = envelope.get("body").cloned().unwrap_or_else(|| json!({}));
    let has_type = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let bytes = if has_type {
        match &body_value {
            Value::String(s) => Bytes::from(s.clone()),
            Value::Null => Bytes::new(),
            other => Bytes::from(other.to_string()),
        }
    } else {
        headers.push(("content-type".into(), "application/json".into()));
        Bytes::from(body_value.to_string())
    };
    body(envelope::respond(status, headers, bytes))
}

fn new(result: &str) -> Seen {
    match serde_json::from_str::<Box<RawValue>>(result) {
        Ok(raw) => body(from_result(Some(&raw))),
        Err(e) => panic!("{result}: {e}"),
    }
}

#[test]
fn envelope_defaults() {
    let (status, headers, text) = map(json!({"sum": 8}));
    assert_eq!((status, text.as_str()), (StatusCode::OK, "{}"));
    assert_eq!(headers["content-type"], "application/json");
    let (status, _, text) = map(json!({"status_code": 201, "body": {"a": 1}}));
    assert_eq!((status, text.as_str()), (StatusCode::CREATED, r#"{"a":1}"#));
    let (status, _, text) = map(json!("hello"));
    assert_eq!((status, text.as_str()), (StatusCode::OK, "{}"));
    let (status, _, text) = map(json!({"status_code": "x", "body": [1]}));
    assert_eq!((status, text.as_str()), (StatusCode::OK, "[1]"));
    let (status, _, text) = body(from_result(None));
    assert_eq!((status, text.as_str()), (StatusCode::OK, ""));
    for odd in [100, 101, 199, 600, 999, 0] {
        let (status, _, _) = map(json!({"status_code": odd, "body": 1}));
        assert_eq!(status, StatusCode::OK, "{odd}");
    }
    for kept in [200, 204, 302, 418, 599] {
        let (status, _, _) = map(json!({"status_code": kept}));
        assert_eq!(status.as_u16(), kept);
    }
}

#[test]
fn content_type_and_header_forms() {
    let (_, headers, text) = map(json!({
        "headers": {"Content-Type": "text/plain", "X-N": 1}, "body": "hi"}));
    assert_eq!(text, "hi");
    assert_eq!(headers["content-type"], "text/plain");
    assert!(headers.get("x-n").is_none());
    let (_, headers, text) = map(json!({
        "headers": ["content-type: text/html", "bad", "x-a: b"], "body": null}));
    assert_eq!(text, "");
    assert_eq!(headers["x-a"], "b");
    let (_, _, text) = map(json!({"headers": {"content-type": "x/y"}, "body": {"k": 1}}));
    assert_eq!(text, r#"{"k":1}"#);
}

#[test]
fn spellings_the_tree_rewrote_are_rewritten_the_same_way() {
    for result in [
        r#"{"body":{"seq":1,"payload":"abc"}}"#,
        r#"{ "status_code" : 201 , "body" : [1, 2.50, -0, 1e2] }"#,
        r#"{"body":1,"body":{"last":true},"status_code":200,"status_code":404}"#,
        r#"{"b\u006fdy":{"escaped key":"\u0041\/"},"status\u005fcode":202}"#,
        r#"{"status_code":201.0,"body":null}"#,
        r#"{"headers":{"content-type":"text/plain"},"body":"caf\u00e9\n"}"#,
        r#"{"headers":{"content-type":"text/plain"},"body":{"z":1,"a":2}}"#,
        r#"{"headers":7,"body":"s","other":[{"deep":[1]}]}"#,
        r#"[{"status_code":201}]"#,
        "null",
        "  null  ",
        "17",
    ] {
        assert_eq!(new(result), oracle(result), "{result}");
    }
}

fn member() -> impl Strategy<Value = String> {
    let json = prop_oneof![
        Just("null".to_owned()),
        Just("201".to_owned()),
        Just("404.0".to_owned()),
        Just(r#""text""#.to_owned()),
        Just(r#"{"content-type":"text/plain"}"#.to_owned()),
        Just(r#"["x-a: b","content-type: a/b"]"#.to_owned()),
        Just(r#"{"b":1,"a":[1,2]}"#.to_owned()),
        Just(r#"{ "a" : 1 }"#.to_owned()),
        any::<String>().prop_map(|s| serde_json::to_string(&s).unwrap_or_default()),
        any::<i64>().prop_map(|n| n.to_string()),
    ];
    let name = prop_oneof![
        Just("status_code"),
        Just("headers"),
        Just("body"),
        Just("other"),
    ];
    (name, json).prop_map(|(name, json)| format!("\"{name}\":{json}"))
}

proptest! {
    #[test]
    fn the_same_response_as_through_the_tree(members in prop::collection::vec(member(), 0..6)) {
        let result = format!("{{{}}}", members.join(","));
        prop_assert_eq!(new(&result), oracle(&result), "{}", result);
    }
}
