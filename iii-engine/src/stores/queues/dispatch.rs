//! Handing messages out: a publish or an enqueue makes its messages (within the bounds), and
//! [`QueueStore::redispatch`] hands out the idle ones whose function is there now.

use std::collections::{BTreeSet, HashMap};

use serde_json::Value;

use super::store::{Group, MAX_PENDING, MAX_PENDING_BYTES, Message, QueueStore};
use crate::events::Delivery;
use crate::stores::db::StoreError;

impl QueueStore {
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
}
