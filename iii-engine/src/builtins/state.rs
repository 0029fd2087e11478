//! The `state::*` builtins over the state store; every write sends its change to the firing
//! owner (`state` triggers).

use serde::Deserialize;
use serde_json::{Value, json};

use super::context::Context;
use crate::codec::{Outcome, input, reply};
use crate::events::Event;
use crate::stores::update::UpdateOp;

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

fn change(scope: &str, key: &str, old: &Value, new: &Value) -> Event {
    Event::State {
        scope: scope.to_owned(),
        key: key.to_owned(),
        old: old.clone(),
        new: new.clone(),
    }
}

/// `state::set` → `{old_value, new_value}`.
pub(super) async fn set(c: &Context, data: &str) -> Outcome {
    let req: SetInput = input(data)?;
    let out = c
        .state
        .run(move |store| {
            let old = store.put(&req.scope, &req.key, req.value.clone());
            let event = change(&req.scope, &req.key, &old, &req.value);
            (
                json!({ "old_value": old, "new_value": req.value }),
                Some(event),
            )
        })
        .await
        .map_err(|e| e.body())?;
    reply(&out)
}

/// `state::get` → the value or `null`.
pub(super) async fn get(c: &Context, data: &str) -> Outcome {
    let k: Key = input(data)?;
    let value = c
        .state
        .run(move |store| (store.get(&k.scope, &k.key), None))
        .await
        .map_err(|e| e.body())?;
    reply(&value)
}

/// `state::delete` → the old value; fires only when there was one.
pub(super) async fn delete(c: &Context, data: &str) -> Outcome {
    let k: Key = input(data)?;
    let old = c
        .state
        .run(move |store| {
            let old = store.remove(&k.scope, &k.key);
            let event = (!old.is_null()).then(|| change(&k.scope, &k.key, &old, &Value::Null));
            (old, event)
        })
        .await
        .map_err(|e| e.body())?;
    reply(&old)
}

/// `state::update` → `{old_value, new_value, errors?}`.
pub(super) async fn update(c: &Context, data: &str) -> Outcome {
    let req: UpdateInput = input(data)?;
    let out = c
        .state
        .run(move |store| {
            let w = store.update(&req.scope, &req.key, &req.ops);
            let event = change(&req.scope, &req.key, &w.old, &w.new);
            let mut out = json!({ "old_value": w.old, "new_value": w.new });
            if !w.errors.is_empty() {
                out["errors"] = json!(w.errors);
            }
            (out, Some(event))
        })
        .await
        .map_err(|e| e.body())?;
    reply(&out)
}

/// `state::list` → the values of a scope.
pub(super) async fn list(c: &Context, data: &str) -> Outcome {
    let s: ScopeInput = input(data)?;
    let values = c
        .state
        .run(move |store| (store.list(&s.scope), None))
        .await
        .map_err(|e| e.body())?;
    reply(&values)
}

/// `state::list_groups` → `{groups}`.
pub(super) async fn list_groups(c: &Context) -> Outcome {
    let groups = c
        .state
        .run(|store| (store.groups(), None))
        .await
        .map_err(|e| e.body())?;
    reply(&json!({ "groups": groups }))
}
