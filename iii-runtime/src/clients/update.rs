//! [`Update`]: the engine's update operations as a typed builder, shared by
//! [`Kv::update`](crate::Kv::update) and [`Stream::update`](crate::Stream::update); and what
//! a write answers: [`Written`], [`Updated`].

use iii_protocol::update::{UpdateOp, UpdateOpError};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::error::{Error, Result};

/// Update operations the engine applies to one stored value, in order, in one step
/// (`state::update`, `stream::update`).
///
/// A field is a **top-level field** of the stored object, named literally (`"a.b"` is the
/// field called `a.b`), as the engine reads `path`. A value that does not serialize is
/// reported by the call that sends the update.
///
/// ```
/// use iii::Update;
///
/// let update = Update::new()
///     .increment("quantity", 2)
///     .append("history", serde_json::json!({"added": 2}))
///     .set("status", "open");
/// assert_eq!(update.ops().len(), 3);
/// ```
#[derive(Debug, Default)]
pub struct Update {
    ops: Vec<UpdateOp>,
    /// The first value that did not serialize.
    error: Option<serde_json::Error>,
}

impl Clone for Update {
    fn clone(&self) -> Self {
        Self {
            ops: self.ops.clone(),
            error: self
                .error
                .as_ref()
                .map(<serde_json::Error as serde::ser::Error>::custom),
        }
    }
}

impl Update {
    /// No operations yet.
    pub fn new() -> Self {
        Self::default()
    }

    fn value(&mut self, value: impl Serialize) -> Value {
        match serde_json::to_value(value) {
            Ok(v) => v,
            Err(e) => {
                self.error.get_or_insert(e);
                Value::Null
            }
        }
    }

    fn push(mut self, op: UpdateOp) -> Self {
        self.ops.push(op);
        self
    }

    /// Sets `field` to `value` (`{"type":"set"}`).
    #[must_use]
    pub fn set(mut self, field: &str, value: impl Serialize) -> Self {
        let value = self.value(value);
        self.push(UpdateOp::Set {
            path: field.to_owned(),
            value,
        })
    }

    /// Replaces the whole value (`set` with an empty path).
    #[must_use]
    pub fn replace(mut self, value: impl Serialize) -> Self {
        let value = self.value(value);
        self.push(UpdateOp::Set {
            path: String::new(),
            value,
        })
    }

    /// Merges the members of the object `value` into the stored object (`{"type":"merge"}`).
    #[must_use]
    pub fn merge(mut self, value: impl Serialize) -> Self {
        let value = self.value(value);
        self.push(UpdateOp::Merge {
            path: String::new(),
            value,
        })
    }

    /// Adds `by` to the whole-number `field` (a missing field counts from 0).
    #[must_use]
    pub fn increment(self, field: &str, by: i64) -> Self {
        self.push(UpdateOp::Increment {
            path: field.to_owned(),
            by,
        })
    }

    /// Subtracts `by` from the whole-number `field` (a missing field counts from 0).
    #[must_use]
    pub fn decrement(self, field: &str, by: i64) -> Self {
        self.push(UpdateOp::Decrement {
            path: field.to_owned(),
            by,
        })
    }

    /// Appends `value` to the array `field`, or a string to the string `field`. A missing
    /// field becomes `[value]`, but a string appended to a missing field becomes that string
    /// (the engine concatenates strings): start a list of strings with
    /// [`set`](Update::set)`(field, [first])`.
    #[must_use]
    pub fn append(mut self, field: &str, value: impl Serialize) -> Self {
        let value = self.value(value);
        self.push(UpdateOp::Append {
            path: field.to_owned(),
            value,
        })
    }

    /// Removes `field`.
    #[must_use]
    pub fn remove(self, field: &str) -> Self {
        self.push(UpdateOp::Remove {
            path: field.to_owned(),
        })
    }

    /// The operations, as they go on the wire.
    pub fn ops(&self) -> &[UpdateOp] {
        &self.ops
    }

