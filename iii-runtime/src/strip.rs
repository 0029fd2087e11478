//! Removing one top-level member — the `_caller_worker_id` the engine injects into object
//! payloads of worker-to-worker calls — from a JSON object's text, so that the handler's input
//! deserializes with plain `serde_json` (strict `deny_unknown_fields` types, maps with any key
//! type, enums, `RawValue`s all as usual) and no `serde_json::Value` tree is built.
//!
//! The text comes from a `RawValue`, so it is known to be valid JSON; the scanner only has to
//! find where top-level members start and end ([`members`], which the HTTP envelope's quick
//! pass walks too). On any other text it answers `None` or some
//! text, and never panics (the property tests at the end check both against `serde_json`).

use std::ops::Range;

/// Removes the top-level member `key` from the JSON object `text`: every occurrence, as a
/// key may be written twice (or spelled with escapes) by whoever built the payload.
///
/// Returns the object without the member (the other members' texts as they were) and the value of its last occurrence when it is a string (the one `serde_json`
/// would keep), or `None` when `text` is not an object or has no such member at the top level.
pub(crate) fn remove_member(text: &str, key: &str) -> Option<(String, Option<String>)> {
    if let Some((member, value)) = member_at_an_end(text, key) {
        let mut out = text.to_owned();
        out.replace_range(member.clone(), &" ".repeat(member.len()));
        return Some((out, Some(value)));
    }
    let mut kept: Vec<&str> = Vec::new();
    let mut found = false;
    let mut captured = None;
    for member in members(text)? {
        let member = member.ok()?;
        // A key with escapes is compared as serde reads it.
        let same = if member.key.contains('\\') {
            serde_json::from_str::<String>(text.get(member.quoted_key())?).is_ok_and(|k| k == key)
        } else {
            member.key == key
        };
        if same {
            found = true;
            captured = serde_json::from_str::<String>(text.get(member.value.clone())?).ok();
        } else {
            kept.push(text.get(member.start..member.value.end)?);
        }
    }
    if !found {
        return None;
    }
    let mut out = String::with_capacity(text.len());
    out.push('{');
    out.push_str(&kept.join(","));
    out.push('}');
    Some((out, captured))
}

/// One top-level member of a JSON object's text, as [`members`] finds it.
pub(crate) struct Member<'a> {
    /// The key as written between its quotes (escapes not decoded).
    pub(crate) key: &'a str,
    /// Where the member starts: its key's opening quote.
    pub(crate) start: usize,
    /// Where its value lies.
    pub(crate) value: Range<usize>,
}

impl Member<'_> {
    /// Where the key lies with its quotes.
    fn quoted_key(&self) -> Range<usize> {
        self.start..self.start + self.key.len() + 2
    }
}

/// Not an object's text after all; where [`members`] stopped.
pub(crate) struct Malformed;

/// The top-level members of the JSON object `text`, in order, found by their delimiters
/// (nothing is validated: `text` is valid JSON). `None` when `text` does not start as an
/// object; an item is `Err` where the text stops making sense, and the walk ends there.
pub(crate) fn members(text: &str) -> Option<Members<'_>> {
    let bytes = text.as_bytes();
    let i = skip_ws(bytes, 0);
    (bytes.get(i) == Some(&b'{')).then_some(Members {
        text,
        i: i + 1,
        done: false,
    })
}

/// The iterator of [`members`].
pub(crate) struct Members<'a> {
    text: &'a str,
    i: usize,
    done: bool,
}

impl<'a> Members<'a> {
    fn step(&mut self) -> Option<Option<Member<'a>>> {
        let bytes = self.text.as_bytes();
        let mut i = skip_ws(bytes, self.i);
        match bytes.get(i)? {
            b'}' => return Some(None),
            b',' => i = skip_ws(bytes, i + 1),
            _ => {}
        }
        let start = i;
        let key_end = skip_string(bytes, start)?;
        let key = self.text.get(start + 1..key_end - 1)?;
        i = skip_ws(bytes, key_end);
        if bytes.get(i) != Some(&b':') {
            return None;
        }
        let value_start = skip_ws(bytes, i + 1);
        let value_end = skip_value(bytes, value_start)?;
        self.i = value_end;
        Some(Some(Member {
            key,
            start,
            value: value_start..value_end,
        }))
    }
}

