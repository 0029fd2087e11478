//! What the engine does with each frame a worker sends.

use std::sync::Arc;
use std::time::Duration;

use iii_protocol::{
    ErrorBody, InvocationResult, InvokeAction, InvokeFunction, Message, Reattach,
    RegistrationRejected, TriggerRegistrationResult, Uuid, codes,
};
use serde_json::Value;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::lenient::{self, ReplyId, Salvaged};
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
    /// One permit per call in flight (`max_calls_per_worker`).
    calls: Arc<Semaphore>,
    /// One permit per byte of call payload in flight (`max_call_bytes_per_worker`).
    call_bytes: Arc<Semaphore>,
    byte_budget: u32,
}

/// What a call in flight holds until it completes; dropping it gives the room back.
pub(crate) struct CallPermit {
    _call: OwnedSemaphorePermit,
    _bytes: OwnedSemaphorePermit,
}

/// A decoded frame, waiting to be handled.
pub(crate) struct Incoming {
    kind: Kind,
    /// Size of the frame's text, the weight of a call against the byte budget.
    pub(crate) bytes: usize,
}

enum Kind {
    Message(Message),
    /// An `invokefunction` with a string `invocation_id` that is not a UUID.
    Foreign(InvokeFunction, String),
}

impl Incoming {
    /// Whether handling it starts a call, which must first get a [`CallPermit`].
    pub(crate) fn is_call(&self) -> bool {
        match &self.kind {
            Kind::Message(Message::InvokeFunction(call)) | Kind::Foreign(call, _) => {
                !matches!(call.action, Some(InvokeAction::Enqueue { .. }))
            }
            Kind::Message(_) => false,
        }
    }

    /// Whether it answers a call: such frames are never held back, since answering calls is
    /// what frees the room other calls wait for.
    pub(crate) fn is_result(&self) -> bool {
        matches!(self.kind, Kind::Message(Message::InvocationResult(_)))
    }

    /// Whether it registers something (the announce summary waits for these to settle).
    pub(crate) fn is_registration(&self) -> bool {
        matches!(
            self.kind,
            Kind::Message(Message::RegisterFunction(_) | Message::RegisterTrigger(_))
        )
    }
}

impl Conn {
    pub(crate) fn new(hub: Arc<Hub>, id: Uuid, tx: Outbound) -> Self {
        let calls = hub
            .config
            .max_calls_per_worker
            .clamp(1, Semaphore::MAX_PERMITS);
        let byte_budget = u32::try_from(hub.config.max_call_bytes_per_worker)
            .unwrap_or(u32::MAX)
            .max(1);
        Self {
            hub,
            id,
            tx,
            calls: Arc::new(Semaphore::new(calls)),
            call_bytes: Arc::new(Semaphore::new(byte_budget as usize)),
            byte_budget,
        }
    }

    /// The byte permits a call of `bytes` needs: a call larger than the whole budget takes all
    /// of it, so that it is served alone rather than never.
    fn cost(&self, bytes: usize) -> u32 {
        u32::try_from(bytes)
            .unwrap_or(u32::MAX)
            .clamp(1, self.byte_budget)
    }

    /// A permit for a call of `bytes`, if there is room now.
    pub(crate) fn try_permit(&self, bytes: usize) -> Option<CallPermit> {
        let call = self.calls.clone().try_acquire_owned().ok()?;
        let bytes = self
            .call_bytes
            .clone()
            .try_acquire_many_owned(self.cost(bytes))
            .ok()?;
        Some(CallPermit {
            _call: call,
            _bytes: bytes,
        })
    }

    /// Waits for room for a call of `bytes`. Cancel-safe: nothing is held until both parts are.
    pub(crate) async fn permit(&self, bytes: usize) -> Option<CallPermit> {
        let call = self.calls.clone().acquire_owned().await.ok()?;
        let bytes = self
            .call_bytes
            .clone()
            .acquire_many_owned(self.cost(bytes))
            .await
            .ok()?;
        Some(CallPermit {
            _call: call,
            _bytes: bytes,
        })
    }

    async fn send(&self, message: impl Into<Message>) {
        // A closed channel means the connection is ending; the frame has nowhere to go. The
        // connection's read loop races this against eviction, shutdown and a dead writer.
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
            .map_or_else(|| self.id.to_string(), |n| format!("{n:?} ({})", self.id))
    }

