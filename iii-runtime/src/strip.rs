//! Removing one top-level member — the `_caller_worker_id` the engine injects into object
//! payloads of worker-to-worker calls — from a JSON object's text, so that the handler's input
//! deserializes with plain `serde_json` (strict `deny_unknown_fields` types, maps with any key
//! type, enums, `RawValue`s all as usual) and no `serde_json::Value` tree is built.
//!
//! The text comes from a `RawValue`, so it is known to be valid JSON; the scanner only has to
//! find where top-level members start and end.

/// Removes the top-level member `key` from the JSON object `text`.
///
/// Returns the text without the member and the member's value when it is a string, or `None`
/// when `text` is not an object or has no such member (at the top level).
pub(crate) fn remove_member(text: &str, key: &str) -> Option<(String, Option<String>)> {
    let bytes = text.as_bytes();
    let mut i = skip_ws(bytes, 0);
    if bytes.get(i) != Some(&b'{') {
        return None;
    }
    i += 1;
    // (start of the member's key, end of its value) of every member, to cut out the one.
    let mut previous_end: Option<usize> = None;
    loop {
        i = skip_ws(bytes, i);
        match bytes.get(i)? {
            b'}' => return None,
            b',' => {
                i = skip_ws(bytes, i + 1);
            }
            _ => {}
        }
        let key_start = i;
        let key_end = skip_string(bytes, key_start)?;
        let raw_key = &text[key_start + 1..key_end - 1];
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let value_start = skip_ws(bytes, i + 1);
        let value_end = skip_value(bytes, value_start)?;
        if raw_key == key {
            let value = &text[value_start..value_end];
            let captured = serde_json::from_str::<String>(value).ok();
            // Cut the member with the comma that joins it to a neighbour.
            let after = skip_ws(bytes, value_end);
            let (cut_start, cut_end) = match (previous_end, bytes.get(after)) {
                (_, Some(b',')) => (key_start, after + 1),
                (Some(prev), _) => (prev, value_end),
                (None, _) => (key_start, value_end),
            };
            let mut out = String::with_capacity(text.len() - (cut_end - cut_start));
            out.push_str(&text[..cut_start]);
            out.push_str(&text[cut_end..]);
            return Some((out, captured));
        }
        previous_end = Some(value_end);
        i = value_end;
    }
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// `i` at an opening quote; returns the index after the closing quote.
fn skip_string(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        match bytes.get(j)? {
            b'\\' => j += 2,
            b'"' => return Some(j + 1),
            _ => j += 1,
        }
    }
}

/// `i` at the start of a value; returns the index after it.
fn skip_value(bytes: &[u8], i: usize) -> Option<usize> {
    match bytes.get(i)? {
        b'"' => skip_string(bytes, i),
        b'{' | b'[' => {
            let mut depth = 0usize;
            let mut j = i;
            loop {
                match bytes.get(j)? {
                    b'"' => {
                        j = skip_string(bytes, j)?;
                        continue;
                    }
                    b'{' | b'[' => depth += 1,
                    b'}' | b']' => {
                        depth -= 1;
                        if depth == 0 {
                            return Some(j + 1);
                        }
                    }
                    _ => {}
                }
                j += 1;
            }
        }
        _ => {
            // A number, `true`, `false` or `null`: up to the next delimiter.
            let mut j = i;
            while let Some(b) = bytes.get(j) {
                if matches!(b, b',' | b'}' | b']' | b' ' | b'\t' | b'\n' | b'\r') {
                    break;
                }
                j += 1;
            }
            Some(j)
        }
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::*;

    const KEY: &str = "_caller_worker_id";

    fn strip(text: &str) -> (String, Option<String>) {
        remove_member(text, KEY).unwrap_or_else(|| panic!("no member in {text}"))
    }

    #[test]
    fn removes_the_member_wherever_it_stands() {
        for text in [
            r#"{"_caller_worker_id":"w1","a":1}"#,
            r#"{"a":1,"_caller_worker_id":"w1"}"#,
            r#"{"a":1,"_caller_worker_id":"w1","b":[1,{"c":"}"}]}"#,
            r#"{ "a" : 1 , "_caller_worker_id" : "w1" }"#,
            "{\n  \"_caller_worker_id\": \"w1\",\n  \"a\": 1\n}",
            r#"{"_caller_worker_id":"w1"}"#,
        ] {
            let (out, caller) = strip(text);
            assert_eq!(caller.as_deref(), Some("w1"), "{text}");
            let v: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
            assert!(v.get(KEY).is_none(), "{out}");
            let mut expected: Value = serde_json::from_str(text).expect("json");
            expected.as_object_mut().expect("object").remove(KEY);
            assert_eq!(v, expected, "{text}");
        }
    }

    #[test]
    fn nested_members_strings_and_escapes_are_left_alone() {
        assert!(remove_member(r#"{"a":{"_caller_worker_id":"x"}}"#, KEY).is_none());
        assert!(remove_member(r#"{"a":"\"_caller_worker_id\":\"x\""}"#, KEY).is_none());
        assert!(remove_member(r#"[{"_caller_worker_id":"x"}]"#, KEY).is_none());
        assert!(remove_member(r#""_caller_worker_id""#, KEY).is_none());
        let (out, caller) = strip(r#"{"k\"ey":"v\\","_caller_worker_id":"w"}"#);
        assert_eq!(caller.as_deref(), Some("w"));
        assert_eq!(
            serde_json::from_str::<Value>(&out).expect("json"),
            json!({"k\"ey": "v\\"})
        );
        // A non-string value is removed too, but yields no caller id.
        let (out, caller) = strip(r#"{"_caller_worker_id":7,"a":1}"#);
        assert_eq!((out.as_str(), caller), (r#"{"a":1}"#, None));
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        a: i64,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    enum Shape {
        Circle { r: u32 },
    }

    #[test]
    fn every_input_type_deserializes_from_the_result() {
        let (out, _) = strip(r#"{"a":1,"_caller_worker_id":"w"}"#);
        assert_eq!(
            serde_json::from_str::<Strict>(&out).expect("strict"),
            Strict { a: 1 }
        );
        let (out, _) = strip(r#"{"1":"one","_caller_worker_id":"w","2":"two"}"#);
        let map: HashMap<u32, String> = serde_json::from_str(&out).expect("u32 keys");
        assert_eq!(map[&2], "two");
        let (out, _) = strip(r#"{"_caller_worker_id":"w","Circle":{"r":2}}"#);
        assert_eq!(
            serde_json::from_str::<Shape>(&out).expect("enum"),
            Shape::Circle { r: 2 }
        );
        let (out, _) = strip(r#"{"_caller_worker_id":"w","x":[1,2]}"#);
        let raw: Box<serde_json::value::RawValue> = serde_json::from_str(&out).expect("raw");
        assert!(!raw.get().contains(KEY));
    }
}
