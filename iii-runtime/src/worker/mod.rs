//! [`Worker`]: the cheap, cloneable handle through which user code registers functions and
//! triggers, calls other functions, and shuts the worker down.

mod calls;

use std::sync::{Arc, Mutex};

use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

pub use self::calls::CallOptions;
use crate::config::WorkerConfig;
use crate::error::{Error, Result};
use crate::handler::IntoFunction;
use crate::service::{Command, Service};
use crate::state::{ConnectionState, Status};
use crate::trigger::{FunctionHandle, Trigger, TriggerHandle};

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

pub(crate) struct Inner {
    config: Arc<WorkerConfig>,
    commands: mpsc::UnboundedSender<Command>,
    status: watch::Receiver<Status>,
    /// The service's ends of the channels, taken by the first `connect`.
    startup: Mutex<Option<(mpsc::UnboundedReceiver<Command>, watch::Sender<Status>)>>,
}

impl std::fmt::Debug for Worker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Worker")
            .field("url", &self.inner.config.url)
            .field("state", &self.state())
            .finish()
    }
}

/// Connection state changes of a [`Worker`], from [`Worker::state_changes`].
///
/// Intermediate states may be skipped when they change faster than they are read; the
/// latest state is never missed.
#[derive(Debug)]
pub struct StateChanges {
    status: watch::Receiver<Status>,
    first: bool,
}

impl StateChanges {
    /// The current state on the first call, then each new state as it changes; `None` once
    /// the worker is closed and gone.
    pub async fn next(&mut self) -> Option<ConnectionState> {
        if !std::mem::take(&mut self.first) {
            self.status.changed().await.ok()?;
        }
        let state = self.status.borrow_and_update().state;
        Some(state)
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
        let (status_tx, status) = watch::channel(Status {
            state: ConnectionState::Idle,
            fatal: None,
        });
        Self {
            inner: Arc::new(Inner {
                config: Arc::new(config),
                commands,
                status,
                startup: Mutex::new(Some((commands_rx, status_tx))),
            }),
        }
    }

    pub(crate) fn from_inner(inner: Arc<Inner>) -> Self {
        Self { inner }
    }

    /// The worker's configuration.
    pub fn config(&self) -> &WorkerConfig {
        &self.inner.config
    }

    /// Starts the connection task on the current tokio runtime (once) without waiting.
    ///
    /// The task connects, registers everything, and reconnects with backoff whenever the
    /// connection drops, until [`disconnect`](Worker::disconnect).
    pub fn start(&self) {
        let startup = self
            .inner
            .startup
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((commands, status)) = startup {
            if let Err(reason) = crate::config::check_url(&self.inner.config.url) {
                // Retrying cannot fix a malformed URL: stop for good and say why.
                tracing::error!("{reason}");
                status.send_replace(Status {
                    state: ConnectionState::Closed,
                    fatal: Some(reason),
                });
                return;
            }
            let service = Service::new(
                Arc::clone(&self.inner.config),
                Arc::downgrade(&self.inner),
                commands,
                status,
            );
            tokio::spawn(service.run());
        }
    }

    /// Connects to the engine and waits until it is [ready](Worker::ready).
    ///
    /// # Errors
    /// [`Error::Connect`] when the URL is not a `ws://` URL, or when the worker is not ready
    /// within the connect timeout (the connection task then keeps retrying in the background
    /// all the same).
    pub async fn connect(&self) -> Result<()> {
        if let Err(reason) = crate::config::check_url(&self.inner.config.url) {
            return Err(Error::Connect {
                url: self.inner.config.url.clone(),
                source: reason.into(),
            });
        }
        self.start();
        let timeout = self.inner.config.connect_timeout;
        match tokio::time::timeout(timeout, self.ready()).await {
            Ok(result) => result,
            Err(_) => Err(Error::Connect {
                url: self.inner.config.url.clone(),
                source: format!("not ready within {timeout:?}").into(),
            }),
        }
    }