impl<'a> Iterator for Members<'a> {
    type Item = Result<Member<'a>, Malformed>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.done {
            return None;
        }
        match self.step() {
            Some(Some(member)) => Some(Ok(member)),
            Some(None) => {
                self.done = true;
                None
            }
            None => {
                self.done = true;
                Some(Err(Malformed))
            }
        }
    }
}

/// Where the member `key` stands in the JSON object `text` when the engine put it first
/// (ours) or last, as `"key":"value"` with no escape in the value, and the other members
/// cannot hold it again: the bytes to blank out to remove it (the member and the comma joining
/// it to the others; spaces in their place leave the object without it) and its value.
///
/// No walk through the members (which costs as much as parsing the payload): at either end,
/// `{`, the key's quotes, the colon and an escape-free value's quotes pin the member down in
/// valid JSON. That the others do not repeat it is one search for the key as written and one
/// for a `\u` escape, the only escape that can spell one of its characters. `key` must be
/// plain (no quote, no backslash).
fn member_at_an_end(text: &str, key: &str) -> Option<(Range<usize>, String)> {
    let inner = text.trim().strip_prefix('{')?.strip_suffix('}')?;
    let (member, value, others) = leading(inner, key).or_else(|| trailing(inner, key))?;
    if value.contains('\\') || others.contains(key) || unicode_escape(others) {
        return None;
    }
    let start = offset(text, member);
    Some((start..start + member.len(), value.to_owned()))
}

/// `member_at_an_end` for a first member: `inner` is the object's text between its braces.
/// The member's text (with its comma), its value, and the other members' text.
fn leading<'a>(inner: &'a str, key: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let from = inner.trim_start();
    let rest = from.strip_prefix('"')?.strip_prefix(key)?;
    let rest = rest.strip_prefix('"')?.trim_start().strip_prefix(':')?;
    let (value, rest) = rest.trim_start().strip_prefix('"')?.split_once('"')?;
    let rest = rest.trim_start();
    let others = match rest.strip_prefix(',') {
        Some(others) => others,
        None if rest.is_empty() => rest,
        None => return None,
    };
    let member = from.get(..offset(from, others))?;
    Some((member, value, others))
}

/// `member_at_an_end` for a last member, as [`leading`] for a first one.
fn trailing<'a>(inner: &'a str, key: &str) -> Option<(&'a str, &'a str, &'a str)> {
    let before = inner.trim_end().strip_suffix('"')?;
    let (before, value) = before.rsplit_once('"')?;
    let before = before
        .trim_end()
        .strip_suffix(':')?
        .trim_end()
        .strip_suffix('"')?;
    let others = before.strip_suffix(key)?.strip_suffix('"')?.trim_end();
    let others = others.strip_suffix(',')?;
    let member = inner.get(others.len()..)?;
    Some((member, value, others))
}

/// Whether the JSON text `text` has a `\uXXXX` escape. In valid JSON a backslash only ever
/// starts an escape of two characters (or six, for `\u`), so each one found says which.
fn unicode_escape(text: &str) -> bool {
    let mut rest = text;
    while let Some(at) = rest.find('\\') {
        match rest.as_bytes().get(at + 1) {
            Some(b'u') => return true,
            // The escaped character is ASCII: the rest starts on a character boundary.
            Some(_) => rest = rest.get(at + 2..).unwrap_or_default(),
            None => return false,
        }
    }
    false
}

/// Where `part`, a slice of `text`, starts in it.
fn offset(text: &str, part: &str) -> usize {
    part.as_ptr() as usize - text.as_ptr() as usize
}

fn skip_ws(bytes: &[u8], mut i: usize) -> usize {
    while matches!(bytes.get(i), Some(b' ' | b'\t' | b'\n' | b'\r')) {
        i += 1;
    }
    i
}

