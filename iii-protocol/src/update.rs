//! The update operations of `state::update` and `stream::update` as they travel: a list of
//! objects tagged by `type`, applied in order to the stored value.
//!
//! A `path` names a **top-level field** of the stored object, literally: `"a.b"` is the field
//! named `a.b`, not `b` inside `a` (the engine's in-memory and Redis adapters agree on this).
//! An empty `path` means the whole value. `increment`/`decrement` take whole numbers: the
//! engine decodes `by` as a 64-bit integer and refuses anything else.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// One update operation.
///
/// ```
/// use iii_protocol::update::UpdateOp;
///
/// let op = UpdateOp::Increment { path: "count".into(), by: 2 };
/// assert_eq!(
///     serde_json::to_value(&op)?,
///     serde_json::json!({"type": "increment", "path": "count", "by": 2})
/// );
/// # Ok::<(), serde_json::Error>(())
/// ```
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "lowercase")]
pub enum UpdateOp {
    /// `{"type":"set","path","value"}`: sets a field (the whole value when `path` is empty).
    Set {
        /// The field; empty for the whole value.
        path: String,
        /// The new value.
        #[serde(default)]
        value: Value,
    },
    /// `{"type":"merge","path","value"}`: merges an object's members into the value (or into
    /// the object at a field).
    Merge {
        /// The field whose object is merged into; empty (or absent) for the whole value.
        #[serde(default)]
        path: String,
        /// An object.
        value: Value,
    },
    /// `{"type":"increment","path","by"}`: adds to a whole-number field (a missing or
    /// non-number field becomes `by`).
    Increment {
        /// The field.
        path: String,
        /// How much.
        by: i64,
    },
    /// `{"type":"decrement","path","by"}`: subtracts from a whole-number field (a missing or
    /// non-number field becomes `-by`).
    Decrement {
        /// The field.
        path: String,
        /// How much.
        by: i64,
    },
    /// `{"type":"append","path","value"}`: appends to an array field, or concatenates a string
    /// to a string field; a missing field becomes `[value]` (or the string).
    Append {
        /// The field; empty (or absent) for the whole value.
        #[serde(default)]
        path: String,
        /// What to append.
        value: Value,
    },
    /// `{"type":"remove","path"}`: removes a field.
    Remove {
        /// The field.
        path: String,
    },
}

/// An operation the engine could not apply (its `errors` list): the others still were.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UpdateOpError {
    /// Index of the operation in the list sent.
    #[serde(default)]
    pub op_index: usize,
    /// A stable code (`increment.not_object`, …).
    #[serde(default)]
    pub code: String,
    /// What went wrong.
    #[serde(default)]
    pub message: String,
}

/// Applies `ops` in order to `value` as the engine does: an absent (`null`) value starts as
/// `{}`; an operation that does not fit the value is skipped and reported, the others still
/// apply. Shared by the development engine and by workers that provide a stream themselves.
///
/// ```
/// use iii_protocol::update::{UpdateOp, apply};
/// use serde_json::json;
///
/// let mut v = serde_json::Value::Null;
/// let errors = apply(&mut v, &[
///     UpdateOp::Increment { path: "n".into(), by: 2 },
///     UpdateOp::Append { path: "seen".into(), value: json!(7) },
///     UpdateOp::Append { path: "log".into(), value: json!("a") },
/// ]);
/// assert!(errors.is_empty());
/// // Appending a string to nothing makes a string, anything else a one-element array.
/// assert_eq!(v, json!({"n": 2, "seen": [7], "log": "a"}));
/// ```
pub fn apply(value: &mut Value, ops: &[UpdateOp]) -> Vec<UpdateOpError> {
    let mut fresh = value.is_null();
    if fresh {
        *value = Value::Object(Map::new());
    }
    let mut errors = Vec::new();
    for (op_index, op) in ops.iter().enumerate() {
        match apply_one(value, op, fresh) {
            Ok(()) => fresh = false,
            Err((code, message)) => errors.push(UpdateOpError {
                op_index,
                code: code.to_owned(),
                message,
            }),
        }
    }
    errors
}

