//! The sending side of one connection: the queues the transport's writer drains, shared by
//! everything that answers or calls over that connection, and the connection's secret.

use iii_protocol::Message;
use tokio::sync::mpsc;

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
            },
            queues,
        )
    }

    /// Puts an answer on the bounded data queue without waiting. A full queue means the
    /// engine sends faster than it reads our answers: rather than buffer without bound, the
    /// connection is closed, and the engine answers what it had sent with
    /// `invocation_stopped`.
    pub(crate) fn send_now(&self, message: Message) {
        if self
            .data
            .try_send(Outgoing::Frame(message.encode()))
            .is_err()
        {
            tracing::error!(
                "the engine is not reading this worker's answers; closing the connection"
            );
            let _ = self.control.send(Outgoing::Close);
        }
    }
}
