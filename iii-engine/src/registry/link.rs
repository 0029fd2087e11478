//! [`Link`]: the engine's side of one worker connection as everyone else sees it: the queue of
//! frames towards its socket, and the invocations delivered to it and not answered yet.
//!
//! The table of unanswered invocations belongs to the link, not to a global registry: a call
//! registers under the link's own lock (uncontended but for concurrent callers of the same
//! worker), the connection's read loop completes it, and the connection's cleanup answers what
//! is left `invocation_stopped`. Once the link is closed no call can register, so none is left
//! waiting for an answer that cannot come.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard, PoisonError};

use iii_protocol::Uuid;
use tokio::sync::{Notify, mpsc, oneshot};
use tokio_util::sync::CancellationToken;

use crate::codec::{Outcome, stopped};

/// Unanswered invocations, by id.
#[derive(Default)]
struct Calls {
    /// False once the connection is cleaning up.
    closed: bool,
    map: HashMap<Uuid, oneshot::Sender<Outcome>>,
    /// Size past which abandoned entries (callers that timed out) are swept.
    sweep_at: usize,
}

/// What became of a frame handed to [`Link::send`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sent {
    /// Queued towards the socket.
    Queued,
    /// Larger than the worker accepts ([`Link::max_message`]); not sent.
    TooLarge,
    /// The connection is ending.
    Closed,
}

/// One connected worker, shared by the connection and the callers of its functions.
pub(crate) struct Link {
    outbound: mpsc::Sender<String>,
    /// The largest message the worker accepts: nothing larger is queued.
    max_message: usize,
    calls: Mutex<Calls>,
    /// Cancelled to make the connection close itself (reattach eviction).
    pub(crate) evict: CancellationToken,
    /// Cancelled once the connection's cleanup is done (the worker is gone from the registry);
    /// a reattaching connection waits for it, and calls this worker made are cancelled by it.
    pub(crate) gone: CancellationToken,
    /// Notified when the worker announces itself, so that its connection logs a summary.
    pub(crate) announced: Notify,
}

/// Entries kept before the first sweep of abandoned calls.
const SWEEP_FLOOR: usize = 64;

impl Link {
    /// A link whose frames, none over `max_message` bytes, go to `outbound`.
    pub(crate) fn new(outbound: mpsc::Sender<String>, max_message: usize) -> Self {
        Self {
            outbound,
            max_message,
            calls: Mutex::default(),
            evict: CancellationToken::new(),
            gone: CancellationToken::new(),
            announced: Notify::new(),
        }
    }

    fn calls(&self) -> MutexGuard<'_, Calls> {
        self.calls.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Queues a frame towards the socket, waiting for room, unless it is larger than the
    /// worker accepts: one oversized frame would make the worker drop the connection, and
    /// every call on it with the connection.
    pub(crate) async fn send(&self, frame: String) -> Sent {
        if frame.len() > self.max_message {
            return Sent::TooLarge;
        }
        match self.outbound.send(frame).await {
            Ok(()) => Sent::Queued,
            Err(_) => Sent::Closed,
        }
    }

    /// The largest message the worker accepts, in bytes.
    pub(crate) fn max_message(&self) -> usize {
        self.max_message
    }

    /// Resolves when the writer has ended (the worker stopped reading or the socket failed).
    pub(crate) async fn writer_gone(&self) {
        self.outbound.closed().await;
    }

    /// Registers an invocation to deliver, under `preferred` when that id is free. `None` once
    /// the connection is cleaning up.
    pub(crate) fn expect(
        &self,
        preferred: Option<Uuid>,
    ) -> Option<(Uuid, oneshot::Receiver<Outcome>)> {
        let mut calls = self.calls();
        if calls.closed {
            return None;
        }
        let id = match preferred {
            Some(id) if !calls.map.contains_key(&id) => id,
            _ => Uuid::new_v4(),
        };
        if calls.map.len() >= calls.sweep_at.max(SWEEP_FLOOR) {
            calls.map.retain(|_, tx| !tx.is_closed());
            calls.sweep_at = calls.map.len() * 2;
        }
        let (tx, rx) = oneshot::channel();
        calls.map.insert(id, tx);
        Some((id, rx))
    }

    /// Answers an invocation; `false` for an unknown id (a late or duplicate answer).
    pub(crate) fn complete(&self, id: Uuid, outcome: Outcome) -> bool {
        let waiter = self.calls().map.remove(&id);
        match waiter {
            Some(tx) => {
                let _ = tx.send(outcome);
                true
            }
            None => false,
        }
    }

    /// Forgets an invocation whose caller stopped waiting.
    pub(crate) fn forget(&self, id: Uuid) {
        self.calls().map.remove(&id);
    }

    /// Closes the table and answers every invocation left `invocation_stopped`; returns how
    /// many there were.
    pub(crate) fn stop_all(&self) -> usize {
        let waiters: Vec<_> = {
            let mut calls = self.calls();
            calls.closed = true;
            calls.map.drain().map(|(_, tx)| tx).collect()
        };
        let stopped_count = waiters.len();
        for tx in waiters {
            let _ = tx.send(Err(stopped()));
        }
        stopped_count
    }

    /// Invocations delivered and not answered yet.
    pub(crate) fn in_flight(&self) -> usize {
        self.calls()
            .map
            .values()
            .filter(|tx| !tx.is_closed())
            .count()
    }
}
