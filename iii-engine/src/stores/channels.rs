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
//! at a time; an HTTP request takes it twice (to enter its two channels and to forget the
//! ends its worker did not attach). Those two are entered lazily (`super::lazy_channel`):
//! nothing but a key until a worker opens them.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

use bytes::Bytes;
use iii_protocol::Uuid;
use tokio::sync::{Semaphore, mpsc};

pub(crate) use super::channel_ends::{Created, Direction, End, Keys, RequestPair, TakeError};
#[cfg(test)]
use super::channel_pipe::MAX_BUFFER_BYTES;
use super::channel_pipe::MAX_TOTAL_BUFFER_BYTES;
pub(crate) use super::channel_pipe::{DEFAULT_BUFFER, Item, MAX_BUFFER, Packet, Writer};
pub(crate) use super::lazy_channel::CHUNK;
use super::lazy_channel::Lazy;

use crate::tasks::Tasks;

struct Entry {
    ends: Ends,
    created: Instant,
    owner: Option<Uuid>,
}

/// The ends of a channel that wait in the table.
enum Ends {
    /// A channel made whole (`engine::channels::create`, a streamed request body): each end
    /// waits here until it is attached.
    Made {
        keys: Keys,
        writer: Option<Writer>,
        reader: Option<mpsc::Receiver<Packet>>,
    },
    /// One of an HTTP request's channels, made when its worker end attaches.
    Lazy(Lazy),
}

impl Entry {
    /// The key that opens the `direction` end, if a worker may open it.
    fn key(&self, direction: Direction) -> Option<&str> {
        match &self.ends {
            Ends::Made { keys, .. } => Some(keys.of(direction)),
            Ends::Lazy(lazy) => lazy.key(direction),
        }
    }

    /// Before the entry goes: a reader attached to a writer that never came ends with an
    /// error, not as if the stream were complete.
    fn abandon(&self, why: &str) {
        if let Ends::Made {
            writer: Some(writer),
            reader: None,
            ..
        } = &self.ends
        {
            writer.abort(why.to_owned());
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

    /// Enters the two channels of an HTTP request in one go: `body` is the whole body, or
    /// `None` for one still arriving (its channel is then made at once, the engine holding
    /// the writer). The response channel is made when (if) its worker end attaches.
    pub(crate) fn open_request(&self, body: Option<Bytes>) -> RequestPair {
        let response_key = Uuid::new_v4().to_string();
        let (response_end, response_reader) = Lazy::response(response_key.clone());
        let response_id = Uuid::new_v4();
        let body_key = body.as_ref().map(|_| Uuid::new_v4().to_string());
        let mut table = self.table();
        let (request, body_writer) = match (body, body_key) {
            (Some(body), Some(key)) => {
                let id = Uuid::new_v4();
                table.insert(id, Ends::Lazy(Lazy::body(key.clone(), body)), None);
                ((id, key), None)
            }
            _ => {
                let created = table.create(DEFAULT_BUFFER, None);
                let writer = table.take_writer(created.id);
                let key = created.keys.of(Direction::Read).to_owned();
                ((created.id, key), writer)
            }
        };
        table.insert(response_id, Ends::Lazy(response_end), None);
        RequestPair {
            request,
            response: (response_id, response_key),
            body_writer,
            response_reader,
        }
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
        };
        let ends = Ends::Made {
            keys: created.keys.clone(),
            writer: Some(tx),
            reader: Some(rx),
        };
        self.insert(created.id, ends, owner);
        created
    }

    fn insert(&mut self, id: Uuid, ends: Ends, owner: Option<Uuid>) {
        let entry = Entry {
            ends,
            created: Instant::now(),
            owner,
        };
        self.map.insert(id, entry);
    }

    /// Hands out one end to a socket that presented `key`.
    fn attach(&mut self, id: Uuid, key: &str, dir: Direction) -> Result<End, TakeError> {
        let entry = self
            .map
            .get_mut(&id)
            .filter(|e| e.key(dir) == Some(key))
            .ok_or(TakeError::NotFound)?;
        let end = match &mut entry.ends {
            Ends::Made { writer, reader, .. } => match dir {
                Direction::Read => reader.take().map(End::Reader),
                Direction::Write => writer.take().map(End::Writer),
            }
            .ok_or(TakeError::Taken)?,
            // Its only worker end: the entry goes with it, so a second attach finds nothing,
            // as for a made channel whose other end the engine holds.
            Ends::Lazy(_) => {
                return match self.map.remove(&id).map(|e| e.ends) {
                    Some(Ends::Lazy(lazy)) => Ok(lazy.attach(&self.total)),
                    _ => Err(TakeError::NotFound),
                };
            }
        };
        self.forget_if_done(id);
        Ok(end)
    }

    /// Takes the writer for the engine itself.
    fn take_writer(&mut self, id: Uuid) -> Option<mpsc::Sender<Packet>> {
        let writer = match &mut self.map.get_mut(&id)?.ends {
            Ends::Made { writer, .. } => writer.take().map(|w| w.tx),
            Ends::Lazy(_) => None,
        };
        self.forget_if_done(id);
        writer
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
        let done = self.map.get(&id).is_some_and(|e| {
            matches!(
                e.ends,
                Ends::Made {
                    writer: None,
                    reader: None,
                    ..
                }
            )
        });
        if done {
            self.map.remove(&id);
        }
    }
}

#[cfg(test)]
#[path = "channels_tests.rs"]
mod tests;
