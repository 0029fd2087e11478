//! [`Context`]: what a handler knows about the invocation it is serving.

use serde_json::Value;
use uuid::Uuid;

use super::handle::Worker;
use crate::trigger::TriggerKind;

/// The invocation a handler is serving: its ids, metadata, trace context, and a [`Worker`]
/// handle for calling other functions.
///
/// Take it as a handler parameter (`ctx: iii::Context`) to get it.
#[derive(Debug, Clone)]
pub struct Context {
    pub(crate) worker: Worker,
    pub(crate) function_id: String,
    pub(crate) invocation_id: Option<Uuid>,
    pub(crate) metadata: Option<Value>,
    pub(crate) caller_worker_id: Option<String>,
    pub(crate) traceparent: Option<String>,
    pub(crate) baggage: Option<String>,
    pub(crate) trigger: TriggerKind,
}

impl Context {
    /// The worker serving this invocation; use it to call other functions.
    pub fn worker(&self) -> &Worker {
        &self.worker
    }

    /// The id of the function being served.
    pub fn function_id(&self) -> &str {
        &self.function_id
    }

    /// The invocation's id (absent for fire-and-forget deliveries from old engines).
    pub fn invocation_id(&self) -> Option<Uuid> {
        self.invocation_id
    }

    /// The invocation's metadata sidecar: the caller's, or the one the trigger was registered
    /// with (without the stamp the worker adds to its own triggers).
    pub fn metadata(&self) -> Option<&Value> {
        self.metadata.as_ref()
    }

    /// The worker id of the calling worker, for worker-to-worker calls (the engine injects it as
    /// `_caller_worker_id`; the runtime removes it from the input).
    pub fn caller_worker_id(&self) -> Option<&str> {
        self.caller_worker_id.as_deref()
    }

    /// The W3C `traceparent` of the invocation.
    pub fn traceparent(&self) -> Option<&str> {
        self.traceparent.as_deref()
    }

    /// The W3C `baggage` of the invocation.
    pub fn baggage(&self) -> Option<&str> {
        self.baggage.as_deref()
    }

    /// What fired this invocation: one of this worker's own triggers, or
    /// [`TriggerKind::Call`] (see [`TriggerKind`] for what cannot be told apart).
    pub fn trigger(&self) -> TriggerKind {
        self.trigger
    }
}
