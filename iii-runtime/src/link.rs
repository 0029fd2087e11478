//! The sending side of one connection: the queues the transport's writer drains, shared by
//! everything that answers or calls over that connection, and the connection's secret.

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

/// The sending side of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// Bounded queue for invocation results and calls.
    pub(crate) data: mpsc::Sender<Outgoing>,
    /// Queue for the service's registration frames and the close. Unbounded because only the
    /// service writes to it, and only as many frames as the user registers things: nothing a
    /// peer sends makes it grow (answers to the peer go on the bounded data queue).
    pub(crate) control: mpsc::UnboundedSender<Outgoing>,
    /// The secret this connection stamps its own triggers with.
    pub(crate) secret: Secret,
    /// Set once the engine is found not to read this connection's answers.
    abort: Arc<Abort>,
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
    /// A link and the queues its writer drains.
    pub(crate) fn new() -> (Self, Queues) {
        let (data, data_rx) = mpsc::channel(DATA_QUEUE);
        let (control, control_rx) = mpsc::unbounded_channel();
        let queues = Queues {
            control: control_rx,
            data: data_rx,
        };
        (
            Self {
                data,
                control,
                secret: Secret::new(),
                abort: Arc::default(),
            },
            queues,
        )
    }

    /// Puts an answer on the bounded data queue without waiting. A full queue means the
    /// engine sends faster than it reads our answers: rather than buffer without bound, the
    /// connection is dropped at once (a close frame would wait behind the answers it does not
    /// read) and the worker reconnects; the engine answers what it had sent with
    /// `invocation_stopped`. That is one event, logged once, however many answers follow.
    pub(crate) fn send_now(&self, message: Message) {
        if self
            .data
            .try_send(Outgoing::Frame(message.encode()))
            .is_err()
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
