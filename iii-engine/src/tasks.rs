//! The engine's task set and its stop signal: every long-lived task is spawned through
//! [`Tasks`], so that [`EngineHandle::shutdown`](crate::EngineHandle::shutdown) can stop them
//! all and wait for them (tokio-util's `TaskTracker` and `CancellationToken`).

use std::future::Future;

use tokio::task::JoinHandle;
use tokio_util::sync::{CancellationToken, WaitForCancellationFuture};
use tokio_util::task::TaskTracker;

/// A clonable handle on the engine's tasks.
#[derive(Clone, Debug, Default)]
pub(crate) struct Tasks {
    tracker: TaskTracker,
    stop: CancellationToken,
}

impl Tasks {
    /// Spawns a task that shutdown waits for.
    pub(crate) fn spawn<F>(&self, fut: F) -> JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        self.tracker.spawn(fut)
    }

    /// Resolves once the engine is stopping. Cancel-safe: it only observes a token.
    pub(crate) fn stopping(&self) -> WaitForCancellationFuture<'_> {
        self.stop.cancelled()
    }

    /// Tells every task to stop; idempotent.
    pub(crate) fn stop(&self) {
        self.stop.cancel();
        self.tracker.close();
    }

    /// Waits until every task spawned through this set has ended (after [`Tasks::stop`]).
    pub(crate) async fn wait(&self) {
        self.tracker.wait().await;
    }
}
