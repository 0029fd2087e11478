//! The sending side of one connection: the queues the transport's writer drains, shared by
//! everything that answers or calls over that connection, the connection's secret, and the
//! transport's way of writing an answer at once when nothing is queued ahead of it.

use std::fmt;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use iii_protocol::Message;
use tokio::sync::{Notify, mpsc};

use crate::stamp::Secret;

/// Capacity of a connection's data queue (results and outbound calls). Senders wait when it
/// is full, which is the backpressure a slow engine exerts on handlers and callers.
const DATA_QUEUE: usize = 256;

/// A frame for the transport to write.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// An encoded protocol message.
    Frame(String),
    /// A WebSocket ping (keepalive).
    Ping,
    /// Send a close frame and end the connection.
    Close,
    /// Send a close frame with this code and reason (the peer sent something this side
    /// cannot take) and end the connection.
    Fail(u16, String),
}

/// The sending side of one connection: a handle to its [`Ends`], shared by every clone (one
/// count to raise per invocation that holds it, not one per queue and part).
#[derive(Debug, Clone)]
pub(crate) struct Link(Arc<Ends>);

/// What a [`Link`] shares.
#[derive(Debug)]
pub(crate) struct Ends {
    /// Bounded queue for invocation results and calls.
    pub(crate) data: mpsc::Sender<Outgoing>,
    /// Queue for the service's registration frames and the close. Unbounded because only the
    /// service writes to it, and only as many frames as the user registers things: nothing a
    /// peer sends makes it grow (answers to the peer go on the bounded data queue).
    pub(crate) control: mpsc::UnboundedSender<Outgoing>,
    /// The secret this connection stamps its own triggers with.
    pub(crate) secret: Secret,
    /// Set once the engine is found not to read this connection's answers.
    abort: Abort,
    /// Writes an answer without the queue when nothing waits in it (the transport's).
    direct: Option<Arc<dyn Direct>>,
}

impl Ends {
    /// New queues, and what makes the ends that send on them.
    fn queues() -> (Queues, impl FnOnce(Option<Arc<dyn Direct>>) -> Self) {
        let (data, data_rx) = mpsc::channel(DATA_QUEUE);
        let (control, control_rx) = mpsc::unbounded_channel();
        let queues = Queues {
            control: control_rx,
            data: data_rx,
        };
        let ends = move |direct| Self {
            data,
            control,
            secret: Secret::new(),
            abort: Abort::default(),
            direct,
        };
        (queues, ends)
    }
}

impl std::ops::Deref for Link {
    type Target = Ends;

    fn deref(&self) -> &Ends {
        &self.0
    }
}

/// Writing a frame at once, by the task that has it, instead of queueing it for the writer
/// task: what a handler that finished on the connection's reader answers with, so that no
/// other task is woken for it.
pub(crate) trait Direct: Send + Sync + fmt::Debug {
    /// Writes `frame` now when nothing queued or unwritten is ahead of it and the socket
    /// takes it without waiting; gives it back otherwise, to be queued. Once this returns
    /// `Ok` the frame is the connection's: a write that fails ends the connection.
    fn try_write(&self, frame: String) -> Result<(), String>;
}

/// The one event of an engine that stopped reading: raised once, however many answers find
/// the queue full, and waited for by the connection's reader.
#[derive(Debug, Default)]
struct Abort {
    raised: AtomicBool,
    notify: Notify,
}

/// The writer's ends of a [`Link`]'s queues.
pub(crate) struct Queues {
    pub(crate) control: mpsc::UnboundedReceiver<Outgoing>,
    pub(crate) data: mpsc::Receiver<Outgoing>,
}

impl Link {
    /// A link that only queues, and the queues its writer drains.
    #[cfg(test)]
    pub(crate) fn new() -> (Self, Queues) {
        let (queues, ends) = Ends::queues();
        (Self(Arc::new(ends(None))), queues)
    }

    /// A link whose answers `writer`, the transport made from its queues, writes at once
    /// when it can; and that writer.
    pub(crate) fn direct<W: Direct + 'static>(
        writer: impl FnOnce(Queues) -> Arc<W>,
    ) -> (Self, Arc<W>) {
        let (queues, ends) = Ends::queues();
        let writer = writer(queues);
        let ends = ends(Some(Arc::clone(&writer) as _));
        (Self(Arc::new(ends)), writer)
    }

    /// Sends an answer: written at once when nothing is queued ahead of it, else queued on
    /// the bounded data queue, waiting while it is full. Either way the frames of one
    /// connection leave in the order they were sent. A connection that is gone takes nothing
    /// (the engine has answered its calls).
    pub(crate) async fn answer(&self, frame: String) {
        if let Err(frame) = self.write_now(frame) {
            let _ = self.data.send(Outgoing::Frame(frame)).await;
        }
    }

    /// Writes `frame` at once if the transport can; gives it back otherwise.
    fn write_now(&self, frame: String) -> Result<(), String> {
        match &self.direct {
            Some(direct) => direct.try_write(frame),
            None => Err(frame),
        }
    }

    /// Sends an answer without waiting: written at once when it can be, else put on the
    /// bounded data queue. A full queue means the engine sends faster than it reads our
    /// answers: rather than buffer without bound, the connection is dropped at once (a close
    /// frame would wait behind the answers it does not read) and the worker reconnects; the
    /// engine answers what it had sent with `invocation_stopped`. That is one event, logged
    /// once, however many answers follow.
    pub(crate) fn send_now(&self, message: Message) {
        let Err(frame) = self.write_now(message.encode()) else {
            return;
        };
        if self.data.try_send(Outgoing::Frame(frame)).is_err()
            && !self.abort.raised.swap(true, Ordering::AcqRel)
        {
            tracing::error!(
                "the engine is not reading this worker's answers; dropping the connection to reconnect"
            );
            self.abort.notify.notify_waiters();
        }
    }

    /// Resolves once [`send_now`](Link::send_now) found the engine not reading. Cancel safe:
    /// the event is a flag, and a later call sees it.
    pub(crate) async fn aborted(&self) {
        loop {
            let notified = self.abort.notify.notified();
            tokio::pin!(notified);
            // Registered before the flag is read, so that a raise in between is not missed.
            notified.as_mut().enable();
            if self.abort.raised.load(Ordering::Acquire) {
                return;
            }
            notified.await;
        }
    }
}
