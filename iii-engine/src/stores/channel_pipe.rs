//! What travels through a data channel ([`Item`], in a [`Packet`] holding its room in the
//! byte budget) and the writing side of one ([`Writer`]): the queue and its byte budget.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{OwnedSemaphorePermit, Semaphore, mpsc};

/// Items buffered when the creator does not say.
pub(crate) const DEFAULT_BUFFER: usize = 64;
/// The most items a channel may buffer.
pub(crate) const MAX_BUFFER: usize = 1024;
/// The most bytes a channel buffers from a worker's writer socket; past it the engine stops
/// reading that socket until the reader catches up (one larger message may go through alone).
pub(crate) const MAX_BUFFER_BYTES: usize = 16 * 1024 * 1024;
/// The most bytes all channels together buffer from writer sockets; past it every writer
/// waits until readers catch up.
pub(crate) const MAX_TOTAL_BUFFER_BYTES: usize = 256 * 1024 * 1024;

/// One item travelling through a channel: a WebSocket text or binary message.
#[derive(Debug)]
pub(crate) enum Item {
    /// A text message (control messages of streamed HTTP responses, for example).
    Text(String),
    /// A binary message (body bytes).
    Binary(Bytes),
    /// The writer went away without closing its end (its socket failed or was dropped): the
    /// reader's stream ends with this error rather than cleanly.
    Aborted(String),
}

/// An item in a channel, with the room it takes in the channel's byte budget (given back when
/// the reader takes the item out).
#[derive(Debug)]
pub(crate) struct Packet {
    pub(crate) item: Item,
    /// Room in the channel's budget, then in the budget of all channels.
    _room: Option<(OwnedSemaphorePermit, OwnedSemaphorePermit)>,
}

impl Packet {
    /// An item the engine writes itself (bounded by what it writes, so not counted).
    pub(crate) fn engine(item: Item) -> Self {
        Self { item, _room: None }
    }
}

/// The writing side of a channel: the queue and its byte budgets.
pub(crate) struct Writer {
    pub(crate) tx: mpsc::Sender<Packet>,
    budget: Arc<Semaphore>,
    total: Arc<Semaphore>,
}

impl Writer {
    /// Queues an item after waiting for room for its bytes; `Err` when the reader is gone.
    pub(crate) async fn send(&self, item: Item) -> Result<(), ()> {
        let len = match &item {
            Item::Text(t) | Item::Aborted(t) => t.len(),
            Item::Binary(b) => b.len(),
        };
        let cost = u32::try_from(len.clamp(1, MAX_BUFFER_BYTES)).unwrap_or(u32::MAX);
        // Always the channel's room first, then the shared one: one order, no deadlock.
        let own = self.budget.clone().acquire_many_owned(cost);
        let own = own.await.map_err(|_| ())?;
        let shared = self.total.clone().acquire_many_owned(cost);
        let shared = shared.await.map_err(|_| ())?;
        let packet = Packet {
            item,
            _room: Some((own, shared)),
        };
        self.tx.send(packet).await.map_err(|_| ())
    }

    /// Resolves once the reader is gone. Cancel-safe.
    pub(crate) async fn closed(&self) {
        self.tx.closed().await;
    }

    /// Tells the reader that the writer died, if there is room for it right away (a reader
    /// that does not read learns nothing more anyway).
    pub(crate) fn abort(&self, why: String) {
        let _ = self.tx.try_send(Packet::engine(Item::Aborted(why)));
    }
}

impl Writer {
    /// A writer onto `tx` whose items wait for room in its own budget of
    /// [`MAX_BUFFER_BYTES`], then in `total`, shared by every channel.
    pub(super) fn new(tx: mpsc::Sender<Packet>, total: Arc<Semaphore>) -> Self {
        let budget = Arc::new(Semaphore::new(MAX_BUFFER_BYTES));
        Self { tx, budget, total }
    }
}
