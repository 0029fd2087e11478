//! The connection state a [`Worker`](crate::Worker) reports.

use tokio::sync::mpsc;

use crate::transport::Outgoing;

/// Where a worker's connection to the engine stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionState {
    /// Not started yet ([`Worker::connect`](crate::Worker::connect) not called).
    Idle,
    /// The first connection attempt is under way.
    Connecting,
    /// Connected; the registrations are on their way to the engine.
    Registering,
    /// The engine has applied every registration: the worker is serving.
    Ready,
    /// The connection failed or dropped; retrying with backoff.
    Reconnecting {
        /// How many attempts failed in a row.
        attempt: u32,
    },
    /// Shutting down: running invocations finish, new ones are refused.
    Draining,
    /// Shut down for good.
    Closed,
}

/// What the service publishes: the state, and while ready, the queue to write calls to.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub(crate) state: ConnectionState,
    /// The ready connection's data queue and generation.
    pub(crate) link: Option<(mpsc::Sender<Outgoing>, u64)>,
}
