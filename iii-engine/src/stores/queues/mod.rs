//! The durable queue store: every message published to a topic (`iii::durable::publish`) or
//! enqueued to a named queue (the `enqueue` action) from the moment it is committed until its
//! function has taken it, and the dead-letter list ([`dead`]).
//!
//! A topic message is copied once per function subscribed to the topic when it is published;
//! published to a topic nobody subscribes to, it waits (as one message) for the first
//! subscriber and is then copied to the functions subscribed at that moment. A named-queue
//! message goes to its function, and waits while that function is not registered.
//!
//! Each message is either handed out (its [`Delivery`] went to the firing owner, which settles
//! it back: delivered, dead-lettered, or released when its function turned out to be gone) or
//! idle. Idle messages are handed out by [`QueueStore::redispatch`], which runs when a durable
//! subscription is registered and on a short period; after a restart every pending message is
//! idle, so every message acknowledged before the engine stopped is delivered again, at least
//! once. Delivery is at least once, never exactly once.
//!
//! Bounds: [`MAX_PENDING`] messages and [`MAX_PENDING_BYTES`] of data; past them a publish is
//! refused (code `queue_full`), never dropped after being acknowledged.

pub(crate) mod dead;

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::sync::Arc;

use serde::{Deserialize, Serialize};
use serde_json::Value;

use super::db::{Db, StoreError};
use super::owner::{Owner, Store};
use crate::config_stores::QueueSettings;
use crate::events::{Delivery, Event};
use crate::tasks::Tasks;
use dead::DeadLetters;

/// Messages pending at most.
pub(crate) const MAX_PENDING: usize = 100_000;
/// Bytes of pending message data (as JSON) at most.
pub(crate) const MAX_PENDING_BYTES: usize = 256 * 1024 * 1024;

const TABLE: &str = "messages";

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
struct Message {
    topic: String,
    /// `None` while a topic message waits for its first subscriber.
    #[serde(default)]
    function_id: Option<String>,
    #[serde(default)]
    named: bool,
    data: Value,
    #[serde(skip)]
    bytes: usize,
}

/// Idle messages by where they go: `(named, topic, function)`.
type Group = (bool, String, Option<String>);