    /// Starts the worker if needed and waits until it is ready: connected, and the engine has
    /// read every registration made so far (it answered the ping the worker sends after
    /// them).
    ///
    /// The development engine has applied the registrations by then. The real engine applies
    /// them once it has processed the worker's announce, which it does in a task of its own,
    /// normally within milliseconds. An engine that does not answer the ping within 2 s is
    /// assumed to have read them.
    ///
    /// # Errors
    /// [`Error::Shutdown`] if the worker shuts down first.
    pub async fn ready(&self) -> Result<()> {
        self.start();
        let state = self
            .wait_for_state(|s| {
                matches!(
                    s,
                    ConnectionState::Ready | ConnectionState::Draining | ConnectionState::Closed
                )
            })
            .await?;
        match state {
            ConnectionState::Ready => Ok(()),
            _ => Err(Error::Shutdown),
        }
    }

    /// Why the worker stopped for good, when the engine rejected it (for example another live
    /// worker holds its name).
    pub fn fatal_error(&self) -> Option<String> {
        self.inner.status.borrow().fatal.clone()
    }

    /// The current connection state.
    pub fn state(&self) -> ConnectionState {
        self.inner.status.borrow().state
    }

    /// A stream of connection state changes, starting from the current state.
    pub fn state_changes(&self) -> StateChanges {
        StateChanges {
            status: self.inner.status.clone(),
            first: true,
        }
    }

    /// Waits until the connection state satisfies `accept`, and returns that state.
    ///
    /// # Errors
    /// [`Error::Shutdown`] when the worker is gone before that happens.
    pub async fn wait_for_state(
        &self,
        mut accept: impl FnMut(ConnectionState) -> bool,
    ) -> Result<ConnectionState> {
        let mut status = self.inner.status.clone();
        let status = status
            .wait_for(|s| accept(s.state))
            .await
            .map_err(|_| Error::Shutdown)?;
        Ok(status.state)
    }

    /// Registers a function under `id`: an async closure of its typed input, or a
    /// [`Function`](crate::Function) built with a description and schemas.
    ///
    /// Registering an id again replaces the handler.
    ///
    /// # Errors
    /// [`Error::Registration`] when `id` is empty or blank.
    pub fn register_function<Args>(
        &self,
        id: impl Into<String>,
        function: impl IntoFunction<Args>,
    ) -> Result<FunctionHandle> {
        let id = id.into();
        if id.trim().is_empty() {
            return Err(Error::Registration(
                "a function id must not be empty".to_owned(),
            ));
        }
        self.command(Command::RegisterFunction {
            id: id.clone(),
            function: function.into_function(),
        });
        Ok(FunctionHandle {
            id,
            worker: self.clone(),
        })
    }

    pub(crate) fn unregister_function(&self, id: &str) {
        self.command(Command::UnregisterFunction { id: id.to_owned() });
    }

    /// Registers a trigger; it is sent at once when connected, else on connect.
    pub fn register_trigger(&self, trigger: Trigger) -> TriggerHandle {
        let id = Uuid::new_v4().to_string();
        self.command(Command::RegisterTrigger(trigger.into_frame(id.clone())));
        TriggerHandle {
            id,
            worker: self.clone(),
        }
    }

    pub(crate) fn unregister_trigger(&self, id: &str) {
        self.command(Command::UnregisterTrigger { id: id.to_owned() });
    }

    /// Stops taking invocations, lets running ones finish within the shutdown grace, closes
    /// the connection with a close frame, and fails calls still waiting with
    /// [`Error::Shutdown`].
    ///
    /// Calling it from inside a handler waits for that handler too, so up to the grace period.
    pub async fn disconnect(&self) {
        let never_started = self
            .inner
            .startup
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .take();
        if let Some((_, status)) = never_started {
            // Nothing to drain; a later `start` finds nothing to start.
            status.send_replace(Status {
                state: ConnectionState::Closed,
                fatal: None,
            });
            return;
        }
        let (done, finished) = oneshot::channel();
        self.command(Command::Shutdown { done });
        let _ = finished.await;
    }

    fn command(&self, command: Command) {
        // The service ends only after every handle is gone or after shutdown; commands sent
        // after that have nobody to act on them and are dropped.
        let _ = self.inner.commands.send(command);
    }
}
