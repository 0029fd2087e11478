//! What the engine does with each frame a worker sends.

use std::sync::Arc;
use std::time::Duration;

use iii_protocol::{
    ErrorBody, InvocationResult, InvokeAction, InvokeFunction, Message, Reattach,
    RegistrationRejected, TriggerRegistrationResult, Uuid, codes,
};
use serde_json::Value;

use crate::hub::Hub;
use crate::registry::Outbound;
use crate::router::{self, Call};
use crate::{queue, triggers};

/// How long a reattach waits for the evicted connection's cleanup.
const REATTACH_EVICT_TIMEOUT: Duration = Duration::from_secs(5);

/// The engine side of one worker connection.
pub(crate) struct Conn {
    hub: Arc<Hub>,
    id: Uuid,
    tx: Outbound,
}

impl Conn {
    pub(crate) fn new(hub: Arc<Hub>, id: Uuid, tx: Outbound) -> Self {
        Self { hub, id, tx }
    }

    async fn send(&self, message: impl Into<Message>) {
        // A closed channel means the connection is ending; the frame has nowhere to go.
        let _ = self.tx.send(message.into().encode()).await;
    }

    /// A name for logs: the announced worker name, else the worker id.
    fn name(&self) -> String {
        let reg = self.hub.registry();
        reg.workers
            .get(&self.id)
            .and_then(|w| w.metadata.as_ref())
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map_or_else(|| self.id.to_string(), |n| format!("{n} ({})", self.id))
    }

    /// Handles one text frame. Never fails: a bad frame is logged and dropped, and the
    /// connection stays open.
    pub(crate) async fn frame(&mut self, text: &str) {
        if text.trim().is_empty() {
            return;
        }
        let message = match Message::decode(text) {
            Ok(m) => m,
            Err(e) => {
                tracing::warn!("worker {}: json decode error, frame dropped: {e}", self.id);
                return;
            }
        };
        match message {
            Message::RegisterFunction(def) => {
                let fid = def.id.clone();
                let claimed = self.hub.registry().claim_function(self.id, def);
                match claimed {
                    Ok(()) => {
                        self.hub.functions_changed.notify_one();
                        tracing::info!("worker {} registered function {fid}", self.name());
                    }
                    Err(owner) => {
                        tracing::warn!(
                            "worker {}: function {fid} is owned by live worker {owner}; rejected",
                            self.id
                        );
                        self.send(RegistrationRejected {
                            code: codes::FUNCTION_NAMESPACE_CONFLICT.into(),
                            namespace: "default".into(),
                            worker_name: None,
                            function_id: Some(fid),
                            owner_worker_id: owner.to_string(),
                        })
                        .await;
                    }
                }
            }
            Message::UnregisterFunction(u) => {
                if self.hub.registry().release_function(self.id, &u.id) {
                    self.hub.functions_changed.notify_one();
                    tracing::info!("worker {} unregistered function {}", self.name(), u.id);
                }
            }
            Message::RegisterTrigger(t) => {
                let (id, trigger_type, function_id) =
                    (t.id.clone(), t.trigger_type.clone(), t.function_id.clone());
                if let Err(message) = triggers::register(&self.hub, self.id, t) {
                    tracing::warn!(
                        "worker {}: {trigger_type} trigger {id} -> {function_id} refused: {message}",
                        self.id
                    );
                    self.send(TriggerRegistrationResult {
                        id,
                        trigger_type,
                        function_id,
                        error: Some(ErrorBody::new(codes::TRIGGER_REGISTRATION_FAILED, message)),
                    })
                    .await;
                }
            }
            Message::UnregisterTrigger(u) => triggers::unregister(&self.hub, self.id, &u.id),
            Message::InvokeFunction(call) => self.invoke(call).await,
            Message::InvocationResult(r) => {
                let outcome = match r.error {
                    Some(e) => Err(e),
                    None => Ok(r.result.filter(|v| !iii_protocol::raw::is_null(v))),
                };
                router::complete(&self.hub, self.id, r.invocation_id, outcome);
            }
            Message::Reattach(r) => self.reattach(r).await,
            Message::Ping => self.send(Message::Pong).await,
            other => tracing::debug!("worker {}: ignoring {}", self.id, other.type_name()),
        }
    }

    async fn invoke(&self, call: InvokeFunction) {
        let InvokeFunction {
            invocation_id,
            function_id,
            data,
            traceparent,
            baggage,
            action,
            metadata,
            ..
        } = call;
        if let Some(InvokeAction::Enqueue { queue }) = action {
            let data: Value = serde_json::from_str(data.get()).unwrap_or(Value::Null);
            let receipt = queue::enqueue(&self.hub, queue, function_id.clone(), data);
            if let Some(id) = invocation_id {
                let result = serde_json::json!({ "messageReceiptId": receipt });
                if let Ok(raw) = iii_protocol::raw::to_raw(&result) {
                    self.send(InvocationResult::ok(id, function_id, raw)).await;
                }
            }
            return;
        }
        // The dotted spelling of old SDKs does nothing on the real engine either (void call).
        if function_id == "engine.workers.register" {
            return;
        }
        let reply_to = match action {
            Some(InvokeAction::Void) => None,
            _ => invocation_id,
        };
        let call = Call {
            function_id: function_id.clone(),
            data: router::inject_caller(data, self.id),
            metadata,
            traceparent,
            baggage,
            preferred_id: reply_to,
            caller: Some(self.id),
        };
        let hub = self.hub.clone();
        let caller = self.id;
        // Spawned so that the read loop keeps reading while the call is in flight; results may
        // therefore come back in any order, as with the real engine.
        self.hub.tasks.spawn(async move {
            let outcome = router::invoke(&hub, call).await;
            let Some(id) = reply_to else {
                if let Err(e) = outcome {
                    tracing::debug!("void call {function_id} from {caller} failed: {e}");
                }
                return;
            };
            let result = match outcome {
                Ok(Some(result)) => InvocationResult::ok(id, function_id, result),
                Ok(None) => InvocationResult::ok(id, function_id, iii_protocol::raw::null()),
                Err(e) => InvocationResult::err(id, function_id, e),
            };
            hub.send_to(caller, &result.into()).await;
        });
    }

    /// Evicts the named previous connection when the token matches, and waits for its cleanup
    /// so that this connection's registration replay is not undone by it.
    async fn reattach(&self, r: Reattach) {
        let Ok(previous) = Uuid::parse_str(&r.previous_worker_id) else {
            tracing::warn!("worker {}: reattach with a malformed worker id", self.id);
            return;
        };
        if previous == self.id {
            tracing::warn!("worker {}: reattach to itself ignored", self.id);
            return;
        }
        let evict = {
            let reg = self.hub.registry();
            reg.workers
                .get(&previous)
                .filter(|w| w.reattach_token.to_string() == r.reattach_token)
                .map(|w| w.evict.clone())
        };
        let Some(evict) = evict else {
            tracing::warn!(
                "worker {}: reattach to {previous} ignored (unknown worker or bad token)",
                self.id
            );
            return;
        };
        evict.notify_one();
        let deadline = tokio::time::Instant::now() + REATTACH_EVICT_TIMEOUT;
        while self.hub.registry().workers.contains_key(&previous) {
            if tokio::time::Instant::now() >= deadline {
                tracing::warn!(
                    "worker {}: previous connection {previous} slow to go",
                    self.id
                );
                return;
            }
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        tracing::info!("worker {} reattached, replacing {previous}", self.id);
    }
}
