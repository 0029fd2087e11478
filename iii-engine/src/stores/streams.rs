//! The stream store: JSON items by stream name, group and item id, in memory, with each write
//! recorded in the store's [`Db`] (table `streams`, key `[stream, group, item]`).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::db::{Db, StoreError};
use super::owner::Store;
use super::update::{UpdateOp, Written, apply_all};

const TABLE: &str = "streams";

type Groups = BTreeMap<String, BTreeMap<String, Value>>;

/// Items by stream, group and id.
#[derive(Default)]
pub(crate) struct StreamStore {
    streams: HashMap<String, Groups>,
    db: Db,
}

impl Store for StreamStore {
    async fn commit(&mut self) -> Result<(), StoreError> {
        let committed = self.db.commit().await;
        if committed.is_err() {
            self.streams = load(&mut self.db).unwrap_or_default();
        }
        committed
    }
}

fn load(db: &mut Db) -> Result<HashMap<String, Groups>, StoreError> {
    let mut streams: HashMap<String, Groups> = HashMap::new();
    for (key, value) in db.load(TABLE)? {
        if let [stream, group, item] = key.as_slice() {
            streams
                .entry(stream.clone())
                .or_default()
                .entry(group.clone())
                .or_default()
                .insert(item.clone(), value);
        }
    }
    Ok(streams)
}

impl StreamStore {
    /// The store kept in `db`, with the items it holds. Blocking.
    pub(crate) fn open(mut db: Db) -> Result<Self, StoreError> {
        let streams = load(&mut db)?;
        Ok(Self { streams, db })
    }

    /// One item, `null` when absent.
    pub(crate) fn get(&self, stream: &str, group: &str, item: &str) -> Value {
        self.streams
            .get(stream)
            .and_then(|g| g.get(group))
            .and_then(|items| items.get(item))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Stores an item; returns the old one.
    pub(crate) fn put(&mut self, stream: &str, group: &str, item: &str, value: Value) -> Value {
        self.db.put(TABLE, &[stream, group, item], &value);
        self.streams
            .entry(stream.to_owned())
            .or_default()
            .entry(group.to_owned())
            .or_default()
            .insert(item.to_owned(), value)
            .unwrap_or(Value::Null)
    }

    /// Removes an item, forgetting emptied groups and streams; returns the old one.
    pub(crate) fn remove(&mut self, stream: &str, group: &str, item: &str) -> Value {
        let Some(groups) = self.streams.get_mut(stream) else {
            return Value::Null;
        };
        let Some(items) = groups.get_mut(group) else {
            return Value::Null;
        };
        let Some(old) = items.remove(item) else {
            return Value::Null;
        };
        if items.is_empty() {
            groups.remove(group);
        }
        if groups.is_empty() {
            self.streams.remove(stream);
        }
        self.db.delete(TABLE, &[stream, group, item]);
        old
    }

    /// Applies update operations to an item (created as `null` when absent).
    pub(crate) fn update(
        &mut self,
        stream: &str,
        group: &str,
        item: &str,
        ops: &[UpdateOp],
    ) -> Written {
        let old = self.get(stream, group, item);
        let mut new = old.clone();
        let errors = apply_all(&mut new, ops);
        self.put(stream, group, item, new.clone());
        Written { old, new, errors }
    }

    /// The items of a group, in id order.
    pub(crate) fn list(&self, stream: &str, group: &str) -> Vec<Value> {
        self.streams
            .get(stream)
            .and_then(|g| g.get(group))
            .map(|items| items.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The group names of a stream, sorted.
    pub(crate) fn groups(&self, stream: &str) -> Vec<String> {
        self.streams
            .get(stream)
            .map(|g| g.keys().cloned().collect())
            .unwrap_or_default()
    }

    /// Every stream with its group names, sorted by stream name.
    pub(crate) fn all(&self) -> Vec<(String, Vec<String>)> {
        let mut all: Vec<(String, Vec<String>)> = self
            .streams
            .iter()
            .map(|(name, groups)| (name.clone(), groups.keys().cloned().collect()))
            .collect();
        all.sort();
        all
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn store_forgets_empty_groups_and_streams() {
        let mut store = StreamStore::default();
        store.put("s", "g", "i", json!(1));
        assert_eq!(store.remove("s", "g", "i"), json!(1));
        assert!(store.streams.is_empty());
        assert_eq!(store.remove("s", "g", "i"), Value::Null);
    }
}
