//! The `stream::*` builtins: in-memory items addressed by stream name, group and item id, and
//! the `stream` triggers their changes fire.
//!
//! The trigger payload uses the keys the engine actually sends (camelCase, §6.7):
//! `{"type":"stream","timestamp":<ms>,"streamName","groupId","id","event":{"type","data"}}`.
//! `stream::send` only broadcasts to stream-socket clients on the real engine; the dev engine
//! has no such socket, so it validates its input and does nothing else.

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use serde::Deserialize;
use serde_json::{Value, json};

use crate::builtins::{input, null, reply};
use crate::hub::{Hub, lock};
use crate::registry::{Activation, Outcome};
use crate::state::{UpdateOp, apply};
use crate::triggers::{config_text, fire_matching};

/// Every `stream::*` builtin with a one-line description, for introspection.
pub(crate) const ALL: &[(&str, &str)] = &[
    ("stream::set", "Sets an item of a stream group"),
    ("stream::get", "Reads an item of a stream group"),
    ("stream::delete", "Deletes an item of a stream group"),
    (
        "stream::update",
        "Applies update operations to a stream item",
    ),
    ("stream::list", "Lists the items of a stream group"),
    ("stream::list_groups", "Lists the groups of a stream"),
    ("stream::list_all", "Lists every stream with its groups"),
    (
        "stream::send",
        "Sends an event to a stream group's subscribers",
    ),
];

type Groups = BTreeMap<String, BTreeMap<String, Value>>;

/// Items by stream, group and id.
#[derive(Default)]
pub(crate) struct StreamStore {
    streams: HashMap<String, Groups>,
}

impl StreamStore {
    fn get(&self, stream: &str, group: &str, item: &str) -> Value {
        self.streams
            .get(stream)
            .and_then(|g| g.get(group))
            .and_then(|items| items.get(item))
            .cloned()
            .unwrap_or(Value::Null)
    }

    fn put(&mut self, stream: &str, group: &str, item: &str, value: Value) -> Value {
        self.streams
            .entry(stream.to_owned())
            .or_default()
            .entry(group.to_owned())
            .or_default()
            .insert(item.to_owned(), value)
            .unwrap_or(Value::Null)
    }

    fn remove(&mut self, stream: &str, group: &str, item: &str) -> Value {
        let Some(groups) = self.streams.get_mut(stream) else {
            return Value::Null;
        };
        let Some(items) = groups.get_mut(group) else {
            return Value::Null;
        };
        let old = items.remove(item).unwrap_or(Value::Null);
        if items.is_empty() {
            groups.remove(group);
        }
        if groups.is_empty() {
            self.streams.remove(stream);
        }
        old
    }
}

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
#[allow(dead_code)] // Decoded to validate the input; there are no subscribers to send it to.
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

/// Runs a `stream::*` builtin; `None` for an unknown `stream::` id.
pub(crate) fn call(hub: &Arc<Hub>, id: &str, data: &str) -> Option<Outcome> {
    Some(match id {
        "stream::set" => set(hub, data),
        "stream::get" => input::<ItemKey>(data)
            .and_then(|k| reply(&lock(&hub.streams).get(&k.stream_name, &k.group_id, &k.item_id))),
        "stream::delete" => delete(hub, data),
        "stream::update" => update(hub, data),
        "stream::list" => input::<GroupKey>(data).and_then(|k| {
            let store = lock(&hub.streams);
            let items: Vec<&Value> = store
                .streams
                .get(&k.stream_name)
                .and_then(|g| g.get(&k.group_id))
                .map(|items| items.values().collect())
                .unwrap_or_default();
            reply(&items)
        }),
        "stream::list_groups" => input::<StreamKey>(data).and_then(|k| {
            let store = lock(&hub.streams);
            let groups: Vec<&String> = store
                .streams
                .get(&k.stream_name)
                .map(|g| g.keys().collect())
                .unwrap_or_default();
            reply(&groups)
        }),
        "stream::list_all" => {
            let store = lock(&hub.streams);
            let mut streams: Vec<Value> = store
                .streams
                .iter()
                .map(|(name, groups)| json!({"id": name, "groups": groups.keys().collect::<Vec<_>>()}))
                .collect();
            streams.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
            let count = streams.len();
            reply(&json!({"stream": streams, "count": count}))
        }
        "stream::send" => input::<SendInput>(data).and_then(|_| null()),
        _ => return None,
    })
}

