//! [`Owner`]: one task that owns one store and runs the commands sent to it in order.

use tokio::sync::{mpsc, oneshot};

use crate::tasks::Tasks;

/// Commands waiting for a store's owner at most; senders wait past it.
const COMMANDS: usize = 256;

/// A command: runs on the store, and may yield a change to send on.
type Command<T, E> = Box<dyn FnOnce(&mut T) -> Option<E> + Send>;

/// The handle of a store owned by a task: cheap to clone, no lock.
pub(crate) struct Owner<T, E> {
    tx: mpsc::Sender<Command<T, E>>,
}

impl<T, E> Clone for Owner<T, E> {
    fn clone(&self) -> Self {
        Self {
            tx: self.tx.clone(),
        }
    }
}

impl<T: Send + 'static, E: Send + 'static> Owner<T, E> {
    /// Starts the task that owns `store`; the changes its commands make go to `changes`.
    pub(crate) fn spawn(store: T, changes: mpsc::Sender<E>, tasks: &Tasks) -> Self {
        let (tx, rx) = mpsc::channel(COMMANDS);
        tasks.spawn(serve(store, rx, changes, tasks.clone()));
        Self { tx }
    }

    /// Runs `f` on the store and returns its answer; the change it returns (if any) is sent
    /// before the next command runs. `None` when the engine is stopping.
    pub(crate) async fn run<R, F>(&self, f: F) -> Option<R>
    where
        R: Send + 'static,
        F: FnOnce(&mut T) -> (R, Option<E>) + Send + 'static,
    {
        let (answer, wait) = oneshot::channel();
        let command: Command<T, E> = Box::new(move |store| {
            let (r, change) = f(store);
            let _ = answer.send(r);
            change
        });
        self.tx.send(command).await.ok()?;
        wait.await.ok()
    }
}

async fn serve<T, E>(
    mut store: T,
    mut rx: mpsc::Receiver<Command<T, E>>,
    changes: mpsc::Sender<E>,
    tasks: Tasks,
) {
    loop {
        // Cancel-safe: `recv` loses nothing when the stop signal wins.
        let command = tokio::select! {
            command = rx.recv() => command,
            () = tasks.stopping() => return,
        };
        let Some(command) = command else { return };
        if let Some(change) = command(&mut store) {
            // Waiting here is the back-pressure of the firing inbox (see `crate::events`).
            tokio::select! {
                _ = changes.send(change) => {}
                () = tasks.stopping() => return,
            }
        }
    }
}
