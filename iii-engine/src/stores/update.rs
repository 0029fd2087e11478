//! The update operations of `state::update` and `stream::update` (`set`, `merge`,
//! `increment`, `decrement`, `append`, `remove` at a dot-separated path), applied to a JSON
//! value.

use serde::Deserialize;
use serde_json::{Value, json};

/// One `state::update` operation.
#[derive(Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub(crate) enum UpdateOp {
    Set {
        #[serde(default)]
        path: String,
        #[serde(default)]
        value: Value,
    },
    Merge {
        #[serde(default)]
        path: String,
        #[serde(default)]
        value: Value,
    },
    Increment {
        #[serde(default)]
        path: String,
        #[serde(default)]
        by: Value,
    },
    Decrement {
        #[serde(default)]
        path: String,
        #[serde(default)]
        by: Value,
    },
    Append {
        #[serde(default)]
        path: String,
        #[serde(default)]
        value: Value,
    },
    Remove {
        #[serde(default)]
        path: String,
    },
}

/// What a write did: the value before and after (`null` for none).
pub(crate) struct Written {
    pub(crate) old: Value,
    pub(crate) new: Value,
    /// Errors of update operations that did not fit.
    pub(crate) errors: Vec<String>,
}

/// The value at a dot-separated path, created as objects on the way.
fn slot<'a>(root: &'a mut Value, path: &str) -> Result<&'a mut Value, String> {
    let mut cur = root;
    for part in path.split('.').filter(|p| !p.is_empty()) {
        if cur.is_null() {
            *cur = json!({});
        }
        let Value::Object(map) = cur else {
            return Err(format!("path {path:?} goes through a non-object"));
        };
        cur = map.entry(part.to_owned()).or_insert(Value::Null);
    }
    Ok(cur)
}

/// Applies one operation; one that does not fit the value (a path through a non-object, a
/// merge of non-objects, arithmetic on a non-number) is an error.
pub(crate) fn apply(value: &mut Value, op: &UpdateOp) -> Result<(), String> {
    match op {
        UpdateOp::Set { path, value: v } => *slot(value, path)? = v.clone(),
        UpdateOp::Merge { path, value: v } => {
            let target = slot(value, path)?;
            match (target, v) {
                (Value::Object(into), Value::Object(from)) => {
                    into.extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
                }
                (target @ Value::Null, _) => *target = v.clone(),
                _ => return Err(format!("merge at {path:?} needs two objects")),
            }
        }
        UpdateOp::Increment { path, by } | UpdateOp::Decrement { path, by } => {
            let sign = if matches!(op, UpdateOp::Increment { .. }) {
                1.0
            } else {
                -1.0
            };
            let target = slot(value, path)?;
            let current = if target.is_null() {
                Some(0.0)
            } else {
                target.as_f64()
            };
            let (Some(current), Some(by)) = (current, by.as_f64()) else {
                return Err(format!("increment at {path:?} needs numbers"));
            };
            let sum = current + sign * by;
            *target = number(sum);
        }
        UpdateOp::Append { path, value: v } => {
            let target = slot(value, path)?;
            match target {
                Value::Array(items) => items.push(v.clone()),
                Value::Null => *target = json!([v]),
                Value::String(s) => match v.as_str() {
                    Some(more) => s.push_str(more),
                    None => return Err(format!("append at {path:?} needs a string")),
                },
                _ => return Err(format!("append at {path:?} needs an array")),
            }
        }
        UpdateOp::Remove { path } => {
            let (parent, last) = match path.rsplit_once('.') {
                Some((parent, last)) => (parent, last),
                None => ("", path.as_str()),
            };
            if let Value::Object(map) = slot(value, parent)? {
                map.remove(last);
            }
        }
    }
    Ok(())
}

/// A whole number when the value is one, so that counters stay integers.
#[allow(clippy::cast_possible_truncation)]
fn number(n: f64) -> Value {
    if n.fract() == 0.0 && n.abs() < 9.0e15 {
        json!(n as i64)
    } else {
        json!(n)
    }
}

/// Applies every operation in order, collecting the errors of those that did not fit.
pub(crate) fn apply_all(value: &mut Value, ops: &[UpdateOp]) -> Vec<String> {
    ops.iter().filter_map(|op| apply(value, op).err()).collect()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn ops(v: Value) -> Vec<UpdateOp> {
        serde_json::from_value(v).unwrap()
    }

    #[test]
    fn update_ops() {
        let mut v = json!({"count": 1, "tags": ["a"], "profile": {"name": "Ada"}});
        let all = ops(json!([
            {"type": "increment", "path": "count", "by": 2},
            {"type": "decrement", "path": "missing", "by": 1},
            {"type": "append", "path": "tags", "value": "b"},
            {"type": "merge", "path": "profile", "value": {"age": 36}},
            {"type": "set", "path": "a.b", "value": true},
            {"type": "remove", "path": "profile.name"},
        ]));
        for op in &all {
            apply(&mut v, op).unwrap();
        }
        assert_eq!(
            v,
            json!({"count": 3, "missing": -1, "tags": ["a", "b"], "profile": {"age": 36},
                   "a": {"b": true}})
        );
    }

    #[test]
    fn bad_ops_report_errors() {
        let mut v = json!({"n": "x"});
        let all = ops(json!([{"type": "increment", "path": "n", "by": 1}]));
        assert!(apply(&mut v, &all[0]).is_err());
    }
}
