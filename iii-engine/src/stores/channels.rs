//! Data channels (`engine::channels::create`): bounded pipes of text and binary items with a
//! writer end and a reader end, each attached by a WebSocket on
//! `/ws/channels/{channel_id}?key=<access_key>&dir=read|write` or held by the engine itself
//! (the HTTP server writes request bodies and reads streamed responses through them).
//!
//! Limits: at most `buffer_size` items (default 64, at most 1024) and, for items written by a
//! worker's socket, at most 16 MiB are buffered per channel and 256 MiB over all channels;
//! past any of them, the engine stops reading the writer's socket until the reader catches up.
//! A reader whose writer never attached (or died without closing) ends with an error.
//!
//! Each end has its own access key, so the reference handed to a reader cannot open the
//! writer (nor the other way round). An end is handed out once. Closing the writer ends the
//! stream for the reader once the buffered items are read. Ends nobody attached are dropped after
//! [`EngineConfig::channel_ttl`](crate::EngineConfig::channel_ttl), when the request that made
//! them ends, or when the worker that created them disconnects.
//!
//! The table of unattached ends is private to [`Channels`] and locked for one map operation
//! at a time; an HTTP request takes it twice (to create its two channels and to forget the
//! ends its worker did not attach).

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use iii_protocol::Uuid;
use iii_protocol::http::ChannelRef;
use tokio::sync::{Notify, Semaphore, mpsc};

#[cfg(test)]
use super::channel_pipe::MAX_BUFFER_BYTES;
use super::channel_pipe::MAX_TOTAL_BUFFER_BYTES;
pub(crate) use super::channel_pipe::{Item, Packet, Writer};

use crate::tasks::Tasks;

/// Items buffered when the creator does not say.
pub(crate) const DEFAULT_BUFFER: usize = 64;
/// The most items a channel may buffer.
pub(crate) const MAX_BUFFER: usize = 1024;
/// Which end of a channel a socket attaches to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The reading end.
    Read,
    /// The writing end.
    Write,
}

impl Direction {
    /// Parses the `dir` query parameter.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }
}

/// An end taken out of the table.
pub(crate) enum End {
    /// Receives what the writer sends.
    Reader(mpsc::Receiver<Packet>),
    /// Sends to the reader.
    Writer(Writer),
}

/// Why an end cannot be attached.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TakeError {
    /// No such channel, or the key does not match (not told apart, to leak nothing).
    NotFound,
    /// That end is attached already.
    Taken,
}

/// The access keys of a channel's two ends.
#[derive(Clone)]
pub(crate) struct Keys {
    read: String,
    write: String,
}

impl Keys {
    fn new() -> Self {
        Self {
            read: Uuid::new_v4().to_string(),
            write: Uuid::new_v4().to_string(),
        }
    }

    /// The key of one end.
    pub(crate) fn of(&self, direction: Direction) -> &str {
        match direction {
            Direction::Read => &self.read,
            Direction::Write => &self.write,
        }
    }
}

struct Entry {
    keys: Keys,
    writer: Option<Writer>,
    reader: Option<mpsc::Receiver<Packet>>,
    created: Instant,
    owner: Option<Uuid>,
    /// Notified when a socket attaches the writer.
    writer_attached: Arc<Notify>,
}

impl Entry {
    /// Before the entry goes: a reader attached to a writer that never came ends with an
    /// error, not as if the stream were complete.
    fn abandon(&self, why: &str) {
        if self.reader.is_none()
            && let Some(writer) = &self.writer
        {
            writer.abort(why.to_owned());
        }
    }
}

/// A freshly created channel.
pub(crate) struct Created {
    pub(crate) id: Uuid,
    pub(crate) keys: Keys,
    pub(crate) writer_attached: Arc<Notify>,
}

impl Created {
    /// The reference a worker uses for one end: `{channel_id, access_key, direction}`.
    pub(crate) fn reference(&self, direction: Direction) -> ChannelRef {
        let dir = match direction {
            Direction::Read => "read",
            Direction::Write => "write",
        };
        ChannelRef {
            channel_id: self.id.to_string(),
            access_key: self.keys.of(direction).to_owned(),
            direction: dir.to_owned(),
        }
    }
}

/// Every channel with at least one end not attached yet.
struct Table {
    map: HashMap<Uuid, Entry>,
    /// The byte budget all channels share.
    total: Arc<Semaphore>,
}

impl Default for Table {
    fn default() -> Self {
        Self {
            map: HashMap::new(),
            total: Arc::new(Semaphore::new(MAX_TOTAL_BUFFER_BYTES)),
        }
    }
}

/// The channel store.
#[derive(Default)]
pub(crate) struct Channels {
    table: Mutex<Table>,
}

impl Channels {
    fn table(&self) -> MutexGuard<'_, Table> {
        self.table.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Creates a channel buffering `buffer` items (clamped to `1..=MAX_BUFFER`).
    pub(crate) fn create(&self, buffer: usize, owner: Option<Uuid>) -> Created {
        self.table().create(buffer, owner)
    }

