//! Calls a worker makes to other functions: request/response, fire and forget, enqueue.

use std::time::Duration;

use iii_protocol::triggers::EnqueueReceipt;
use iii_protocol::{InvokeAction, InvokeFunction, Message, RawValue, raw};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::sync::oneshot;
use tracing::Instrument;
use uuid::Uuid;

use super::command::Command;
use super::handle::Worker;
use crate::error::{Error, Result};
use crate::link::Outgoing;

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
    /// The namespace the function resolves in; by default the worker's
    /// ([`WorkerConfig::namespace`](crate::WorkerConfig::namespace)), or `default` for
    /// `engine::*` functions.
    pub namespace: Option<String>,
}

impl Worker {
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
        #[cfg(feature = "testing")]
        if let Some(stub) = self.stub() {
            return stub.answer(function_id, &data, action.as_ref());
        }
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
        let (span, trace) = crate::observe::call_span(function_id);
        let namespace = self.config().call_namespace(function_id, options.namespace);
        let frame = Message::InvokeFunction(InvokeFunction {
            invocation_id: (!void).then_some(id),
            action,
            namespace,
            metadata: options.metadata,
            traceparent: trace.traceparent,
            baggage: trace.baggage,
            ..InvokeFunction::new(function_id, data)
        })
        .encode();
        let lost = || Error::ConnectionLost {
            function_id: function_id.to_owned(),
        };
        let timeout = options.timeout.unwrap_or(self.config().invoke_timeout);
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
            .instrument(span.clone())
            .await
            .unwrap_or_else(|_| {
                Err(Error::Timeout {
                    function_id: function_id.to_owned(),
                    after: timeout,
                })
            });
        crate::observe::call_ended(&span, result.as_ref().err());
        // Only a call abandoned by this side may still be in the service's map; an answer or a
        // failure the service reported means it is gone from there already.
        guard.armed &= matches!(
            result,
            Err(Error::Timeout { .. } | Error::ConnectionLost { .. })
        );
        result
    }
}
