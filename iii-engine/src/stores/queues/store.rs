//! [`QueueStore`]: the pending messages, by id and by where idle ones go, with their rows
//! (table `messages`, key the id), and the dead letters; adding, settling and reloading them.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::dead::{DeadLetters, id_key};
use crate::config_stores::QueueSettings;
use crate::stores::db::{Db, StoreError};
use crate::stores::owner::Store;

/// Messages pending at most.
pub(crate) const MAX_PENDING: usize = 100_000;
/// Bytes of pending message data (as JSON) at most.
pub(crate) const MAX_PENDING_BYTES: usize = 256 * 1024 * 1024;

pub(super) const TABLE: &str = "messages";

/// Who is there to take messages: the functions subscribed to a topic and the registered
/// functions, as the registry says at the moment of asking.
pub(crate) trait Directory: Send + Sync {
    /// The functions durably subscribed to `topic`, each once, in a stable order.
    fn subscribers(&self, topic: &str) -> Vec<String>;
    /// Whether a function is registered.
    fn has_function(&self, function_id: &str) -> bool;
}

/// How a handed-out message ended.
#[derive(Debug)]
pub(crate) enum Settle {
    /// Its function took it: forgotten.
    Delivered,
    /// Every attempt failed: moved to the dead-letter list.
    Dead { error: Value, attempts: u32 },
    /// Its function is not there: idle again, for a later redispatch.
    Release,
}

#[derive(Serialize, Deserialize, Clone)]
pub(super) struct Message {
    pub(super) topic: String,
    /// `None` while a topic message waits for its first subscriber.
    #[serde(default)]
    pub(super) function_id: Option<String>,
    #[serde(default)]
    pub(super) named: bool,
    pub(super) data: Value,
    #[serde(skip)]
    pub(super) bytes: usize,
}

/// Idle messages by where they go: `(named, topic, function)`.
pub(super) type Group = (bool, String, Option<String>);

/// The messages and the dead letters.
pub(crate) struct QueueStore {
    pub(super) next: u64,
    pub(super) pending: BTreeMap<u64, Message>,
    pub(super) idle: BTreeMap<Group, BTreeSet<u64>>,
    pub(super) bytes: usize,
    pub(super) dead: DeadLetters,
    pub(super) directory: Arc<dyn Directory>,
    pub(super) settings: BTreeMap<String, QueueSettings>,
    pub(super) db: Db,
}

impl Store for QueueStore {
    async fn commit(&mut self) -> Result<(), StoreError> {
        let committed = self.db.commit().await;
        if committed.is_err()
            && let Err(e) = self.reload()
        {
            tracing::error!("queues: cannot reload after a failed commit: {e}");
        }
        committed
    }
}

impl QueueStore {
    /// The store kept in `db`, with its pending messages (all idle) and dead letters. Blocking.
    pub(crate) fn open(
        db: Db,
        directory: Arc<dyn Directory>,
        settings: BTreeMap<String, QueueSettings>,
    ) -> Result<Self, StoreError> {
        let mut store = Self {
            next: 1,
            pending: BTreeMap::new(),
            idle: BTreeMap::new(),
            bytes: 0,
            dead: DeadLetters::default(),
            directory,
            settings,
            db,
        };
        store.reload()?;
        if !store.pending.is_empty() {
            tracing::info!(
                "queues: {} pending message(s) wait for their functions",
                store.pending.len()
            );
        }
        Ok(store)
    }

    /// Rebuilds memory from the rows: every pending message idle.
    fn reload(&mut self) -> Result<(), StoreError> {
        self.pending.clear();
        self.idle.clear();
        self.bytes = 0;
        let mut next = 0;
        for (key, value) in self.db.load(TABLE)? {
            let id = key.first().and_then(|k| k.parse::<u64>().ok());
            let message = serde_json::from_value::<Message>(value);
            let (Some(id), Ok(mut message)) = (id, message) else {
                tracing::warn!("queues: skipping a message that does not decode");
                continue;
            };
            message.bytes = message.data.to_string().len();
            next = next.max(id);
            self.insert(id, message);
        }
        self.dead = DeadLetters::load(&mut self.db)?;
        self.next = next.max(self.dead.last_id()) + 1;
        Ok(())
    }

    pub(super) fn insert(&mut self, id: u64, message: Message) {
        self.bytes += message.bytes;
        let group = (
            message.named,
            message.topic.clone(),
            message.function_id.clone(),
        );
        self.pending.insert(id, message);
        self.idle.entry(group).or_default().insert(id);
    }

    /// Adds a new message, committed with the batch and idle until handed out.
    pub(super) fn add(&mut self, message: Message) -> u64 {
        let id = self.next;
        self.next += 1;
        if let Ok(row) = serde_json::to_value(&message) {
            self.db.put(TABLE, &[&id_key(id)], &row);
        }
        self.insert(id, message);
        id
    }

    /// Forgets a pending message, with its row.
    pub(super) fn take(&mut self, id: u64) -> Option<Message> {
        let message = self.pending.remove(&id)?;
        self.bytes -= message.bytes;
        let group = (
            message.named,
            message.topic.clone(),
            message.function_id.clone(),
        );
        if let Some(ids) = self.idle.get_mut(&group) {
            ids.remove(&id);
            if ids.is_empty() {
                self.idle.remove(&group);
            }
        }
        self.db.delete(TABLE, &[&id_key(id)]);
        Some(message)
    }

    /// Settles a handed-out message.
    pub(crate) fn settle(&mut self, id: u64, how: Settle) {
        match how {
            Settle::Delivered => {
                self.take(id);
            }
            Settle::Dead { error, attempts } => {
                if let Some(m) = self.take(id) {
                    let function_id = m.function_id.unwrap_or_default();
                    self.dead.push(
                        &mut self.db,
                        id,
                        &m.topic,
                        &function_id,
                        m.data,
                        error,
                        attempts,
                    );
                }
            }
            Settle::Release => {
                if let Some(m) = self.pending.get(&id) {
                    let group = (m.named, m.topic.clone(), m.function_id.clone());
                    self.idle.entry(group).or_default().insert(id);
                }
            }
        }
    }

    /// The dead letters of `topic` (all when `None`), oldest first.
    pub(crate) fn dead_letters(&self, topic: Option<&str>) -> Vec<Value> {
        self.dead.list(topic)
    }
}
