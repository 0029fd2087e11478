//! `compact` is what printing the parsed value gives, whatever the spelling of the text: the
//! value tree is the oracle.

use proptest::prelude::*;

use super::*;

fn oracle(text: &str) -> Option<String> {
    serde_json::from_str::<Value>(text)
        .ok()
        .map(|v| v.to_string())
}

#[test]
fn canonical_texts_pass_as_they_are() {
    for text in [
        "null",
        "true",
        "0",
        "-12",
        "18446744073709551615",
        r#""a\"b\\c\n\t\r\b\f""#,
        "\"caf\u{e9} \u{7f} /\"",
        r#"{"a":1,"b":[{},[],{"c":null}]}"#,
        r#"{"payload":"abc","seq":1}"#,
        r#"{"sum":5}"#,
    ] {
        assert_eq!(oracle(text).as_deref(), Some(text), "oracle of {text}");
        assert!(is_canonical(text), "{text}");
        assert_eq!(compact(text).as_deref(), Some(text));
    }
}

#[test]
fn other_spellings_take_the_tree() {
    for text in [
        r#"{"seq":1,"payload":"abc"}"#,
        r#"{"a":1,"a":2}"#,
        r#"{ "a":1}"#,
        "[1, 2]",
        "-0",
        "1.0",
        "1e2",
        "1.5",
        "123456789012345678901234567890",
        r#""\/""#,
        r#""\u0041""#,
        r#""\u001f""#,
        r#"{"\u0061":1}"#,
    ] {
        assert!(!is_canonical(text), "{text}");
        assert_eq!(compact(text), oracle(text), "{text}");
    }
}

#[test]
fn deep_nesting_takes_the_tree_and_too_deep_is_refused() {
    let deep = format!("{}{}", "[".repeat(120), "]".repeat(120));
    assert!(!is_canonical(&deep));
    assert_eq!(compact(&deep), oracle(&deep));
    let too_deep = format!("{}{}", "[".repeat(200), "]".repeat(200));
    assert_eq!(compact(&too_deep), None);
}

/// A JSON text made of pieces spelled in any of the ways JSON allows.
fn text() -> impl Strategy<Value = String> {
    let string = (any::<String>(), any::<bool>()).prop_map(|(s, escape_all)| spell(&s, escape_all));
    let leaf = prop_oneof![
        Just("null".to_owned()),
        Just("true".to_owned()),
        Just("false".to_owned()),
        Just("-0".to_owned()),
        any::<i64>().prop_map(|n| n.to_string()),
        any::<u64>().prop_map(|n| n.to_string()),
        any::<f64>()
            .prop_filter("finite", |f| f.is_finite())
            .prop_map(|f| f.to_string()),
        (1u32..99, -5i32..5).prop_map(|(m, e)| format!("{m}e{e}")),
        string,
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        let key = prop_oneof![
            Just("a".to_owned()),
            Just("b".to_owned()),
            Just("ab".to_owned()),
            Just("\u{e9}".to_owned()),
            any::<String>(),
        ];
        prop_oneof![
            (prop::collection::vec(inner.clone(), 0..5), any::<bool>()).prop_map(|(items, ws)| {
                let sep = if ws { ", " } else { "," };
                format!("[{}]", items.join(sep))
            }),
            (
                prop::collection::vec((key, any::<bool>(), inner), 0..5),
                any::<bool>()
            )
                .prop_map(|(members, ws)| {
                    let sep = if ws { " , " } else { "," };
                    let members: Vec<String> = members
                        .iter()
                        .map(|(k, escape_all, v)| format!("{}:{v}", spell(k, *escape_all)))
                        .collect();
                    format!("{{{}}}", members.join(sep))
                }),
        ]
    })
}

/// A string literal: serde_json's own escaping, or every character as `\uXXXX`.
fn spell(s: &str, escape_all: bool) -> String {
    if !escape_all {
        return serde_json::to_string(s).unwrap_or_default();
    }
    let mut out = String::from("\"");
    for unit in s.encode_utf16() {
        out.push_str(&format!("\\u{unit:04x}"));
    }
    out.push('"');
    out
}

proptest! {
    #[test]
    fn compact_is_what_the_tree_prints(text in text()) {
        prop_assert_eq!(compact(&text), oracle(&text));
        if is_canonical(&text) {
            prop_assert_eq!(oracle(&text), Some(text.clone()));
        }
    }

    #[test]
    fn what_serde_json_prints_passes_as_it_is(value in value()) {
        let printed = value.to_string();
        // Floats are left out of the values; `\u00XX` is the one escape the check refuses.
        prop_assert!(printed.contains("\\u") || is_canonical(&printed), "{}", printed);
    }
}

/// Values without floats (whose spelling the check leaves to the tree).
fn value() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        any::<u64>().prop_map(Value::from),
        any::<String>().prop_map(Value::String),
    ];
    leaf.prop_recursive(4, 48, 6, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..5).prop_map(Value::Array),
            // Keys needing no escape: one that does takes the tree (its order would be that
            // of the decoded text).
            prop::collection::vec(("[^\"\\\\\\x00-\\x1f]*", inner), 0..5)
                .prop_map(|members| Value::Object(members.into_iter().collect())),
        ]
    })
}
