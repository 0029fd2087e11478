//! The dead-letter list of durable queues: messages whose every delivery attempt failed, kept
//! for `engine::queue::dlq_messages`. Bounded to the latest 10 000 messages and 64 MiB of
//! them (as JSON); the oldest go first.

use std::collections::VecDeque;
use std::sync::{Mutex, PoisonError};

use serde_json::Value;

/// Dead letters kept at most.
const CAPACITY: usize = 10_000;
/// Bytes of dead letters (as JSON) kept at most.
const MAX_BYTES: usize = 64 * 1024 * 1024;

#[derive(Default)]
struct List {
    entries: VecDeque<(Value, usize)>,
    bytes: usize,
}

/// The list; its lock is held for one push or one copy, never across an `.await`.
#[derive(Default)]
pub(crate) struct DeadLetters {
    list: Mutex<List>,
}

impl DeadLetters {
    /// Keeps `entry`, dropping the oldest ones past the bounds.
    pub(crate) fn push(&self, entry: Value) {
        let bytes = entry.to_string().len();
        let mut list = self.list.lock().unwrap_or_else(PoisonError::into_inner);
        while !list.entries.is_empty()
            && (list.entries.len() >= CAPACITY || list.bytes + bytes > MAX_BYTES)
        {
            if let Some((_, gone)) = list.entries.pop_front() {
                list.bytes -= gone;
            }
        }
        list.bytes += bytes;
        list.entries.push_back((entry, bytes));
    }

    /// The entries whose `topic` is `topic` (all when `None`), oldest first.
    pub(crate) fn list(&self, topic: Option<&str>) -> Vec<Value> {
        let list = self.list.lock().unwrap_or_else(PoisonError::into_inner);
        list.entries
            .iter()
            .map(|(m, _)| m)
            .filter(|m| topic.is_none_or(|t| m["topic"] == *t))
            .cloned()
            .collect()
    }
}
