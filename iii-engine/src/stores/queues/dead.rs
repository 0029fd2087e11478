//! The dead-letter list of durable queues: messages whose every delivery attempt failed, kept
//! for `engine::queue::dlq_messages` (table `dead`, key the message's id). Bounded to the
//! latest [`CAPACITY`] messages and [`MAX_BYTES`] of them (as JSON); the oldest go first.

use std::collections::VecDeque;

use chrono::{SecondsFormat, Utc};
use iii_protocol::Uuid;
use serde_json::{Value, json};

use crate::stores::db::{Db, StoreError};

/// Dead letters kept at most.
pub(crate) const CAPACITY: usize = 10_000;
/// Bytes of dead letters (as JSON) kept at most.
pub(crate) const MAX_BYTES: usize = 64 * 1024 * 1024;

const TABLE: &str = "dead";

/// The key of message `id`: zero-padded, so that key order is id order.
pub(crate) fn id_key(id: u64) -> String {
    format!("{id:020}")
}

/// The list, oldest first: `(message id, entry, its size)`.
#[derive(Default)]
pub(crate) struct DeadLetters {
    entries: VecDeque<(u64, Value, usize)>,
    bytes: usize,
}

impl DeadLetters {
    /// The list kept in `db`. Blocking.
    pub(crate) fn load(db: &mut Db) -> Result<Self, StoreError> {
        let mut list = Self::default();
        for (key, entry) in db.load(TABLE)? {
            if let Some(id) = key.first().and_then(|k| k.parse().ok()) {
                let bytes = entry.to_string().len();
                list.bytes += bytes;
                list.entries.push_back((id, entry, bytes));
            }
        }
        Ok(list)
    }

    /// The highest message id in the list (0 when empty).
    pub(crate) fn last_id(&self) -> u64 {
        self.entries.iter().map(|(id, _, _)| *id).max().unwrap_or(0)
    }

    /// Keeps the entry of message `id`, dropping the oldest ones past the bounds.
    #[allow(clippy::too_many_arguments)]
    pub(crate) fn push(
        &mut self,
        db: &mut Db,
        id: u64,
        topic: &str,
        function_id: &str,
        data: Value,
        error: Value,
        attempts: u32,
    ) {
        let entry = json!({
            "id": Uuid::new_v4(), "topic": topic, "function_id": function_id,
            "data": data, "error": error, "attempts": attempts,
            "failed_at": Utc::now().to_rfc3339_opts(SecondsFormat::Millis, false),
        });
        let bytes = entry.to_string().len();
        while !self.entries.is_empty()
            && (self.entries.len() >= CAPACITY || self.bytes + bytes > MAX_BYTES)
        {
            if let Some((gone, _, size)) = self.entries.pop_front() {
                self.bytes -= size;
                db.delete(TABLE, &[&id_key(gone)]);
            }
        }
        db.put(TABLE, &[&id_key(id)], &entry);
        self.bytes += bytes;
        self.entries.push_back((id, entry, bytes));
    }

    /// The entries whose `topic` is `topic` (all when `None`), oldest first.
    pub(crate) fn list(&self, topic: Option<&str>) -> Vec<Value> {
        self.entries
            .iter()
            .map(|(_, m, _)| m)
            .filter(|m| topic.is_none_or(|t| m["topic"] == *t))
            .cloned()
            .collect()
    }
}
