//! [`Worker`]: the cheap, cloneable handle through which user code registers functions and
//! triggers, calls other functions, watches the connection's status and shuts the worker
//! down.
//!
//! The handle holds the configuration, the sending end of the service's command queue and
//! the published status. It knows nothing of the service task behind it: starting one
//! ([`Worker::start`], [`Worker::connect`], [`Worker::ready`]) is `service::start`'s, above the
//! service it starts, and takes the service's ends of the channels from here.

use std::sync::{Arc, Mutex, Weak};

use tokio::sync::{mpsc, oneshot, watch};

use super::command::Command;
use crate::config::WorkerConfig;
use crate::error::{Error, Result};
use crate::status::{ConnectionStatus, Refusal, Status};

/// What answers a stubbed worker's calls in place of the engine (`iii::testing::MockCalls`):
/// the function called, its input, and whether it is a void call or an enqueue.
#[cfg(feature = "testing")]
pub(crate) trait CallStub: Send + Sync + std::fmt::Debug {
    /// The call's result, as the engine would have answered it.
    fn answer(
        &self,
        function_id: &str,
        input: &iii_protocol::RawValue,
        action: Option<&iii_protocol::InvokeAction>,
    ) -> Result<Option<Box<iii_protocol::RawValue>>>;
}

/// A connection to the iii engine and the functions it serves.
///
/// `Worker` is a handle: clone it freely. Registrations made before
/// [`connect`](Worker::connect) are sent once connected, and every registration is replayed
/// after a reconnect.
///
/// ```no_run
/// # async fn demo() -> iii::Result<()> {
/// use iii::{Trigger, Worker};
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Deserialize)]
/// struct AddInput { a: i64, b: i64 }
/// #[derive(Serialize, Deserialize)]
/// struct AddOutput { sum: i64 }
///
/// let worker = Worker::from_env();
/// worker.register_function("math.add", |input: AddInput| async move {
///     Ok(AddOutput { sum: input.a + input.b })
/// })?;
/// worker.connect().await?;
/// worker.register_trigger(Trigger::http("math.add", "POST", "add"));
/// let out: AddOutput = worker.invoke("math.add", serde_json::json!({"a": 5, "b": 3})).await?;
/// assert_eq!(out.sum, 8);
/// worker.disconnect().await;
/// # Ok(()) }
/// ```
#[derive(Clone)]
pub struct Worker {
    inner: Arc<Inner>,
}

struct Inner {
    config: Arc<WorkerConfig>,
    commands: mpsc::UnboundedSender<Command>,
    status: watch::Receiver<Status>,
    /// The service's ends of the channels, taken by the first start.
    startup: Mutex<Option<Startup>>,
    /// Answers every call instead of the engine (`iii::testing::MockCalls`).
    #[cfg(feature = "testing")]
    stub: Option<Arc<dyn CallStub>>,
}

/// The service's ends of a handle's channels: the commands to act on, and the status to
/// publish.
pub(crate) struct Startup {
    pub(crate) commands: mpsc::UnboundedReceiver<Command>,
    pub(crate) status: watch::Sender<Status>,
}

/// A handle that does not keep the worker alive: the service holds one, so that it ends once
/// every user handle is gone, and makes a [`Worker`] of it for each invocation.
#[derive(Clone)]
pub(crate) struct WeakWorker(Weak<Inner>);

impl WeakWorker {
    /// The worker, while any handle to it lives.
    pub(crate) fn upgrade(&self) -> Option<Worker> {
        self.0.upgrade().map(|inner| Worker { inner })
    }
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("url", &self.inner.config.url)
            .field("connection", &self.connection())
            .finish()
    }
}

/// Changes of a [`Worker`]'s [`ConnectionStatus`], from [`Worker::connection_events`].
///
/// Intermediate statuses may be skipped when they change faster than they are read; the
/// latest one is never missed.
#[derive(Debug)]
pub struct ConnectionEvents {
    status: watch::Receiver<Status>,
    first: bool,
}

impl ConnectionEvents {
    /// The current status on the first call, then each new status as it changes; `None`
    /// once the worker is closed and gone.
    pub async fn next(&mut self) -> Option<ConnectionStatus> {
        if !std::mem::take(&mut self.first) {
            self.status.changed().await.ok()?;
        }
        let connection = self.status.borrow_and_update().connection;
        Some(connection)
    }
}

/// Changes of the functions the engine refuses to a [`Worker`], from
/// [`Worker::refusal_changes`].
#[derive(Debug)]
pub struct RefusalChanges {
    status: watch::Receiver<Status>,
    last: Option<Arc<Vec<Refusal>>>,
}

impl RefusalChanges {
    /// The current refused functions on the first call, then the set each time it changes;
    /// `None` once the worker is closed and gone.
    pub async fn next(&mut self) -> Option<Vec<Refusal>> {
        loop {
            let now = Arc::clone(&self.status.borrow_and_update().refused);
            if self.last.as_ref().is_none_or(|last| **last != *now) {
                self.last = Some(Arc::clone(&now));
                return Some(now.to_vec());
            }
            self.status.changed().await.ok()?;
        }
    }
}

impl Worker {
    /// A worker for the engine at `url` (not connected yet); the rest of the configuration
    /// (such as `III_WORKER_NAME`) comes from the environment, as in
    /// [`WorkerConfig::from_env`].
    pub fn new(url: impl Into<String>) -> Self {
        let mut config = WorkerConfig::from_env();
        config.url = url.into();
        config.url_is_explicit = true;
        Self::with_config(config)
    }

