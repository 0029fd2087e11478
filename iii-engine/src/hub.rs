//! The state every task shares: configuration, the registry, the stores of the builtin
//! workers, and the stop signal.

use std::sync::{Arc, Mutex, MutexGuard, PoisonError};

use iii_protocol::{Message, Uuid};
use tokio::sync::{Notify, Semaphore};

use crate::channels::Channels;
use crate::config::EngineConfig;
use crate::queue::Queues;
use crate::registry::Registry;
use crate::shutdown::{Shutdown, TaskTracker};
use crate::state::StateStore;
use crate::streams::StreamStore;

/// Shared by every task of one engine through an `Arc`.
pub(crate) struct Hub {
    pub(crate) config: EngineConfig,
    pub(crate) registry: Mutex<Registry>,
    pub(crate) state: Mutex<StateStore>,
    pub(crate) queues: Mutex<Queues>,
    pub(crate) streams: Mutex<StreamStore>,
    pub(crate) channels: Mutex<Channels>,
    /// One permit per HTTP request in flight (`concurrency_request_limit`).
    pub(crate) http_permits: Arc<Semaphore>,
    /// Notified whenever the set of functions may have changed.
    pub(crate) functions_changed: Notify,
    pub(crate) shutdown: Shutdown,
    pub(crate) tasks: TaskTracker,
}

/// Locks a mutex, ignoring poisoning: every critical section leaves the tables consistent.
pub(crate) fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}

impl Hub {
    pub(crate) fn new(config: EngineConfig, shutdown: Shutdown, tasks: TaskTracker) -> Self {
        Self {
            http_permits: Arc::new(Semaphore::new(
                config
                    .concurrency_request_limit
                    .clamp(1, Semaphore::MAX_PERMITS),
            )),
            config,
            registry: Mutex::default(),
            state: Mutex::default(),
            queues: Mutex::default(),
            streams: Mutex::default(),
            channels: Mutex::default(),
            functions_changed: Notify::new(),
            shutdown,
            tasks,
        }
    }

    pub(crate) fn registry(&self) -> MutexGuard<'_, Registry> {
        lock(&self.registry)
    }

    /// Queues a frame towards a worker; a worker that is gone is ignored.
    pub(crate) async fn send_to(&self, worker: Uuid, message: &Message) {
        let tx = self.registry().workers.get(&worker).map(|w| w.tx.clone());
        if let Some(tx) = tx {
            // A closed channel means the connection is tearing down; nothing to do.
            let _ = tx.send(message.encode()).await;
        }
    }
}