fn set(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: SetInput = input(data)?;
    let old = lock(&hub.streams).put(
        &req.stream_name,
        &req.group_id,
        &req.item_id,
        req.data.clone(),
    );
    reply(&written(
        hub,
        &req.stream_name,
        &req.group_id,
        &req.item_id,
        old,
        req.data,
    ))
}

fn delete(hub: &Arc<Hub>, data: &str) -> Outcome {
    let k: ItemKey = input(data)?;
    let old = lock(&hub.streams).remove(&k.stream_name, &k.group_id, &k.item_id);
    if !old.is_null() {
        changed(hub, &k.stream_name, &k.group_id, &k.item_id, "delete", &old);
    }
    reply(&json!({ "old_value": old }))
}

fn update(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: UpdateInput = input(data)?;
    let (old, new, errors) = {
        let mut store = lock(&hub.streams);
        let old = store.get(&req.stream_name, &req.group_id, &req.item_id);
        let mut new = old.clone();
        let errors: Vec<String> = req
            .ops
            .iter()
            .filter_map(|op| apply(&mut new, op).err())
            .collect();
        store.put(&req.stream_name, &req.group_id, &req.item_id, new.clone());
        (old, new, errors)
    };
    let mut out = written(hub, &req.stream_name, &req.group_id, &req.item_id, old, new);
    if !errors.is_empty() {
        out["errors"] = json!(errors);
    }
    reply(&out)
}

/// The filters of a `stream` trigger; `stream_name` is required.
pub(crate) fn activation(config: &Value) -> Result<Activation, String> {
    let text = |key: &str| config_text(config, key);
    let stream_name = text("stream_name").ok_or("stream_name is required for stream triggers")?;
    Ok(Activation::Stream {
        stream_name,
        group_id: text("group_id"),
        item_id: text("item_id"),
    })
}

/// Fires the triggers of an item stored over `old` (a `create` when there was none, else an
/// `update`) and returns the builtin's `{old_value, new_value}` answer.
fn written(hub: &Arc<Hub>, stream: &str, group: &str, item: &str, old: Value, new: Value) -> Value {
    let event = if old.is_null() { "create" } else { "update" };
    changed(hub, stream, group, item, event, &new);
    json!({ "old_value": old, "new_value": new })
}

/// Fires the `stream` triggers that match a change.
fn changed(hub: &Arc<Hub>, stream: &str, group: &str, item: &str, event: &str, data: &Value) {
    let payload = json!({
        "type": "stream",
        "timestamp": chrono::Utc::now().timestamp_millis(),
        "streamName": stream, "groupId": group, "id": item,
        "event": {"type": event, "data": data},
    });
    fire_matching(hub, "stream", &payload, |activation| match activation {
        Activation::Stream {
            stream_name,
            group_id,
            item_id,
        } => {
            stream_name == stream
                && group_id.as_deref().is_none_or(|g| g == group)
                && item_id.as_deref().is_none_or(|i| i == item)
        }
        _ => false,
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stream_name_is_required() {
        assert!(activation(&Value::Null).is_err());
        assert!(activation(&json!({"stream_name": ""})).is_err());
        assert!(matches!(
            activation(&json!({"stream_name": "s", "group_id": "g"})),
            Ok(Activation::Stream {
                group_id: Some(_),
                item_id: None,
                ..
            })
        ));
    }

    #[test]
    fn store_forgets_empty_groups_and_streams() {
        let mut store = StreamStore::default();
        store.put("s", "g", "i", json!(1));
        assert_eq!(store.remove("s", "g", "i"), json!(1));
        assert!(store.streams.is_empty());
        assert_eq!(store.remove("s", "g", "i"), Value::Null);
    }
}
