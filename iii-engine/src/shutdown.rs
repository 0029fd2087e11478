//! The engine-wide stop signal and the tracker that lets shutdown wait for every task.

use std::future::Future;

use tokio::sync::{mpsc, watch};

/// A clonable view of the stop signal.
///
/// The signal fires when the [`EngineHandle`](crate::EngineHandle) sends it or is dropped, so a
/// forgotten handle never leaks servers.
#[derive(Clone)]
pub(crate) struct Shutdown {
    rx: watch::Receiver<bool>,
}

impl Shutdown {
    pub(crate) fn new() -> (watch::Sender<bool>, Self) {
        let (tx, rx) = watch::channel(false);
        (tx, Self { rx })
    }

    /// Resolves once the engine is stopping. Cancel-safe: it only observes a watch channel.
    pub(crate) async fn wait(&self) {
        let mut rx = self.rx.clone();
        // `wait_for` errs when the sender is gone, which means "stop" too.
        let _ = rx.wait_for(|stop| *stop).await;
    }
}

/// Counts live tasks: each holds a clone of the sender, and [`TaskTracker::wait`] resolves when
/// every clone is gone.
pub(crate) struct TaskTracker {
    tx: mpsc::Sender<()>,
}

impl TaskTracker {
    pub(crate) fn new() -> (Self, mpsc::Receiver<()>) {
        let (tx, rx) = mpsc::channel(1);
        (Self { tx }, rx)
    }

    /// Spawns a task that the engine waits for at shutdown.
    pub(crate) fn spawn<F>(&self, fut: F) -> tokio::task::JoinHandle<()>
    where
        F: Future<Output = ()> + Send + 'static,
    {
        let token = self.tx.clone();
        tokio::spawn(async move {
            fut.await;
            drop(token);
        })
    }
}

/// Waits until every tracked task has ended.
pub(crate) async fn all_done(mut rx: mpsc::Receiver<()>) {
    // Nobody sends; `recv` returns `None` once every sender clone is dropped.
    while rx.recv().await.is_some() {}
}