/// `i` at an opening quote; returns the index after the closing quote. The quotes and
/// backslashes are found a word at a time (`memchr`): a long string costs little.
fn skip_string(bytes: &[u8], i: usize) -> Option<usize> {
    if bytes.get(i) != Some(&b'"') {
        return None;
    }
    let mut j = i + 1;
    loop {
        let at = j + memchr::memchr2(b'"', b'\\', bytes.get(j..)?)?;
        if bytes.get(at) == Some(&b'"') {
            return Some(at + 1);
        }
        j = at + 2;
    }
}

/// `i` at the start of a value; returns the index after it. For valid JSON (what it is
/// given), where the value ends; on any other text some index or `None`, never a panic.
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
    fn a_member_at_either_end_is_cut_as_serde_reads_the_object() {
        for text in [
            r#"{"_caller_worker_id":"w1","a":1,"_caller_worker_id":"w2"}"#,
            r#"{"_caller_worker_id":"w1","a":{"_caller_worker_id":"x"}}"#,
            r#"{"_caller_worker_id":"w1","_caller\u005fworker_id":"w3"}"#,
            r#"{"_caller_worker_id":"w\"1","a":1}"#,
            r#"{"a":"_caller_worker_id","_caller_worker_id":"w1"}"#,
            r#"{"a":1,"b":"x\\","_caller_worker_id":"w1"}"#,
            r#"{"a":{"_caller_worker_id":"x"},"_caller_worker_id":"w1"}"#,
            r#"{ "_caller_worker_id" : "w1" , "a" : [1] }"#,
            r#"{"a":[1],  "_caller_worker_id" : "w1"  }"#,
            r#"{"_caller_worker_id":"w1","a":"line\nbreak \"quoted\" \\"}"#,
            r#"{"a":"\\u005f","_caller_worker_id":"w1"}"#,
            r#"{"a":"\\","_caller\u005fworker_id":"w0","_caller_worker_id":"w1"}"#,
        ] {
            let (out, caller) = strip(text);
            let mut expected: serde_json::Map<String, Value> =
                serde_json::from_str(text).expect("json");
            let want = expected.remove(KEY);
            let got: Value = serde_json::from_str(&out).unwrap_or_else(|e| panic!("{out}: {e}"));
            assert_eq!(got, Value::Object(expected), "{text}");
            assert_eq!(
                caller.as_deref(),
                want.as_ref().and_then(Value::as_str),
                "{text}"
            );
        }
    }

    #[test]
    fn only_a_u_escape_is_taken_for_one() {
        assert!(!unicode_escape(r#"{"a":"plain"}"#));
        assert!(!unicode_escape(r#"{"a":"line\nbreak \"q\" \\u0041"}"#));
        assert!(unicode_escape(r#"{"a\u0041":1}"#));
        assert!(unicode_escape(r#"{"a":"\\\u0041"}"#));
        // Ordinary escapes in the payload leave the member to be cut at an end.
        let text = r#"{"_caller_worker_id":"w1","a":"line\nbreak \"q\""}"#;
        let (member, caller) = member_at_an_end(text, KEY).expect("at the start");
        assert_eq!(
            (&text[member], caller.as_str()),
            (r#""_caller_worker_id":"w1","#, "w1")
        );
        let text = r#"{"a":"\\","_caller_worker_id":"w1"}"#;
        let (member, _) = member_at_an_end(text, KEY).expect("at the end");
        assert_eq!(&text[member], r#","_caller_worker_id":"w1""#);
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

#[cfg(test)]
mod properties {
    //! `remove_member` against `serde_json` as the oracle, on generated JSON: objects with the
    //! member anywhere (also twice, or with its key spelled with escapes), any values, any
    //! whitespace; and no panic on any text at all.

    use proptest::prelude::*;
    use serde_json::{Map, Value};

    use super::remove_member;

    const KEY: &str = "_caller_worker_id";

    fn scalar() -> impl Strategy<Value = Value> {
        prop_oneof![
            Just(Value::Null),
            any::<bool>().prop_map(Value::Bool),
            any::<i64>().prop_map(Value::from),
            any::<f64>()
                .prop_filter("finite", |f| f.is_finite())
                .prop_map(Value::from),
            ".*".prop_map(Value::String),
            // Strings that look like JSON structure or like the member itself.
            prop::sample::select(vec![
                r#"}"#,
                r#"{"#,
                r#"","_caller_worker_id":"x"#,
                "\\",
                "\"",
                "\u{2028}",
                "é",
            ])
            .prop_map(|s| Value::String(s.to_owned())),
        ]
    }

    fn value() -> impl Strategy<Value = Value> {
        scalar().prop_recursive(4, 32, 6, |inner| {
            prop_oneof![
                prop::collection::vec(inner.clone(), 0..6).prop_map(Value::Array),
                prop::collection::vec((key(), inner), 0..6)
                    .prop_map(|members| Value::Object(members.into_iter().collect::<Map<_, _>>())),
            ]
        })
    }

    fn key() -> impl Strategy<Value = String> {
        prop_oneof![
            3 => ".{0,8}",
            1 => Just(KEY.to_owned()),
            1 => Just("_caller_worker_idx".to_owned()),
        ]
    }

    /// How a top-level key is written: as is, or with its first character escaped.
    fn spelled(key: &str, escaped: bool) -> String {
        match key.chars().next() {
            Some(first) if escaped => {
                let rest = &key[first.len_utf8()..];
                let rest = serde_json::to_string(rest).unwrap_or_default();
                format!("\"\\u{:04x}{}", u32::from(first) & 0xFFFF, &rest[1..])
            }
            _ => serde_json::to_string(key).unwrap_or_default(),
        }
    }

    fn whitespace() -> impl Strategy<Value = String> {
        "[ \t\r\n]{0,3}"
    }

    /// A top-level object as text: members in the given order (duplicates allowed), each key
    /// plain or escaped, values compact or pretty, whitespace anywhere.
    fn object_text() -> impl Strategy<Value = String> {
        let member = (
            key(),
            value(),
            any::<bool>(),
            any::<bool>(),
            whitespace(),
            whitespace(),
        );
        (prop::collection::vec(member, 0..8), whitespace()).prop_map(|(members, end)| {
            let parts: Vec<String> = members
                .iter()
                .map(|(k, v, escaped, pretty, a, b)| {
                    // Escaping only characters of the Basic Multilingual Plane keeps it valid.
                    let escaped = *escaped && k.chars().next().is_some_and(|c| (c as u32) < 0xD800);
                    let v = if *pretty {
                        serde_json::to_string_pretty(v)
                    } else {
                        serde_json::to_string(v)
                    }
                    .unwrap_or_default();
                    format!("{a}{}{b}:{a}{v}{b}", spelled(k, escaped))
                })
                .collect();
            format!("{end}{{{}{end}}}{end}", parts.join(","))
        })
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]

        #[test]
        fn removes_the_member_as_serde_json_reads_it(text in object_text()) {
            let oracle: Value = serde_json::from_str(&text).expect("generated JSON is valid");
            let mut expected = oracle.as_object().cloned().expect("an object");
            let removed = expected.remove(KEY);
            match remove_member(&text, KEY) {
                None => prop_assert!(removed.is_none(), "missed the member in {}", text),
                Some((out, caller)) => {
                    prop_assert!(removed.is_some(), "removed a member not there: {}", text);
                    let got: Value = serde_json::from_str(&out)
                        .map_err(|e| TestCaseError::fail(format!("{out}: {e}")))?;
                    prop_assert_eq!(got, Value::Object(expected));
                    let want = removed.and_then(|v| v.as_str().map(str::to_owned));
                    prop_assert_eq!(caller, want);
                }
            }
        }

        #[test]
        fn never_panics_on_any_text(text in ".{0,64}") {
            let _ = remove_member(&text, KEY);
            let _ = remove_member(&format!("{{{text}"), KEY);
            let _ = remove_member(&format!("{{\"{KEY}\":{text}"), KEY);
        }
    }
}