/// The messages and the dead letters.
pub(crate) struct QueueStore {
    next: u64,
    pending: BTreeMap<u64, Message>,
    idle: BTreeMap<Group, BTreeSet<u64>>,
    bytes: usize,
    dead: DeadLetters,
    directory: Arc<dyn Directory>,
    settings: BTreeMap<String, QueueSettings>,
    db: Db,
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

fn id_key(id: u64) -> String {
    format!("{id:020}")
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

    fn insert(&mut self, id: u64, message: Message) {
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
    fn add(&mut self, message: Message) -> u64 {
        let id = self.next;
        self.next += 1;
        if let Ok(row) = serde_json::to_value(&message) {
            self.db.put(TABLE, &[&id_key(id)], &row);
        }
        self.insert(id, message);
        id
    }

    fn room_for(&self, count: usize, bytes: usize) -> Result<(), StoreError> {
        if self.pending.len() + count > MAX_PENDING
            || self.bytes + bytes.saturating_mul(count) > MAX_PENDING_BYTES
        {
            return Err(StoreError::Refused {
                code: "queue_full",
                message: format!(
                    "the durable queue store is full ({} pending messages, {} bytes): messages \
                     wait there for their functions",
                    self.pending.len(),
                    self.bytes
                ),
            });
        }
        Ok(())
    }

    /// A durable publish: one message per subscribed function (or one waiting message).
    pub(crate) fn publish(
        &mut self,
        topic: String,
        data: Value,
    ) -> Result<Vec<Delivery>, StoreError> {
        let subscribers = self.directory.subscribers(&topic);
        let bytes = data.to_string().len();
        self.room_for(subscribers.len().max(1), bytes)?;
        if subscribers.is_empty() {
            let message = Message {
                topic,
                function_id: None,
                named: false,
                data,
                bytes,
            };
            self.add(message);
            return Ok(Vec::new());
        }
        let ids: Vec<u64> = subscribers
            .into_iter()
            .map(|function_id| {
                let message = Message {
                    topic: topic.clone(),
                    function_id: Some(function_id),
                    named: false,
                    data: data.clone(),
                    bytes,
                };
                self.add(message)
            })
            .collect();
        Ok(ids.into_iter().filter_map(|id| self.hand_out(id)).collect())
    }

    /// An `enqueue` action: one message for `function_id` on the named queue.
    pub(crate) fn enqueue(
        &mut self,
        queue: String,
        function_id: String,
        data: Value,
    ) -> Result<Vec<Delivery>, StoreError> {
        if let Some(field) = self
            .settings
            .get(&queue)
            .filter(|s| s.fifo)
            .and_then(|s| s.message_group_field.as_deref())
            && data.get(field).is_none_or(Value::is_null)
        {
            return Err(StoreError::Refused {
                code: iii_protocol::codes::ENQUEUE_ERROR,
                message: format!(
                    "FIFO queue '{queue}' requires message_group_field '{field}' in the payload"
                ),
            });
        }
        let bytes = data.to_string().len();
        self.room_for(1, bytes)?;
        let present = self.directory.has_function(&function_id);
        let message = Message {
            topic: queue,
            function_id: Some(function_id),
            named: true,
            data,
            bytes,
        };
        let id = self.add(message);
        Ok(if present {
            self.hand_out(id).into_iter().collect()
        } else {
            Vec::new()
        })
    }

    /// Takes an idle message out of its group and makes its delivery.
    fn hand_out(&mut self, id: u64) -> Option<Delivery> {
        let message = self.pending.get(&id)?;
        let function_id = message.function_id.clone()?;
        let group = (
            message.named,
            message.topic.clone(),
            Some(function_id.clone()),
        );
        if let Some(ids) = self.idle.get_mut(&group) {
            ids.remove(&id);
            if ids.is_empty() {
                self.idle.remove(&group);
            }
        }
        Some(Delivery {
            id,
            topic: message.topic.clone(),
            function_id,
            named: message.named,
            data: message.data.clone(),
        })
    }

    /// Hands out every idle message whose function is there now; a topic message that waited
    /// for its first subscriber is copied to every function subscribed now.
    pub(crate) fn redispatch(&mut self) -> Vec<Delivery> {
        let mut subscribers: HashMap<String, Vec<String>> = HashMap::new();
        let mut ready = Vec::new();
        let groups: Vec<Group> = self.idle.keys().cloned().collect();
        for group in groups {
            let (named, topic, function_id) = &group;
            let there = match (named, function_id) {
                (true, Some(f)) => self.directory.has_function(f),
                (false, f) => {
                    let subs = subscribers
                        .entry(topic.clone())
                        .or_insert_with(|| self.directory.subscribers(topic));
                    f.as_ref().map_or(!subs.is_empty(), |f| subs.contains(f))
                }
                (true, None) => false,
            };
            if there {
                let ids = self.idle.get(&group).cloned().unwrap_or_default();
                match function_id {
                    Some(_) => ready.extend(ids),
                    None => ready.extend(self.copy_waiting(&ids, &subscribers[topic])),
                }
            }
        }
        ready.sort_unstable();
        ready
            .into_iter()
            .filter_map(|id| self.hand_out(id))
            .collect()
    }

    /// Replaces waiting topic messages by one copy per subscriber; returns the copies' ids.
    fn copy_waiting(&mut self, ids: &BTreeSet<u64>, subscribers: &[String]) -> Vec<u64> {
        let mut copies = Vec::new();
        for id in ids {
            let Some(message) = self.take(*id) else {
                continue;
            };
            for function_id in subscribers {
                let copy = Message {
                    function_id: Some(function_id.clone()),
                    ..message.clone()
                };
                copies.push(self.add(copy));
            }
        }
        copies
    }

    /// Forgets a pending message, with its row.
    fn take(&mut self, id: u64) -> Option<Message> {
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

/// The handle of the queue store's owner task.
#[derive(Clone)]
pub(crate) struct Queues(Owner<QueueStore, Event>);

/// The change that hands `deliveries` to the firing owner, if any.
fn queued(deliveries: Vec<Delivery>) -> Option<Event> {
    (!deliveries.is_empty()).then_some(Event::Queued(deliveries))
}

impl Queues {
    /// Starts the task that owns `store`; its deliveries go to `changes`.
    pub(crate) fn spawn(
        store: QueueStore,
        changes: tokio::sync::mpsc::Sender<Event>,
        tasks: &Tasks,
    ) -> Self {
        Self(Owner::spawn(store, changes, tasks))
    }

    /// Publishes `data` to `topic`; `Ok` once committed.
    pub(crate) async fn publish(&self, topic: String, data: Value) -> Result<(), StoreError> {
        self.0
            .run(move |q| match q.publish(topic, data) {
                Ok(d) => (Ok(()), queued(d)),
                Err(e) => (Err(e), None),
            })
            .await?
    }

    /// Enqueues `data` for `function_id` on the named `queue`; `Ok` once committed.
    pub(crate) async fn enqueue(
        &self,
        queue: String,
        function_id: String,
        data: Value,
    ) -> Result<(), StoreError> {
        self.0
            .run(move |q| match q.enqueue(queue, function_id, data) {
                Ok(d) => (Ok(()), queued(d)),
                Err(e) => (Err(e), None),
            })
            .await?
    }

    /// Hands out the idle messages whose functions are there now.
    pub(crate) async fn redispatch(&self) -> Result<(), StoreError> {
        self.0.run(|q| ((), queued(q.redispatch()))).await
    }

    /// Settles a handed-out message.
    pub(crate) async fn settle(&self, id: u64, how: Settle) -> Result<(), StoreError> {
        self.0.run(move |q| (q.settle(id, how), None)).await
    }

    /// The dead letters of `topic` (all when `None`), oldest first.
    pub(crate) async fn dead_letters(
        &self,
        topic: Option<String>,
    ) -> Result<Vec<Value>, StoreError> {
        self.0
            .run(move |q| (q.dead_letters(topic.as_deref()), None))
            .await
    }
}

#[cfg(test)]
mod tests;