    /// The operations to send.
    ///
    /// # Errors
    /// [`Error::Serialize`] when a value given to the builder did not serialize.
    pub(crate) fn into_ops(self) -> Result<Vec<UpdateOp>> {
        match self.error {
            Some(e) => Err(Error::Serialize(e)),
            None => Ok(self.ops),
        }
    }
}

/// What a write answers: the value before (`None` when there was none) and after.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct Written<T> {
    /// The value before the write.
    #[serde(default = "none")]
    pub old_value: Option<T>,
    /// The value written.
    pub new_value: T,
}

/// What an update answers: the value before and after, and the operations that did not fit
/// the value (the others were applied).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(bound(serialize = "T: Serialize", deserialize = "T: DeserializeOwned"))]
pub struct Updated<T> {
    /// The value before the update (`None` when there was none).
    #[serde(default = "none")]
    pub old_value: Option<T>,
    /// The value after it.
    pub new_value: T,
    /// Operations the engine could not apply.
    #[serde(
        default,
        deserialize_with = "op_errors",
        skip_serializing_if = "Vec::is_empty"
    )]
    pub errors: Vec<UpdateOpError>,
}

fn none<T>() -> Option<T> {
    None
}

/// Accepts the engine's `{op_index, code, message}` entries and bare messages alike.
fn op_errors<'de, D: serde::Deserializer<'de>>(d: D) -> Result<Vec<UpdateOpError>, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Entry {
        Full(UpdateOpError),
        Text(String),
    }
    let entries: Option<Vec<Entry>> = Option::deserialize(d)?;
    Ok(entries
        .unwrap_or_default()
        .into_iter()
        .enumerate()
        .map(|(i, e)| match e {
            Entry::Full(e) => e,
            Entry::Text(message) => UpdateOpError {
                op_index: i,
                code: String::new(),
                message,
            },
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    /// The wire shape of every operation, as protocol.md §7 lists them.
    #[test]
    fn operations_go_out_as_the_engine_reads_them() {
        let update = Update::new()
            .set("status", "paid")
            .replace(json!({"fresh": true}))
            .merge(json!({"a": 1}))
            .increment("count", 2)
            .decrement("stock", 1)
            .append("log", json!({"n": 1}))
            .remove("draft");
        let wire = serde_json::to_value(update.into_ops().expect("ops")).expect("json");
        assert_eq!(
            wire,
            json!([
                {"type": "set", "path": "status", "value": "paid"},
                {"type": "set", "path": "", "value": {"fresh": true}},
                {"type": "merge", "path": "", "value": {"a": 1}},
                {"type": "increment", "path": "count", "by": 2},
                {"type": "decrement", "path": "stock", "by": 1},
                {"type": "append", "path": "log", "value": {"n": 1}},
                {"type": "remove", "path": "draft"},
            ])
        );
    }

    #[test]
    fn a_value_that_does_not_serialize_fails_the_send() {
        let mut bad = std::collections::HashMap::new();
        bad.insert(vec![1_u8], 1);
        let update = Update::new().set("ok", 1).set("bad", bad);
        assert_eq!(update.ops().len(), 2);
        let cloned = update.clone();
        assert!(matches!(update.into_ops(), Err(Error::Serialize(_))));
        assert!(matches!(cloned.into_ops(), Err(Error::Serialize(_))));
    }

    #[test]
    fn answers_decode_with_or_without_old_values_and_errors() {
        let w: Written<u32> = serde_json::from_value(json!({"new_value": 3})).expect("written");
        assert_eq!((w.old_value, w.new_value), (None, 3));
        let u: Updated<Value> = serde_json::from_value(json!({
            "old_value": null, "new_value": {"n": 1},
            "errors": [{"op_index": 1, "code": "increment.not_number", "message": "no"}, "plain"]
        }))
        .expect("updated");
        assert_eq!(u.old_value, None);
        assert_eq!(u.errors[0].op_index, 1);
        assert_eq!(u.errors[1].message, "plain");
    }
}
