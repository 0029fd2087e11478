//! The [`ConnectionStatus`] a [`Worker`](crate::Worker) reports, and the status the service
//! publishes to its handles.

/// Where a worker's connection to the engine stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ConnectionStatus {
    /// Not started yet ([`Worker::connect`](crate::Worker::connect) not called).
    Idle,
    /// The first connection attempt is under way.
    Connecting,
    /// Connected; the registrations are on their way to the engine.
    Registering,
    /// The engine has read every registration (see [`Worker::ready`](crate::Worker::ready)):
    /// the worker is serving.
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

/// What the service publishes.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub(crate) connection: ConnectionStatus,
    /// Why the worker stopped for good, when the engine rejected it.
    pub(crate) fatal: Option<String>,
}
