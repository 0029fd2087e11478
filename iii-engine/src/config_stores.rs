//! The settings of the stores: where each keeps its data ([`Persistence`]) and how the named
//! queues of the `enqueue` action behave ([`QueueSettings`]).

use std::path::{Path, PathBuf};
use std::time::Duration;

/// Where the stores keep their data. A store without a path keeps it in memory only (lost
/// when the engine stops); a store with one keeps it in an SQLite database at that path
/// (created when missing), which needs the crate's `sqlite` feature.
///
/// Every write is committed before it is acknowledged (see the crate docs for what that
/// guarantees).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Persistence {
    /// The `state::*` values.
    pub state: Option<PathBuf>,
    /// The `stream::*` items.
    pub streams: Option<PathBuf>,
    /// Durable queue messages: pending ones and the dead-letter list.
    pub queues: Option<PathBuf>,
    /// Cron bookkeeping: the last tick each cron job fired.
    pub cron: Option<PathBuf>,
}

impl Persistence {
    /// Every store in `dir`: `state.sqlite3`, `streams.sqlite3`, `queues.sqlite3` and
    /// `cron.sqlite3`.
    pub fn in_dir(dir: &Path) -> Self {
        Self {
            state: Some(dir.join("state.sqlite3")),
            streams: Some(dir.join("streams.sqlite3")),
            queues: Some(dir.join("queues.sqlite3")),
            cron: Some(dir.join("cron.sqlite3")),
        }
    }

    /// Whether every store is kept in memory only.
    pub fn is_memory(&self) -> bool {
        self == &Self::default()
    }
}

/// How one named queue (the `enqueue` invocation action's `queue`) delivers its messages;
/// `None` fields take the engine's defaults.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct QueueSettings {
    /// Delivery attempts of a message before it is dead-lettered (`max_retries` + 1).
    pub max_attempts: Option<u32>,
    /// Delay before the first retry, doubled on every further one (`backoff_ms`).
    pub backoff: Option<Duration>,
    /// Deliveries in flight at once (`concurrency`); a FIFO queue delivers one at a time.
    pub concurrency: Option<usize>,
    /// `type: fifo`: one message at a time, in enqueue order, retries included.
    pub fifo: bool,
    /// For a FIFO queue, the field every payload must carry (non-null); an enqueue without
    /// it is refused, as the real engine does.
    pub message_group_field: Option<String>,
}

impl QueueSettings {
    /// Deliveries in flight at once, given the engine's default.
    pub fn limit(&self, default: usize) -> usize {
        if self.fifo {
            1
        } else {
            self.concurrency.filter(|n| *n > 0).unwrap_or(default)
        }
    }
}
