//! The update operations against the engine's semantics.

#![allow(clippy::unwrap_used)]
use serde_json::json;

use super::*;

fn ops(v: Value) -> Vec<UpdateOp> {
    serde_json::from_value(v).unwrap()
}

#[test]
fn paths_are_top_level_fields() {
    let mut v = json!({"count": 1, "tags": ["a"], "profile": {"name": "Ada"}, "user.name": "x"});
    let errors = apply(
        &mut v,
        &ops(json!([
            {"type": "increment", "path": "count", "by": 2},
            {"type": "decrement", "path": "missing", "by": 1},
            {"type": "append", "path": "tags", "value": "b"},
            {"type": "merge", "path": "profile", "value": {"age": 36}},
            {"type": "set", "path": "a.b", "value": true},
            {"type": "append", "path": "user.name", "value": "y"},
            {"type": "remove", "path": "count"},
        ])),
    );
    assert!(errors.is_empty(), "{errors:?}");
    assert_eq!(
        v,
        json!({"missing": -1, "tags": ["a", "b"], "profile": {"name": "Ada", "age": 36},
               "a.b": true, "user.name": "xy"})
    );
}

#[test]
fn a_missing_value_starts_empty_and_the_root_can_be_replaced() {
    let mut v = Value::Null;
    assert!(apply(&mut v, &ops(json!([{"type": "merge", "value": {"a": 1}}]))).is_empty());
    assert_eq!(v, json!({"a": 1}));
    let mut v = Value::Null;
    assert!(
        apply(
            &mut v,
            &ops(json!([{"type": "append", "path": "", "value": 1}]))
        )
        .is_empty()
    );
    assert_eq!(v, json!([1]));
    let mut v = json!({"a": 1});
    apply(
        &mut v,
        &ops(json!([{"type": "set", "path": "", "value": [1, 2]}])),
    );
    assert_eq!(v, json!([1, 2]));
}

#[test]
fn ops_that_do_not_fit_are_reported_and_skipped() {
    let mut v = json!({"s": "x", "n": 5});
    let errors = apply(
        &mut v,
        &ops(json!([
            {"type": "append", "path": "s", "value": 1},
            {"type": "merge", "value": [1]},
            {"type": "increment", "path": "n", "by": 1},
            {"type": "increment", "path": "n", "by": i64::MAX},
        ])),
    );
    let codes: Vec<(usize, &str)> = errors
        .iter()
        .map(|e| (e.op_index, e.code.as_str()))
        .collect();
    assert_eq!(
        codes,
        [
            (0, "append.not_string"),
            (1, "merge.not_object"),
            (3, "increment.overflow")
        ]
    );
    assert_eq!(v, json!({"s": "x", "n": 6}));
    let mut list = json!([1]);
    let errors = apply(
        &mut list,
        &ops(json!([{"type": "set", "path": "a", "value": 1}])),
    );
    assert_eq!(errors[0].code, "set.not_object");
}

#[test]
fn the_engine_refuses_fractional_or_missing_amounts() {
    let bad =
        serde_json::from_value::<UpdateOp>(json!({"type": "increment", "path": "n", "by": 1.5}));
    assert!(bad.is_err());
    let bad = serde_json::from_value::<UpdateOp>(json!({"type": "set", "value": 1}));
    assert!(bad.is_err());
}