    /// Decodes one text frame. A bad frame is logged and dropped (`None`), and the connection
    /// stays open.
    pub(crate) fn parse(&self, text: &str) -> Option<Incoming> {
        if text.trim().is_empty() {
            return None;
        }
        let kind = match Message::decode(text) {
            Ok(m) => Kind::Message(m),
            Err(e) => match lenient::salvage(text, &e) {
                Salvaged::Invoke(call, id) => Kind::Foreign(call, id),
                Salvaged::Dropped(why) => {
                    tracing::warn!("worker {}: {}", self.id, why.escape_debug());
                    return None;
                }
            },
        };
        Some(Incoming {
            kind,
            bytes: text.len(),
        })
    }

    /// Handles one decoded frame; `permit` is the room taken for it when it is a call.
    pub(crate) async fn handle(&mut self, incoming: Incoming, permit: Option<CallPermit>) {
        let message = match incoming.kind {
            Kind::Message(m) => m,
            Kind::Foreign(call, id) => {
                tracing::warn!(
                    "worker {}: invokefunction {:?} has a non-UUID invocation_id {id:?}; \
                     served, and answered under that id",
                    self.id,
                    call.function_id
                );
                self.invoke(call, Some(ReplyId::Foreign(id)), permit).await;
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
                        tracing::info!("worker {} registered function {fid:?}", self.name());
                    }
                    Err(owner) => {
                        tracing::warn!(
                            "worker {}: function {fid:?} is owned by live worker {owner}; rejected",
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
                    tracing::info!("worker {} unregistered function {:?}", self.name(), u.id);
                }
            }
            Message::RegisterTrigger(t) => {
                let (id, trigger_type, function_id) =
                    (t.id.clone(), t.trigger_type.clone(), t.function_id.clone());
                if let Err(message) = triggers::register(&self.hub, self.id, t) {
                    tracing::warn!(
                        "worker {}: {trigger_type:?} trigger {id:?} -> {function_id:?} refused: {message:?}",
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
            Message::InvokeFunction(call) => {
                let id = call.invocation_id.map(ReplyId::Uuid);
                self.invoke(call, id, permit).await;
            }
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

    /// Routes a worker's call; `invocation_id` is the id to answer under (the frame's own
    /// field is ignored, so that non-UUID ids can be served too).
    async fn invoke(
        &self,
        call: InvokeFunction,
        invocation_id: Option<ReplyId>,
        permit: Option<CallPermit>,
    ) {
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
            let data: Value = serde_json::from_str(data.get()).unwrap_or(Value::Null);
            let receipt = queue::enqueue(&self.hub, queue, function_id.clone(), data);
            if let Some(id) = invocation_id {
                let result = serde_json::json!({ "messageReceiptId": receipt });
                if let Ok(raw) = iii_protocol::raw::to_raw(&result) {
                    let frame = id.encode(InvocationResult::ok(Uuid::nil(), function_id, raw));
                    // A closed channel means the connection is ending.
                    let _ = self.tx.send(frame).await;
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
            preferred_id: reply_to.as_ref().and_then(ReplyId::uuid),
            caller: Some(self.id),
        };
        let hub = self.hub.clone();
        let caller = self.id;
        // Spawned so that the read loop keeps reading while the call is in flight; results may
        // therefore come back in any order, as with the real engine.
        self.hub.tasks.spawn(async move {
            // Held until the answer is queued towards the caller: a caller that does not read
            // its answers runs out of room and is no longer read from.
            let _permit = permit;
            let outcome = router::invoke(&hub, call).await;
            let Some(id) = reply_to else {
                if let Err(e) = outcome {
                    tracing::debug!("void call {function_id:?} from {caller} failed: {e:?}");
                }
                return;
            };
            let nil = Uuid::nil();
            let result = match outcome {
                Ok(Some(result)) => InvocationResult::ok(nil, function_id, result),
                Ok(None) => InvocationResult::ok(nil, function_id, iii_protocol::raw::null()),
                Err(e) => InvocationResult::err(nil, function_id, e),
            };
            hub.send_text_to(caller, id.encode(result)).await;
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