    /// Creates the two channels of an HTTP request in one go and takes, for the engine, the
    /// writer of the first and the reader of the second.
    pub(crate) fn create_request_pair(
        &self,
    ) -> (
        Created,
        Created,
        Option<mpsc::Sender<Packet>>,
        Option<mpsc::Receiver<Packet>>,
    ) {
        let mut table = self.table();
        let request = table.create(DEFAULT_BUFFER, None);
        let response = table.create(DEFAULT_BUFFER, None);
        let writer = table.take_writer(request.id);
        let reader = table.take_reader(response.id);
        (request, response, writer, reader)
    }

    /// Hands out one end to a socket that presented `key`.
    pub(crate) fn attach(&self, id: Uuid, key: &str, dir: Direction) -> Result<End, TakeError> {
        self.table().attach(id, key, dir)
    }

    /// Drops whatever ends of these channels are still unattached.
    pub(crate) fn remove(&self, ids: &[Uuid]) {
        let mut table = self.table();
        for id in ids {
            table.map.remove(id);
        }
    }

    /// Drops the unattached ends of every channel `owner` created.
    pub(crate) fn release_owner(&self, owner: Uuid) {
        self.table().map.retain(|_, e| {
            let keep = e.owner != Some(owner);
            if !keep {
                e.abandon(
                    "the worker that created this channel disconnected before a writer attached",
                );
            }
            keep
        });
    }

    /// Drops unattached ends older than `ttl`, every quarter of it, until the engine stops.
    pub(crate) async fn sweep_every(self: Arc<Self>, ttl: Duration, tasks: Tasks) {
        let period = (ttl / 4).clamp(Duration::from_millis(10), Duration::from_secs(30));
        loop {
            tokio::select! {
                () = tokio::time::sleep(period) => {}
                () = tasks.stopping() => return,
            }
            let swept = self.table().sweep(ttl);
            if swept > 0 {
                tracing::debug!("swept {swept} channel(s) nobody connected to within {ttl:?}");
            }
        }
    }
}

impl Table {
    /// Creates a channel buffering `buffer` items (clamped to `1..=MAX_BUFFER`).
    fn create(&mut self, buffer: usize, owner: Option<Uuid>) -> Created {
        let (tx, rx) = mpsc::channel(buffer.clamp(1, MAX_BUFFER));
        let tx = Writer::new(tx, self.total.clone());
        let created = Created {
            id: Uuid::new_v4(),
            keys: Keys::new(),
            writer_attached: Arc::new(Notify::new()),
        };
        self.map.insert(
            created.id,
            Entry {
                keys: created.keys.clone(),
                writer: Some(tx),
                reader: Some(rx),
                created: Instant::now(),
                owner,
                writer_attached: created.writer_attached.clone(),
            },
        );
        created
    }

    /// Hands out one end to a socket that presented `key`.
    fn attach(&mut self, id: Uuid, key: &str, dir: Direction) -> Result<End, TakeError> {
        let entry = self
            .map
            .get_mut(&id)
            .filter(|e| e.keys.of(dir) == key)
            .ok_or(TakeError::NotFound)?;
        let end = match dir {
            Direction::Read => entry.reader.take().map(End::Reader),
            Direction::Write => entry.writer.take().map(End::Writer),
        }
        .ok_or(TakeError::Taken)?;
        if dir == Direction::Write {
            entry.writer_attached.notify_one();
        }
        self.forget_if_done(id);
        Ok(end)
    }

    /// Takes the writer for the engine itself.
    fn take_writer(&mut self, id: Uuid) -> Option<mpsc::Sender<Packet>> {
        let writer = self.map.get_mut(&id)?.writer.take().map(|w| w.tx);
        self.forget_if_done(id);
        writer
    }

    /// Takes the reader for the engine itself.
    fn take_reader(&mut self, id: Uuid) -> Option<mpsc::Receiver<Packet>> {
        let reader = self.map.get_mut(&id)?.reader.take();
        self.forget_if_done(id);
        reader
    }

    /// Drops the unattached ends of channels older than `ttl`; returns how many went.
    fn sweep(&mut self, ttl: Duration) -> usize {
        let before = self.map.len();
        self.map.retain(|_, e| {
            let keep = e.created.elapsed() < ttl;
            if !keep {
                e.abandon(&format!(
                    "no writer attached to this channel within {ttl:?}"
                ));
            }
            keep
        });
        before - self.map.len()
    }

    fn forget_if_done(&mut self, id: Uuid) {
        if self
            .map
            .get(&id)
            .is_some_and(|e| e.writer.is_none() && e.reader.is_none())
        {
            self.map.remove(&id);
        }
    }
}

#[cfg(test)]
#[path = "channels_tests.rs"]
mod tests;