    /// A worker configured from the environment: `III_URL` (or the older `III_BRIDGE_URL`),
    /// default `ws://127.0.0.1:49134`, and `III_WORKER_NAME`.
    pub fn from_env() -> Self {
        Self::with_config(WorkerConfig::from_env())
    }

    /// A worker with an explicit configuration.
    pub fn with_config(config: WorkerConfig) -> Self {
        let (commands, commands_rx) = mpsc::unbounded_channel();
        let (status_tx, status) = watch::channel(Status::new(ConnectionStatus::Idle));
        Self {
            inner: Arc::new(Inner {
                config: Arc::new(config),
                commands,
                status,
                startup: Mutex::new(Some(Startup {
                    commands: commands_rx,
                    status: status_tx,
                })),
                #[cfg(feature = "testing")]
                stub: None,
            }),
        }
    }

    /// A worker that never connects: `stub` answers each of its calls.
    #[cfg(feature = "testing")]
    pub(crate) fn stubbed(config: WorkerConfig, stub: Arc<dyn CallStub>) -> Self {
        let (commands, _) = mpsc::unbounded_channel();
        let (_, status) = watch::channel(Status::new(ConnectionStatus::Idle));
        Self {
            inner: Arc::new(Inner {
                config: Arc::new(config),
                commands,
                status,
                startup: Mutex::new(None),
                stub: Some(stub),
            }),
        }
    }

    #[cfg(feature = "testing")]
    pub(crate) fn stub(&self) -> Option<&Arc<dyn CallStub>> {
        self.inner.stub.as_ref()
    }

    /// Takes the service's ends of the channels: `Some` once, for whoever starts the worker
    /// (or for a `disconnect` before any start).
    pub(crate) fn take_startup(&self) -> Option<Startup> {
        self.inner
            .startup
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take()
    }

    /// The configuration, shared with the service.
    pub(crate) fn shared_config(&self) -> Arc<WorkerConfig> {
        Arc::clone(&self.inner.config)
    }

    pub(crate) fn downgrade(&self) -> WeakWorker {
        WeakWorker(Arc::downgrade(&self.inner))
    }

    /// The worker's configuration.
    pub fn config(&self) -> &WorkerConfig {
        &self.inner.config
    }

    /// Why the worker stopped for good, when the engine rejected it (for example another live
    /// worker holds its name).
    pub fn fatal_error(&self) -> Option<String> {
        self.inner.status.borrow().fatal.clone()
    }

    /// The functions the engine refuses to this worker right now, because other live workers
    /// hold them (see [`WorkerConfig::standby`](crate::WorkerConfig::standby)).
    pub fn refusals(&self) -> Vec<Refusal> {
        self.inner.status.borrow().refused.to_vec()
    }

    /// A stream of the refused functions: the current set first, then every change of it.
    pub fn refusal_changes(&self) -> RefusalChanges {
        RefusalChanges {
            status: self.inner.status.clone(),
            last: None,
        }
    }

    /// Why the last connection attempt failed, with what to do about it.
    pub(crate) fn connect_error(&self) -> Option<Arc<str>> {
        self.inner.status.borrow().connect_error.clone()
    }

    /// The engine URL the worker connects to: the configured one, or the development engine's
    /// once the worker started it (data channels dial the same address).
    pub(crate) fn engine_url(&self) -> String {
        let published = self.inner.status.borrow().url.clone();
        published.map_or_else(|| self.inner.config.url.clone(), |u| u.to_string())
    }

    /// Where the connection to the engine stands now.
    pub fn connection(&self) -> ConnectionStatus {
        self.inner.status.borrow().connection
    }

    /// A stream of the connection's status changes, starting from the current status.
    pub fn connection_events(&self) -> ConnectionEvents {
        ConnectionEvents {
            status: self.inner.status.clone(),
            first: true,
        }
    }

    /// Waits until the connection's status satisfies `accept`, and returns that status.
    ///
    /// # Errors
    /// [`Error::Shutdown`] when the worker is gone before that happens.
    pub async fn wait_for_connection(
        &self,
        mut accept: impl FnMut(ConnectionStatus) -> bool,
    ) -> Result<ConnectionStatus> {
        let mut status = self.inner.status.clone();
        let status = status
            .wait_for(|s| accept(s.connection))
            .await
            .map_err(|_| Error::Shutdown)?;
        Ok(status.connection)
    }

    /// Stops taking invocations, lets running ones finish within the shutdown grace, closes
    /// the connection with a close frame, and fails calls still waiting with
    /// [`Error::Shutdown`].
    ///
    /// Calling it from inside a handler waits for that handler too, so up to the grace period.
    pub async fn disconnect(&self) {
        if let Some(never_started) = self.take_startup() {
            // Nothing to drain; a later `start` finds nothing to start.
            never_started
                .status
                .send_replace(Status::new(ConnectionStatus::Closed));
            return;
        }
        let (done, finished) = oneshot::channel();
        self.command(Command::Shutdown { done });
        let _ = finished.await;
    }

    /// Drains as [`disconnect`](Worker::disconnect) does but keeps the connection open, so
    /// that shutdown hooks may still call out; returns once nothing runs any more or the
    /// grace ran out. `disconnect` closes it.
    pub(crate) async fn drain(&self) {
        let (done, drained) = oneshot::channel();
        self.command(Command::Drain { done });
        let _ = drained.await;
    }

    pub(crate) fn command(&self, command: Command) {
        // The service ends only after every handle is gone or after shutdown; commands sent
        // after that have nobody to act on them and are dropped.
        let _ = self.inner.commands.send(command);
    }
}
