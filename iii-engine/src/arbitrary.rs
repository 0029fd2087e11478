//! Strategies for the engine's property tests: JSON values of every shape, and ways of writing
//! them that a peer may use (member order, whitespace, `\u` escapes).

use proptest::prelude::*;
use serde_json::{Map, Value};

/// Member names: the ones the engine reads or writes, and others.
pub(crate) fn name() -> impl Strategy<Value = String> {
    prop_oneof![
        3 => "[a-z_]{1,8}",
        1 => Just("_caller_worker_id".to_owned()),
        1 => Just("type".to_owned()),
        1 => Just("invocation_id".to_owned()),
        1 => any::<String>(),
    ]
}

/// Any JSON value, a few levels deep.
pub(crate) fn json() -> impl Strategy<Value = Value> {
    let leaf = prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::from),
        any::<i64>().prop_map(Value::from),
        (-1e9f64..1e9).prop_map(Value::from),
        "[a-z0-9 _-]{0,10}".prop_map(Value::from),
        any::<String>().prop_map(Value::from),
    ];
    leaf.prop_recursive(3, 24, 5, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::vec((name(), inner), 0..5).prop_map(object),
        ]
    })
}

/// An object of these members (a repeated name keeps its first value).
pub(crate) fn object(members: Vec<(String, Value)>) -> Value {
    let mut map = Map::new();
    for (name, value) in members {
        map.entry(name).or_insert(value);
    }
    Value::Object(map)
}

/// How a value is written.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Style {
    pub(crate) pretty: bool,
    /// `_` written `\u005f` wherever it appears in a string or a name.
    pub(crate) escape_underscores: bool,
}

/// Ways of writing.
pub(crate) fn style() -> impl Strategy<Value = Style> {
    (any::<bool>(), any::<bool>()).prop_map(|(pretty, escape_underscores)| Style {
        pretty,
        escape_underscores,
    })
}

/// `value` written in `style`; it reads back as `value`.
pub(crate) fn write(value: &Value, style: Style) -> String {
    let text = if style.pretty {
        serde_json::to_string_pretty(value).unwrap_or_default()
    } else {
        value.to_string()
    };
    // Outside strings a JSON text has no `_`, so this only touches strings and names.
    if style.escape_underscores {
        text.replace('_', "\\u005f")
    } else {
        text
    }
}
