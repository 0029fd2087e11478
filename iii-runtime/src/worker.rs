//! [`Worker`]: the cheap, cloneable handle through which user code registers functions and
//! triggers, calls other functions, and shuts the worker down.

use std::sync::{Arc, Mutex};
use std::time::Duration;

use iii_protocol::triggers::EnqueueReceipt;
use iii_protocol::{InvokeAction, InvokeFunction, Message, RawValue, raw};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::{mpsc, oneshot, watch};
use uuid::Uuid;

use crate::config::WorkerConfig;
use crate::error::{Error, Result};
use crate::handler::IntoFunction;
use crate::service::{Command, Service};
use crate::state::{ConnectionState, Status};
use crate::transport::Outgoing;
use crate::trigger::{FunctionRef, Trigger, TriggerHandle};

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

/// Tells the service to forget a call whose caller stopped waiting.
struct ForgetOnDrop<'a> {
    worker: &'a Worker,
    id: Uuid,
    armed: bool,
}

impl Drop for ForgetOnDrop<'_> {
    fn drop(&mut self) {
        if self.armed {
            self.worker.command(Command::Forget { id: self.id });
        }
    }
}

/// Options of one call.
#[derive(Debug, Clone, Default)]
pub struct CallOptions {
    /// Overrides the worker's default invoke timeout.
    pub timeout: Option<Duration>,
    /// Metadata sidecar delivered to the handler.
    pub metadata: Option<Value>,
}

