//! [`TestContext`] and [`TestInvocation`]: a [`Context`] (and an [`Invocation`]) built by a
//! unit test, with the caller, metadata and trigger the test chooses, and its calls answered
//! by [`MockCalls`], so that a handler is called directly without an engine.

use std::sync::Arc;

use iii_protocol::http::HttpRequest;
use iii_protocol::raw;
use serde::Serialize;
use serde_json::Value;
use uuid::Uuid;

use super::mock::MockCalls;
use crate::config::WorkerConfig;
use crate::state_map::StateMap;
use crate::trigger::TriggerKind;
use crate::worker::{Context, Invocation, Worker};

/// Builds a [`Context`] for calling a handler directly.
///
/// ```
/// use iii::prelude::*;
/// use iii::testing::{MockCalls, TestContext};
///
/// #[derive(Serialize, Deserialize, JsonSchema)]
/// struct Sum { sum: i64 }
///
/// /// Doubles a sum another function computes.
/// #[iii::function("math.double_sum")]
/// async fn double_sum(ctx: Context) -> iii::Result<Sum> {
///     let Sum { sum } = ctx.worker().invoke("math.add", serde_json::json!({"a": 1, "b": 2})).await?;
///     Ok(Sum { sum: sum * 2 })
/// }
///
/// # #[tokio::main(flavor = "current_thread")] async fn main() {
/// let calls = MockCalls::new().answer("math.add", Sum { sum: 3 });
/// let ctx = TestContext::new("math.double_sum")
///     .caller("worker-1")
///     .trigger(iii::TriggerKind::Call)
///     .calls(&calls)
///     .build();
/// assert_eq!(double_sum(ctx).await.unwrap().sum, 6);
/// assert_eq!(calls.calls_to("math.add"), vec![serde_json::json!({"a": 1, "b": 2})]);
/// # }
/// ```
#[derive(Debug, Clone)]
#[must_use = "build() makes the context"]
pub struct TestContext {
    function_id: String,
    invocation_id: Option<Uuid>,
    metadata: Option<Value>,
    caller_worker_id: Option<String>,
    traceparent: Option<String>,
    baggage: Option<String>,
    trigger: TriggerKind,
    calls: MockCalls,
}

impl TestContext {
    /// A context for an invocation of `function_id`: a direct call ([`TriggerKind::Call`])
    /// with a fresh invocation id, no caller, no metadata, and no stubbed calls (each call
    /// the handler makes fails with `unexpected_call`).
    pub fn new(function_id: impl Into<String>) -> Self {
        Self {
            function_id: function_id.into(),
            invocation_id: Some(Uuid::new_v4()),
            metadata: None,
            caller_worker_id: None,
            traceparent: None,
            baggage: None,
            trigger: TriggerKind::Call,
            calls: MockCalls::new(),
        }
    }

    /// The calling worker's id ([`Context::caller_worker_id`]).
    pub fn caller(mut self, worker_id: impl Into<String>) -> Self {
        self.caller_worker_id = Some(worker_id.into());
        self
    }

    /// The invocation's metadata ([`Context::metadata`]).
    ///
    /// # Panics
    /// When `metadata` does not serialize (a test bug).
    pub fn metadata(mut self, metadata: impl Serialize) -> Self {
        let metadata = serde_json::to_value(metadata)
            .unwrap_or_else(|e| panic!("metadata must serialize: {e}"));
        self.metadata = Some(metadata);
        self
    }

    /// What fired the invocation ([`Context::trigger`]).
    pub fn trigger(mut self, trigger: TriggerKind) -> Self {
        self.trigger = trigger;
        self
    }

    /// The invocation id (`None` as for a fire-and-forget delivery).
    pub fn invocation_id(mut self, id: Option<Uuid>) -> Self {
        self.invocation_id = id;
        self
    }

    /// The W3C trace context of the invocation.
    pub fn trace(mut self, traceparent: impl Into<String>, baggage: Option<String>) -> Self {
        self.traceparent = Some(traceparent.into());
        self.baggage = baggage;
        self
    }

    /// Answers the handler's calls (through [`Context::worker`], [`Context::call`], the
    /// service clients) from `calls`; the test keeps its clone to look at them afterwards.
    pub fn calls(mut self, calls: &MockCalls) -> Self {
        self.calls = calls.clone();
        self
    }

    /// The context.
    pub fn build(self) -> Context {
        let config = WorkerConfig {
            name: "test".to_owned(),
            ..WorkerConfig::default()
        };
        Context {
            worker: Worker::stubbed(config, Arc::new(self.calls)),
            function_id: self.function_id,
            invocation_id: self.invocation_id,
            metadata: self.metadata,
            caller_worker_id: self.caller_worker_id,
            traceparent: self.traceparent,
            baggage: self.baggage,
            trigger: self.trigger,
        }
    }
}

/// Builds an [`Invocation`], for a type-erased handler or an extractor
/// ([`FromInvocation`](crate::FromInvocation)) under test.
#[derive(Debug)]
#[must_use = "build() makes the invocation"]
pub struct TestInvocation {
    context: TestContext,
    input: Value,
    http: Option<HttpRequest>,
    states: StateMap,
}

impl TestInvocation {
    /// An invocation of the function `context` names with `input`, as a direct call gives it.
    ///
    /// # Panics
    /// When `input` does not serialize (a test bug).
    pub fn new(context: TestContext, input: impl Serialize) -> Self {
        Self {
            context,
            input: serde_json::to_value(input)
                .unwrap_or_else(|e| panic!("the input must serialize: {e}")),
            http: None,
            states: StateMap::new(),
        }
    }

    /// As if an HTTP trigger fired it with `request` (whose `body` becomes the input); the
    /// context's trigger becomes [`TriggerKind::Http`].
    pub fn http(mut self, request: HttpRequest) -> Self {
        self.context.trigger = TriggerKind::Http;
        self.http = Some(request);
        self
    }

    /// The states its `State<T>` parameters read.
    pub fn states(mut self, states: StateMap) -> Self {
        self.states = states;
        self
    }

    /// The invocation.
    ///
    /// # Panics
    /// Never for JSON values; a value that fails to encode is a bug of this crate.
    pub fn build(self) -> Invocation {
        let (input, http) = match self.http {
            Some(mut request) => {
                let body = std::mem::replace(&mut request.body, raw::null());
                (body, Some(request))
            }
            None => (
                raw::to_raw(&self.input)
                    .unwrap_or_else(|e| panic!("a JSON value always encodes: {e}")),
                None,
            ),
        };
        Invocation::from_parts(input, http, self.context.build(), Arc::new(self.states))
    }
}
