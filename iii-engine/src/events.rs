//! Changes that fire triggers, as values: the stores' owners, the builtins, cron jobs and the
//! worker connections send an [`Event`] to the one owner of trigger firing (`crate::fire`)
//! through [`Fires`], and go on without waiting for any handler.
//!
//! The channel is bounded and a full one applies back-pressure (the sender waits): the owner
//! at the other end never awaits a handler, only hands each fire to its target's own queue, so
//! it drains at CPU speed and a wait here means the engine is saturated, never that one
//! subscriber is slow. Waiting is then the right answer, since dropping a state change or a
//! durable publish here would lose it for every subscriber at once.

use iii_protocol::Uuid;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot};

/// Events waiting for the firing owner at most.
pub(crate) const INBOX: usize = 4096;

/// One change that may fire triggers.
#[derive(Debug)]
pub(crate) enum Event {
    /// A `state::*` write: `old` or `new` is `null` for a creation or a deletion.
    State {
        scope: String,
        key: String,
        old: Value,
        new: Value,
    },
    /// A `stream::*` write; `event` is `create`, `update` or `delete`, or `event` for a
    /// `stream::send` (which stores nothing).
    Stream {
        stream: String,
        group: String,
        item: String,
        event: &'static str,
        data: Value,
    },
    /// A pub/sub `publish`: once to every subscribed function, without retries.
    Publish { topic: String, data: Value },
    /// Durable messages the queue store committed and hands to their functions (retried,
    /// settled back with the store once done).
    Queued(Vec<Delivery>),
    /// A cron tick of one binding; `done` is dropped once the fire has ended, so that the job
    /// never overlaps its own runs.
    Cron {
        trigger_id: String,
        payload: Value,
        done: oneshot::Sender<()>,
    },
    /// A worker connected, announced itself or disconnected (`engine::workers-available`).
    Worker { event: &'static str, worker: Uuid },
    /// The set of functions changed (`engine::functions-available`), with the current list.
    Functions { functions: Value },
}

/// One durable message for one function: a topic message (`iii::durable::publish`) for one of
/// its subscribers, or a message of a named queue (the `enqueue` invocation action).
#[derive(Debug, Clone)]
pub(crate) struct Delivery {
    /// The message's id in the queue store, to settle it by.
    pub(crate) id: u64,
    /// The topic, or the queue's name.
    pub(crate) topic: String,
    /// The function it goes to.
    pub(crate) function_id: String,
    /// A named-queue message (no subscription needed), rather than a topic message.
    pub(crate) named: bool,
    /// The published data, delivered as is.
    pub(crate) data: Value,
}

/// The sending side of the firing owner's inbox.
#[derive(Clone)]
pub(crate) struct Fires {
    tx: mpsc::Sender<Event>,
}

impl Fires {
    /// A new inbox of [`INBOX`] events.
    pub(crate) fn channel() -> (Self, mpsc::Receiver<Event>) {
        let (tx, rx) = mpsc::channel(INBOX);
        (Self { tx }, rx)
    }

    /// Sends an event, waiting for room. An inbox that is gone means the engine is stopping:
    /// the event has nobody to fire.
    pub(crate) async fn send(&self, event: Event) {
        let _ = self.tx.send(event).await;
    }

    /// The raw sender, for a store owner that emits its changes itself (in commit order).
    pub(crate) fn sender(&self) -> mpsc::Sender<Event> {
        self.tx.clone()
    }
}