impl Worker {
    /// A worker for the engine at `url` (not connected yet).
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
    /// [`Error::Connect`] when the worker is not ready within the connect timeout; the
    /// connection task keeps retrying in the background all the same.
    pub async fn connect(&self) -> Result<()> {
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
    /// [`Error::InvalidInput`] when `id` is empty or blank.
    pub fn register_function<Args>(
        &self,
        id: impl Into<String>,
        function: impl IntoFunction<Args>,
    ) -> Result<FunctionRef> {
        let id = id.into();
        if id.trim().is_empty() {
            return Err(Error::InvalidInput {
                message: "a function id must not be empty".to_owned(),
                path: None,
            });
        }
        self.command(Command::RegisterFunction {
            id: id.clone(),
            function: function.into_function(),
        });
        Ok(FunctionRef {
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

    /// Calls `function_id` with `input` and waits for its typed result.
    ///
    /// Waits for the connection if the worker is (re)connecting, within the timeout.
    ///
    /// # Errors
    /// [`Error::Remote`] when the function failed, [`Error::Timeout`],
    /// [`Error::ConnectionLost`] when the connection dropped before the answer,
    /// [`Error::Serialize`] when the input or output does not match its type.
    pub async fn invoke<O: DeserializeOwned>(
        &self,
        function_id: &str,
        input: impl Serialize,
    ) -> Result<O> {
        self.invoke_with(function_id, input, CallOptions::default())
            .await
    }

    /// [`invoke`](Worker::invoke) with a timeout or metadata.
    ///
    /// # Errors
    /// As [`invoke`](Worker::invoke).
    pub async fn invoke_with<O: DeserializeOwned>(
        &self,
        function_id: &str,
        input: impl Serialize,
        options: CallOptions,
    ) -> Result<O> {
        let data = raw::to_raw(&input)?;
        let result = self.call_raw(function_id, data, options).await?;
        let text = result.as_deref().map_or("null", RawValue::get);
        Ok(serde_json::from_str(text)?)
    }

    /// Calls `function_id` without waiting for (or getting) a result: fire and forget.
    /// Returns once the call is queued on the connection.
    ///
    /// # Errors
    /// [`Error::Serialize`] for an input that does not serialize, [`Error::Timeout`] when the
    /// worker does not get connected within the invoke timeout, [`Error::Shutdown`].
    pub async fn invoke_async(&self, function_id: &str, input: impl Serialize) -> Result<()> {
        self.invoke_async_with(function_id, input, CallOptions::default())
            .await
    }

    /// [`invoke_async`](Worker::invoke_async) with metadata, or a timeout for getting the call
    /// onto the connection.
    ///
    /// # Errors
    /// As [`invoke_async`](Worker::invoke_async).
    pub async fn invoke_async_with(
        &self,
        function_id: &str,
        input: impl Serialize,
        options: CallOptions,
    ) -> Result<()> {
        let data = raw::to_raw(&input)?;
        self.exchange(function_id, data, Some(InvokeAction::Void), options)
            .await
            .map(drop)
    }

    /// Puts a call to `function_id` on the engine's named `queue`; the function runs later.
    ///
    /// # Errors
    /// As [`invoke`](Worker::invoke); `enqueue_error` from the engine when it has no queue.
    pub async fn enqueue(
        &self,
        queue: &str,
        function_id: &str,
        input: impl Serialize,
    ) -> Result<EnqueueReceipt> {
        let data = raw::to_raw(&input)?;
        let action = InvokeAction::Enqueue {
            queue: queue.to_owned(),
        };
        let result = self
            .exchange(function_id, data, Some(action), CallOptions::default())
            .await?;
        let text = result.as_deref().map_or("null", RawValue::get);
        Ok(serde_json::from_str(text)?)
    }

    /// [`enqueue`](Worker::enqueue) with a timeout or metadata.
    ///
    /// # Errors
    /// As [`enqueue`](Worker::enqueue).
    pub async fn enqueue_with(
        &self,
        queue: &str,
        function_id: &str,
        input: impl Serialize,
        options: CallOptions,
    ) -> Result<EnqueueReceipt> {
        let data = raw::to_raw(&input)?;
        let action = InvokeAction::Enqueue {
            queue: queue.to_owned(),
        };
        let result = self
            .exchange(function_id, data, Some(action), options)
            .await?;
        let text = result.as_deref().map_or("null", RawValue::get);
        Ok(serde_json::from_str(text)?)
    }

    /// Calls `function_id` with raw JSON and returns the raw result (`None` for no result).
    ///
    /// # Errors
    /// As [`invoke`](Worker::invoke).
    pub async fn call_raw(
        &self,
        function_id: &str,
        data: Box<RawValue>,
        options: CallOptions,
    ) -> Result<Option<Box<RawValue>>> {
        self.exchange(function_id, data, None, options).await
    }

    /// Makes one call. A void call (fire and forget) returns once its frame is queued;
    /// any other waits for the result. The whole exchange is bounded by the timeout, and a
    /// call abandoned for any reason (timeout, or the caller dropping this future) is
    /// forgotten by the service.
    async fn exchange(
        &self,
        function_id: &str,
        data: Box<RawValue>,
        action: Option<InvokeAction>,
        options: CallOptions,
    ) -> Result<Option<Box<RawValue>>> {
        let void = action == Some(InvokeAction::Void);
        let id = Uuid::new_v4();
        let (reply, answer) = if void {
            (None, None)
        } else {
            let (reply, answer) = oneshot::channel();
            (Some(reply), Some(answer))
        };
        let (go, ready) = oneshot::channel();
        self.command(Command::Call {
            id,
            function_id: function_id.to_owned(),
            reply,
            go,
        });
        let mut guard = ForgetOnDrop {
            worker: self,
            id,
            armed: !void,
        };
        let trace = crate::dispatch::TRACE
            .try_with(Clone::clone)
            .unwrap_or_default();
        let frame = Message::InvokeFunction(InvokeFunction {
            invocation_id: (!void).then_some(id),
            action,
            metadata: options.metadata,
            traceparent: trace.traceparent,
            baggage: trace.baggage,
            ..InvokeFunction::new(function_id, data)
        })
        .encode();
        let lost = || Error::ConnectionLost {
            function_id: function_id.to_owned(),
        };
        let timeout = options.timeout.unwrap_or(self.inner.config.invoke_timeout);
        let exchange = async {
            let (link, generation) = ready.await.map_err(|_| Error::Shutdown)??;
            link.send(Outgoing::Frame(frame))
                .await
                .map_err(|_| lost())?;
            let Some(answer) = answer else {
                return Ok(None);
            };
            self.command(Command::Sent { id, generation });
            answer.await.map_err(|_| Error::Shutdown)?
        };
        let result = tokio::time::timeout(timeout, exchange)
            .await
            .unwrap_or_else(|_| {
                Err(Error::Timeout {
                    function_id: function_id.to_owned(),
                    after: timeout,
                })
            });
        // Only a call abandoned by this side may still be in the service's map; an answer or a
        // failure the service reported means it is gone from there already.
        guard.armed &= matches!(
            result,
            Err(Error::Timeout { .. } | Error::ConnectionLost { .. })
        );
        result
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
