//! The state store: JSON values by scope, then key, in memory, with each write recorded in
//! the store's [`Db`] (table `state`, key `[scope, key]`).

use std::collections::{BTreeMap, HashMap};

use serde_json::Value;

use super::db::{Db, StoreError};
use super::owner::Store;
use super::update::{UpdateOp, Written, apply_all};

const TABLE: &str = "state";

/// Values by scope, then key.
#[derive(Default)]
pub(crate) struct StateStore {
    scopes: HashMap<String, BTreeMap<String, Value>>,
    db: Db,
}

impl Store for StateStore {
    async fn commit(&mut self) -> Result<(), StoreError> {
        let committed = self.db.commit().await;
        if committed.is_err() {
            self.scopes = load(&mut self.db).unwrap_or_default();
        }
        committed
    }
}

fn load(db: &mut Db) -> Result<HashMap<String, BTreeMap<String, Value>>, StoreError> {
    let mut scopes: HashMap<String, BTreeMap<String, Value>> = HashMap::new();
    for (key, value) in db.load(TABLE)? {
        if let [scope, key] = key.as_slice() {
            scopes
                .entry(scope.clone())
                .or_default()
                .insert(key.clone(), value);
        }
    }
    Ok(scopes)
}

impl StateStore {
    /// The store kept in `db`, with the values it holds. Blocking.
    pub(crate) fn open(mut db: Db) -> Result<Self, StoreError> {
        let scopes = load(&mut db)?;
        Ok(Self { scopes, db })
    }

    /// The value at `scope`/`key`, `null` when absent.
    pub(crate) fn get(&self, scope: &str, key: &str) -> Value {
        self.scopes
            .get(scope)
            .and_then(|m| m.get(key))
            .cloned()
            .unwrap_or(Value::Null)
    }

    /// Stores `value`; returns the old value.
    pub(crate) fn put(&mut self, scope: &str, key: &str, value: Value) -> Value {
        self.db.put(TABLE, &[scope, key], &value);
        self.scopes
            .entry(scope.to_owned())
            .or_default()
            .insert(key.to_owned(), value)
            .unwrap_or(Value::Null)
    }

    /// Removes a value (and its scope once empty); returns the old value.
    pub(crate) fn remove(&mut self, scope: &str, key: &str) -> Value {
        let Some(map) = self.scopes.get_mut(scope) else {
            return Value::Null;
        };
        let Some(old) = map.remove(key) else {
            return Value::Null;
        };
        if map.is_empty() {
            self.scopes.remove(scope);
        }
        self.db.delete(TABLE, &[scope, key]);
        old
    }

    /// Applies update operations to a value (created as `null` when absent).
    pub(crate) fn update(&mut self, scope: &str, key: &str, ops: &[UpdateOp]) -> Written {
        let old = self.get(scope, key);
        let mut new = old.clone();
        let errors = apply_all(&mut new, ops);
        self.put(scope, key, new.clone());
        Written { old, new, errors }
    }

    /// The values of a scope, in key order.
    pub(crate) fn list(&self, scope: &str) -> Vec<Value> {
        self.scopes
            .get(scope)
            .map(|m| m.values().cloned().collect())
            .unwrap_or_default()
    }

    /// The scope names, sorted.
    pub(crate) fn groups(&self) -> Vec<String> {
        let mut groups: Vec<String> = self.scopes.keys().cloned().collect();
        groups.sort();
        groups
    }
}
