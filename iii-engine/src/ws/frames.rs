//! What the engine does with each frame a worker sends: calls (routed in a task of their own),
//! answers and pings here; registrations and reattach in `super::registration`; the checks of
//! an access-controlled connection in `super::gate`.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use iii_protocol::triggers::EnqueueReceipt;
use iii_protocol::{
    ErrorBody, InvocationResult, InvokeAction, InvokeFunction, Message, Uuid, codes,
};
use serde_json::Value;
use serde_json::value::RawValue;

use super::admission::CallPermit;
use super::endpoint::Endpoint;
use super::incoming::{Incoming, Kind};
use super::lenient::ReplyId;
use crate::access::Access;
use crate::registry::{Link, Sent};
use crate::router::{Call, inject_caller};

/// The engine side of one worker connection, as frames see it.
pub(crate) struct Conn {
    pub(crate) ep: Arc<Endpoint>,
    pub(crate) id: Uuid,
    pub(crate) link: Arc<Link>,
    /// What this connection may do, when it came through an access-controlled listener
    /// (its frames then pass [`Conn::gate`] first). Fixed for the connection's life.
    pub(crate) access: Option<Arc<Access>>,
}

impl Conn {
    pub(super) async fn send(&self, message: impl Into<Message>) {
        // A closed channel means the connection is ending; the frame has nowhere to go. The
        // connection's read loop races this against eviction, shutdown and a dead writer.
        self.link.send(message.into().encode()).await;
    }

    /// A name for logs: the announced worker name, else the worker id.
    pub(super) fn name(&self) -> String {
        let snapshot = self.ep.registry.snapshot();
        snapshot
            .workers
            .get(&self.id)
            .and_then(|w| w.metadata.as_ref())
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map_or_else(|| self.id.to_string(), |n| format!("{n:?} ({})", self.id))
    }

    /// Handles one decoded frame; `permit` is the room taken for it when it is a call.
    ///
    /// The waits of the rarer frames (registrations, the gate, reattach, an enqueue) are
    /// boxed: inline they made this future (built for every frame, answers included) over
    /// 3 KiB, copied each time it was moved.
    pub(crate) async fn handle(&self, incoming: Incoming, permit: Option<CallPermit>) {
        // An access-controlled connection's frames pass its gate first (`super::gate`).
        let kind = match self.access.clone() {
            None => incoming.kind,
            Some(access) => match Box::pin(self.gate(access, incoming.kind)).await {
                Some(kind) => kind,
                None => return,
            },
        };
        let message = match kind {
            Kind::Message(m) => m,
            Kind::Foreign(call, id) => {
                tracing::warn!(
                    "worker {}: invokefunction {:?} has a non-UUID invocation_id {id:?}; \
                     served, and answered under that id",
                    self.id,
                    call.function_id
                );
                if let Some(enqueue) = self.invoke(call, Some(ReplyId::Foreign(id)), permit) {
                    enqueue.await;
                }
                return;
            }
        };
        match message {
            Message::RegisterFunction(def) => Box::pin(self.register_function(def)).await,
            Message::UnregisterFunction(u) => {
                if self.ep.registry.release_function(self.id, &u.id) {
                    tracing::info!("worker {} unregistered function {:?}", self.name(), u.id);
                }
            }
            Message::RegisterTrigger(t) => Box::pin(self.register_trigger(t)).await,
            Message::UnregisterTrigger(u) => Box::pin(self.unregister_trigger(&u.id)).await,
            Message::RegisterTriggerType(t) => Box::pin(self.provide_trigger_type(t)).await,
            Message::TriggerRegistrationResult(r) => {
                Box::pin(self.ep.triggers.provider_result(self.id, r)).await;
            }
            Message::InvokeFunction(call) => {
                let id = call.invocation_id.map(ReplyId::Uuid);
                if let Some(enqueue) = self.invoke(call, id, permit) {
                    enqueue.await;
                }
            }
            Message::InvocationResult(r) => {
                let outcome = match r.error {
                    Some(e) => Err(e),
                    None => Ok(r.result.filter(|v| !iii_protocol::raw::is_null(v))),
                };
                if !self.link.complete(r.invocation_id, outcome) {
                    tracing::debug!("dropping result for unknown invocation {}", r.invocation_id);
                }
            }
            Message::Reattach(r) => Box::pin(self.reattach(r)).await,
            Message::Ping => self.send(Message::Pong).await,
            other => tracing::debug!("worker {}: ignoring {}", self.id, other.type_name()),
        }
    }

