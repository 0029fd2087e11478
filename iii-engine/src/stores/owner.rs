//! [`Owner`]: one task that owns one store and runs the commands sent to it in order, a batch
//! at a time (group commit).
//!
//! The task takes the commands that are waiting (up to [`BATCH`]), runs them one after the
//! other on the store, commits what they wrote ([`Store::commit`]) and only then answers them
//! and sends their changes on, in command order. So nothing is acknowledged, and no trigger
//! fires, before it is durable; and a burst of writes from many callers costs one commit.

use std::future::Future;

use tokio::sync::{mpsc, oneshot};

use super::db::StoreError;
use crate::tasks::Tasks;

/// Commands waiting for a store's owner at most; senders wait past it.
const COMMANDS: usize = 256;
/// Commands run between two commits at most.
const BATCH: usize = 256;

/// A store run by an [`Owner`].
pub(crate) trait Store: Send + 'static {
    /// Makes what the commands since the last call wrote durable. On error nothing of it is
    /// kept, and the store has gone back to what is durable.
    fn commit(&mut self) -> impl Future<Output = Result<(), StoreError>> + Send;
}

/// Answers a command once its batch is committed (or failed).
type Reply = Box<dyn FnOnce(Result<(), StoreError>) + Send>;

/// A command: runs on the store, and may yield a change to send on.
type Command<T, E> = Box<dyn FnOnce(&mut T) -> (Reply, Option<E>) + Send>;

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

impl<T: Store, E: Send + 'static> Owner<T, E> {
    /// Starts the task that owns `store`; the changes its commands make go to `changes`.
    pub(crate) fn spawn(store: T, changes: mpsc::Sender<E>, tasks: &Tasks) -> Self {
        let (tx, rx) = mpsc::channel(COMMANDS);
        tasks.spawn(serve(store, rx, changes, tasks.clone()));
        Self { tx }
    }

    /// Runs `f` on the store and returns its answer once what it wrote is committed; the
    /// change it returns (if any) is sent then too, before the next batch runs.
    pub(crate) async fn run<R, F>(&self, f: F) -> Result<R, StoreError>
    where
        R: Send + 'static,
        F: FnOnce(&mut T) -> (R, Option<E>) + Send + 'static,
    {
        let (answer, wait) = oneshot::channel();
        let command: Command<T, E> = Box::new(move |store| {
            let (r, change) = f(store);
            let reply: Reply = Box::new(move |committed| {
                let _ = answer.send(committed.map(|()| r));
            });
            (reply, change)
        });
        self.tx
            .send(command)
            .await
            .map_err(|_| StoreError::Stopping)?;
        wait.await.unwrap_or(Err(StoreError::Stopping))
    }
}

async fn serve<T: Store, E>(
    mut store: T,
    mut rx: mpsc::Receiver<Command<T, E>>,
    changes: mpsc::Sender<E>,
    tasks: Tasks,
) {
    let mut done = Vec::with_capacity(BATCH);
    loop {
        // Cancel-safe: `recv` loses nothing when the stop signal wins.
        let command = tokio::select! {
            command = rx.recv() => command,
            () = tasks.stopping() => return,
        };
        let Some(command) = command else { return };
        done.push(command(&mut store));
        while done.len() < BATCH {
            let Ok(command) = rx.try_recv() else { break };
            done.push(command(&mut store));
        }
        // Not raced against the stop signal: a commit that started finishes, so that what
        // it acknowledges is what the disk holds.
        let committed = store.commit().await;
        if let Err(e) = &committed {
            tracing::error!(
                "{e}; the {} command(s) of this batch were not kept",
                done.len()
            );
        }
        for (reply, change) in done.drain(..) {
            reply(committed.clone());
            if let (Ok(()), Some(change)) = (&committed, change) {
                // Waiting here is the back-pressure of the firing inbox (see `crate::events`).
                tokio::select! {
                    _ = changes.send(change) => {}
                    () = tasks.stopping() => return,
                }
            }
        }
    }
}
