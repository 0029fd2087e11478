//! The `stream::*` builtins over the stream store; every write sends its change to the firing
//! owner (`stream` triggers).
//!
//! `stream::send` stores nothing: on the real engine it goes to the stream socket's clients
//! and to the stream's triggers; the dev engine has no stream socket, so it fires the
//! triggers only (event type `event`, its data `{"type", "data"}` as sent).

use serde::Deserialize;
use serde_json::{Value, json};

use super::context::Context;
use crate::codec::{Outcome, input, null, reply};
use crate::events::Event;
use crate::stores::update::UpdateOp;

#[derive(Deserialize)]
struct ItemKey {
    stream_name: String,
    group_id: String,
    item_id: String,
}

#[derive(Deserialize)]
struct SetInput {
    stream_name: String,
    group_id: String,
    item_id: String,
    #[serde(default)]
    data: Value,
}

#[derive(Deserialize)]
struct UpdateInput {
    stream_name: String,
    group_id: String,
    item_id: String,
    #[serde(default)]
    ops: Vec<UpdateOp>,
}

#[derive(Deserialize)]
struct GroupKey {
    stream_name: String,
    group_id: String,
}

#[derive(Deserialize)]
struct StreamKey {
    stream_name: String,
}

#[derive(Deserialize)]
struct SendInput {
    stream_name: String,
    group_id: String,
    #[serde(default)]
    id: Option<String>,
    #[serde(rename = "type")]
    event_type: String,
    #[serde(default)]
    data: Value,
}

fn change(stream: &str, group: &str, item: &str, event: &'static str, data: &Value) -> Event {
    Event::Stream {
        stream: stream.to_owned(),
        group: group.to_owned(),
        item: item.to_owned(),
        event,
        data: data.clone(),
    }
}

/// The event of an item stored over `old`: a `create` when there was none, else an `update`.
fn written(old: &Value) -> &'static str {
    if old.is_null() { "create" } else { "update" }
}

/// `stream::set` → `{old_value, new_value}`.
pub(super) async fn set(c: &Context, data: &str) -> Outcome {
    let req: SetInput = input(data)?;
    let out = c
        .streams
        .run(move |store| {
            let (s, g, i) = (&req.stream_name, &req.group_id, &req.item_id);
            let old = store.put(s, g, i, req.data.clone());
            let event = change(s, g, i, written(&old), &req.data);
            (
                json!({ "old_value": old, "new_value": req.data }),
                Some(event),
            )
        })
        .await
        .map_err(|e| e.body())?;
    reply(&out)
}

/// `stream::get` → the item or `null`.
pub(super) async fn get(c: &Context, data: &str) -> Outcome {
    let k: ItemKey = input(data)?;
    let item = c
        .streams
        .run(move |store| (store.get(&k.stream_name, &k.group_id, &k.item_id), None))
        .await
        .map_err(|e| e.body())?;
    reply(&item)
}

/// `stream::delete` → `{old_value}`; fires only when there was one.
pub(super) async fn delete(c: &Context, data: &str) -> Outcome {
    let k: ItemKey = input(data)?;
    let old = c
        .streams
        .run(move |store| {
            let (s, g, i) = (&k.stream_name, &k.group_id, &k.item_id);
            let old = store.remove(s, g, i);
            let event = (!old.is_null()).then(|| change(s, g, i, "delete", &old));
            (old, event)
        })
        .await
        .map_err(|e| e.body())?;
    reply(&json!({ "old_value": old }))
}

/// `stream::update` → `{old_value, new_value, errors?}`.
pub(super) async fn update(c: &Context, data: &str) -> Outcome {
    let req: UpdateInput = input(data)?;
    let out = c
        .streams
        .run(move |store| {
            let (s, g, i) = (&req.stream_name, &req.group_id, &req.item_id);
            let w = store.update(s, g, i, &req.ops);
            let event = change(s, g, i, written(&w.old), &w.new);
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

/// `stream::list` → the items of a group.
pub(super) async fn list(c: &Context, data: &str) -> Outcome {
    let k: GroupKey = input(data)?;
    let items = c
        .streams
        .run(move |store| (store.list(&k.stream_name, &k.group_id), None))
        .await
        .map_err(|e| e.body())?;
    reply(&items)
}

/// `stream::list_groups` → the group names of a stream.
pub(super) async fn list_groups(c: &Context, data: &str) -> Outcome {
    let k: StreamKey = input(data)?;
    let groups = c
        .streams
        .run(move |store| (store.groups(&k.stream_name), None))
        .await
        .map_err(|e| e.body())?;
    reply(&groups)
}

/// `stream::list_all` → `{stream: [{id, groups}], count}`.
pub(super) async fn list_all(c: &Context) -> Outcome {
    let all = c
        .streams
        .run(|store| (store.all(), None))
        .await
        .map_err(|e| e.body())?;
    let streams: Vec<Value> = all
        .into_iter()
        .map(|(name, groups)| json!({"id": name, "groups": groups}))
        .collect();
    let count = streams.len();
    reply(&json!({"stream": streams, "count": count}))
}

/// `stream::send`: fires the stream's triggers with the event (see the module docs).
pub(super) async fn send(c: &Context, data: &str) -> Outcome {
    let req: SendInput = input(data)?;
    let event = json!({ "type": req.event_type, "data": req.data });
    let item = req.id.unwrap_or_default();
    c.fires
        .send(change(
            &req.stream_name,
            &req.group_id,
            &item,
            "event",
            &event,
        ))
        .await;
    null()
}