type OpResult = Result<(), (&'static str, String)>;

fn apply_one(value: &mut Value, op: &UpdateOp, fresh: bool) -> OpResult {
    match op {
        UpdateOp::Set { path, value: v } if path.is_empty() => {
            // The engine reads a `null` value as "none given" and leaves the value as it is.
            if !v.is_null() {
                *value = v.clone();
            }
            Ok(())
        }
        UpdateOp::Set { path, value: v } => {
            object(value, "set", path)?.insert(path.clone(), v.clone());
            Ok(())
        }
        UpdateOp::Merge { path, value: v } => {
            let Value::Object(from) = v else {
                return Err(("merge.not_object", "merge needs an object value".to_owned()));
            };
            let into = if path.is_empty() {
                object(value, "merge", path)?
            } else {
                let slot = object(value, "merge", path)?
                    .entry(path.clone())
                    .or_insert_with(|| Value::Object(Map::new()));
                if slot.is_null() {
                    *slot = Value::Object(Map::new());
                }
                match slot {
                    Value::Object(map) => map,
                    _ => {
                        return Err((
                            "merge.not_object",
                            format!("field `{path}` is not an object"),
                        ));
                    }
                }
            };
            into.extend(from.iter().map(|(k, v)| (k.clone(), v.clone())));
            Ok(())
        }
        UpdateOp::Increment { path, by } => add(value, path, *by, "increment"),
        UpdateOp::Decrement { path, by } => match by.checked_neg() {
            Some(by) => add(value, path, by, "decrement"),
            None => Err(("decrement.overflow", format!("cannot decrement by {by}"))),
        },
        UpdateOp::Append { path, value: v } if path.is_empty() => {
            if fresh {
                *value = Value::Null;
            }
            append(value, v, "the value")
        }
        UpdateOp::Append { path, value: v } => {
            let map = object(value, "append", path)?;
            match map.get_mut(path) {
                Some(target) => append(target, v, path),
                None => {
                    map.insert(path.clone(), first_append(v));
                    Ok(())
                }
            }
        }
        UpdateOp::Remove { path } => {
            object(value, "remove", path)?.remove(path);
            Ok(())
        }
    }
}

fn object<'a>(
    value: &'a mut Value,
    op: &'static str,
    path: &str,
) -> Result<&'a mut Map<String, Value>, (&'static str, String)> {
    match value {
        Value::Object(map) => Ok(map),
        _ => Err((
            match op {
                "set" => "set.not_object",
                "merge" => "merge.not_object",
                "increment" => "increment.not_object",
                "decrement" => "decrement.not_object",
                "append" => "append.not_object",
                _ => "remove.not_object",
            },
            format!("{op} of field `{path}` needs the value to be an object"),
        )),
    }
}

/// Adds `by` to a whole-number field; a missing or non-integer field becomes `by`, as the
/// engine's adapters do.
fn add(value: &mut Value, path: &str, by: i64, op: &'static str) -> OpResult {
    let map = object(value, op, path)?;
    let current = map.get(path).and_then(Value::as_i64);
    let next = match current {
        Some(n) => n.checked_add(by).ok_or((
            "increment.overflow",
            format!("field `{path}` would overflow"),
        ))?,
        None => by,
    };
    map.insert(path.to_owned(), Value::from(next));
    Ok(())
}

fn append(target: &mut Value, v: &Value, what: &str) -> OpResult {
    match target {
        Value::Array(items) => items.push(v.clone()),
        Value::String(s) => match v.as_str() {
            Some(more) => s.push_str(more),
            None => {
                return Err((
                    "append.not_string",
                    format!("{what} is a string; only a string can be appended to it"),
                ));
            }
        },
        Value::Null => *target = first_append(v),
        _ => {
            return Err((
                "append.incompatible",
                format!("{what} is neither an array, a string nor missing"),
            ));
        }
    }
    Ok(())
}

/// What appending to nothing makes: the string itself, or a one-element array.
fn first_append(v: &Value) -> Value {
    if v.is_string() {
        v.clone()
    } else {
        Value::Array(vec![v.clone()])
    }
}

#[cfg(test)]
#[path = "update_tests.rs"]
mod tests;