    /// Routes a worker's call in a task of its own; `invocation_id` is the id to answer under
    /// (the frame's own field is ignored, so that non-UUID ids can be served too). An
    /// `enqueue` is not a call: what it returns, to be awaited, queues the message.
    fn invoke(
        &self,
        call: InvokeFunction,
        invocation_id: Option<ReplyId>,
        permit: Option<CallPermit>,
    ) -> Option<Pin<Box<dyn Future<Output = ()> + Send + '_>>> {
        let InvokeFunction {
            function_id,
            data,
            traceparent,
            baggage,
            action,
            metadata,
            ..
        } = call;
        if let Some(InvokeAction::Enqueue { queue }) = action {
            return Some(Box::pin(async move {
                self.enqueue(queue, function_id, &data, invocation_id).await;
            }));
        }
        // The dotted spelling of old SDKs does nothing on the real engine either (void call).
        if function_id == "engine.workers.register" {
            return None;
        }
        let reply_to = match action {
            Some(InvokeAction::Void) => None,
            _ => invocation_id,
        };
        let call = Call {
            function_id: function_id.clone(),
            data: inject_caller(data, self.id),
            metadata,
            traceparent,
            baggage,
            preferred_id: reply_to.as_ref().and_then(ReplyId::uuid),
            caller: Some(self.id),
        };
        let router = self.ep.router.clone();
        let link = self.link.clone();
        let caller = self.id;
        // Spawned so that the read loop keeps reading while the call is in flight; results may
        // therefore come back in any order, as with the real engine.
        let task = async move {
            // Held until the answer is queued towards the caller: a caller that does not read
            // its answers runs out of room and is no longer read from.
            let _permit = permit;
            // A caller that went away cancels its calls: nobody would read the answers.
            let outcome = tokio::select! {
                outcome = router.invoke(call) => outcome,
                () = link.gone.cancelled() => return,
            };
            let Some(id) = reply_to else {
                if let Err(e) = outcome {
                    tracing::debug!("void call {function_id:?} from {caller} failed: {e:?}");
                }
                return;
            };
            let nil = Uuid::nil();
            let named = function_id.clone();
            let result = match outcome {
                Ok(Some(result)) => InvocationResult::ok(nil, named, result),
                Ok(None) => InvocationResult::ok(nil, named, iii_protocol::raw::null()),
                Err(e) => InvocationResult::err(nil, named, e),
            };
            if link.send(id.encode(result)).await == Sent::TooLarge {
                let error = ErrorBody::new(
                    codes::MESSAGE_TOO_LARGE,
                    format!(
                        "the result of {function_id:?} is larger than the {} bytes a worker \
                         accepts",
                        link.max_message()
                    ),
                );
                let answer = InvocationResult::err(nil, function_id, error);
                if link.send(id.encode(answer)).await == Sent::TooLarge {
                    tracing::warn!(
                        "worker {caller}: the answer to a call cannot be sent (too large)"
                    );
                }
            }
        };
        self.ep.tasks.spawn(task);
        None
    }

    /// An `enqueue` action: the message goes to `queue`'s store, and the caller gets a
    /// receipt once it is committed.
    async fn enqueue(
        &self,
        queue: String,
        function_id: String,
        data: &RawValue,
        invocation_id: Option<ReplyId>,
    ) {
        let data: Value = serde_json::from_str(data.get()).unwrap_or(Value::Null);
        let receipt = EnqueueReceipt {
            message_receipt_id: Uuid::new_v4().to_string(),
        };
        // The receipt is an acknowledgement: it goes once the message is committed.
        let queued = self
            .ep
            .queues
            .enqueue(queue, function_id.clone(), data)
            .await;
        if let Some(id) = invocation_id
            && let Ok(raw) = iii_protocol::raw::to_raw(&receipt)
        {
            let result = match queued {
                Ok(()) => InvocationResult::ok(Uuid::nil(), function_id, raw),
                Err(e) => InvocationResult::err(Uuid::nil(), function_id, e.body()),
            };
            let frame = id.encode(result);
            // A closed channel means the connection is ending.
            self.link.send(frame).await;
        }
    }
}
