//! The [`ConnectionStatus`] a [`Worker`](crate::Worker) reports, the functions the engine
//! refused to it, and the status the service publishes to its handles.

use std::sync::Arc;

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

/// A function the engine refused to this worker because another live worker holds it
/// (`registrationrejected`, code `FUNCTION_NAMESPACE_CONFLICT`).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct Refusal {
    /// The function refused.
    pub function_id: String,
    /// The worker id of the connection that holds it, as the engine gives it.
    pub owner_worker_id: String,
    /// That worker's name, when the engine gives it (or the worker looked it up).
    pub owner_name: Option<String>,
}

impl Refusal {
    pub(crate) fn new(function_id: String, owner_worker_id: String) -> Self {
        Self {
            function_id,
            owner_worker_id,
            owner_name: None,
        }
    }
}

impl std::fmt::Display for Refusal {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let owner = if self.owner_worker_id.is_empty() {
            "the engine itself"
        } else {
            &self.owner_worker_id
        };
        match &self.owner_name {
            Some(name) => write!(
                f,
                "`{}` is held by worker {name:?} (id {owner})",
                self.function_id
            ),
            None => write!(f, "`{}` is held by worker {owner}", self.function_id),
        }
    }
}

/// What the service publishes.
#[derive(Debug, Clone)]
pub(crate) struct Status {
    pub(crate) connection: ConnectionStatus,
    /// Why the worker stopped for good, when the engine rejected it.
    pub(crate) fatal: Option<String>,
    /// The functions the engine refuses to this worker right now.
    pub(crate) refused: Arc<Vec<Refusal>>,
    /// Why the last connection attempt failed.
    pub(crate) connect_error: Option<Arc<str>>,
    /// The engine URL the worker connects to (it changes when the worker starts the
    /// development engine itself); `None` before the service publishes it.
    pub(crate) url: Option<Arc<str>>,
}

impl Status {
    pub(crate) fn new(connection: ConnectionStatus) -> Self {
        Self {
            connection,
            fatal: None,
            refused: Arc::default(),
            connect_error: None,
            url: None,
        }
    }
}
