//! The `state::*` builtins: an in-memory key/value store grouped by scope, and the `state`
//! triggers its changes fire.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::builtins::{input, reply};
use crate::hub::{Hub, lock};
use crate::registry::{Activation, Outcome};
use crate::triggers::fire_matching;

/// `state::set`.
pub(crate) const SET: &str = "state::set";
/// `state::get`.
pub(crate) const GET: &str = "state::get";
/// `state::delete`.
pub(crate) const DELETE: &str = "state::delete";
/// `state::update`.
pub(crate) const UPDATE: &str = "state::update";
/// `state::list`.
pub(crate) const LIST: &str = "state::list";
/// `state::list_groups`.
pub(crate) const LIST_GROUPS: &str = "state::list_groups";

/// Values by scope, then key.
#[derive(Default)]
pub(crate) struct StateStore {
    scopes: HashMap<String, BTreeMap<String, Value>>,
}

#[derive(Deserialize)]
struct Key {
    scope: String,
    key: String,
}

#[derive(Deserialize)]
struct SetInput {
    scope: String,
    key: String,
    #[serde(default)]
    value: Value,
}

#[derive(Deserialize)]
struct UpdateInput {
    scope: String,
    key: String,
    #[serde(default)]
    ops: Vec<UpdateOp>,
}

#[derive(Deserialize)]
struct ScopeInput {
    scope: String,
}

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

/// Runs a `state::*` builtin; `None` for an unknown `state::` id.
pub(crate) fn call(hub: &Arc<Hub>, id: &str, data: &str) -> Option<Outcome> {
    Some(match id {
        SET => set(hub, data),
        GET => input::<Key>(data).and_then(|k| {
            let store = lock(&hub.state);
            reply(&store.get(&k.scope, &k.key))
        }),
        DELETE => delete(hub, data),
        UPDATE => update(hub, data),
        LIST => input::<ScopeInput>(data).and_then(|s| {
            let store = lock(&hub.state);
            let values: Vec<&Value> = store
                .scopes
                .get(&s.scope)
                .map(|m| m.values().collect())
                .unwrap_or_default();
            reply(&values)
        }),
        LIST_GROUPS => {
            let store = lock(&hub.state);
            let mut groups: Vec<&String> = store.scopes.keys().collect();
            groups.sort();
            reply(&json!({ "groups": groups }))
        }
        _ => return None,
    })
}

impl StateStore {
    fn get(&self, scope: &str, key: &str) -> Value {
        self.scopes
            .get(scope)
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn put(&mut self, scope: &str, key: &str, value: Value) -> Value {
        self.scopes
            .entry(scope.to_owned())
            .or_default()
            .insert(key.to_owned(), value)
            .unwrap_or(Value::Null)
    }

    fn remove(&mut self, scope: &str, key: &str) -> Value {
        let Some(map) = self.scopes.get_mut(scope) else {
            return Value::Null;
        };
        let old = map.remove(key).unwrap_or(Value::Null);
        if map.is_empty() {
            self.scopes.remove(scope);
        }
        old
    }
}

fn set(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: SetInput = input(data)?;
    let old = lock(&hub.state).put(&req.scope, &req.key, req.value.clone());
    changed(hub, &req.scope, &req.key, &old, &req.value);
    reply(&json!({ "old_value": old, "new_value": req.value }))
}

fn delete(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: Key = input(data)?;
    let old = lock(&hub.state).remove(&req.scope, &req.key);
    if !old.is_null() {
        changed(hub, &req.scope, &req.key, &old, &Value::Null);
    }
    reply(&old)
}

fn update(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: UpdateInput = input(data)?;
    let (old, new, errors) = {
        let mut store = lock(&hub.state);
        let old = store.get(&req.scope, &req.key);
        let mut new = old.clone();
        let errors: Vec<String> = req
            .ops
            .iter()
            .filter_map(|op| apply(&mut new, op).err())
            .collect();
        store.put(&req.scope, &req.key, new.clone());
        (old, new, errors)
    };
    changed(hub, &req.scope, &req.key, &old, &new);
    let mut out = json!({ "old_value": old, "new_value": new });
    if !errors.is_empty() {
        out["errors"] = json!(errors);
    }
    reply(&out)
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

/// Fires the `state` triggers that match a change.
fn changed(hub: &Arc<Hub>, scope: &str, key: &str, old: &Value, new: &Value) {
    let event_type = match (old.is_null(), new.is_null()) {
        (true, _) => "state:created",
        (false, true) => "state:deleted",
        (false, false) => "state:updated",
    };
    let payload = json!({
        "type": "state", "event_type": event_type, "scope": scope, "key": key,
        "old_value": old, "new_value": new,
    });
    fire_matching(hub, "state", &payload, |activation| match activation {
        Activation::State { scope: s, key: k } => {
            s.as_deref().is_none_or(|s| s == scope) && k.as_deref().is_none_or(|k| k == key)
        }
        _ => false,
    });
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
