//! Running one invocation: call the handler with panics caught, encode what it produced for
//! the wire (as an HTTP envelope when an HTTP trigger fired it), and send the answer.

use std::any::Any;
use std::panic::AssertUnwindSafe;
use std::time::Duration;

use futures_util::FutureExt;
use iii_protocol::http::{HttpErrorBody, HttpResponse};
use iii_protocol::{ErrorBody, InvocationResult, InvokeFunction, Message, RawValue};
use tracing::Instrument;

use crate::context::TriggerKind;
use crate::error::{Error, Result};
use crate::handler::ErasedHandler;
use crate::invocation::{Invocation, Reply};
use crate::transport::{Link, Outgoing};
use crate::worker::Worker;

tokio::task_local! {
    /// The trace context of the invocation a task is serving, so that calls it makes to other
    /// functions carry it on.
    pub(crate) static TRACE: TraceContext;
}

/// W3C trace context of an invocation.
#[derive(Debug, Clone, Default)]
pub(crate) struct TraceContext {
    pub(crate) traceparent: Option<String>,
    pub(crate) baggage: Option<String>,
}

pub(crate) async fn run(
    handler: ErasedHandler,
    timeout: Option<Duration>,
    call: InvokeFunction,
    worker: Worker,
    link: Link,
) {
    let invocation_id = call.invocation_id;
    let function_id = call.function_id.clone();
    let trace = TraceContext {
        traceparent: call.traceparent.clone(),
        baggage: call.baggage.clone(),
    };
    let invocation = Invocation::new(call, worker);
    let trigger = invocation.context().trigger();
    let span = tracing::info_span!(
        "invoke",
        function_id = %function_id,
        invocation_id = tracing::field::Empty,
        trigger = ?trigger,
    );
    // Recorded rather than formatted into a `String`: nothing is allocated per invocation.
    if let Some(id) = invocation_id {
        span.record("invocation_id", tracing::field::display(id));
    }
    let guarded = AssertUnwindSafe(async move { handler(invocation).await }).catch_unwind();
    let traced = TRACE.scope(trace, guarded).instrument(span.clone());
    let outcome = match timeout {
        Some(after) => tokio::time::timeout(after, traced)
            .await
            .unwrap_or_else(|_| {
                Ok(Err(Error::Timeout {
                    function_id: function_id.clone(),
                    after,
                }))
            }),
        None => traced.await,
    }
    .unwrap_or_else(|panic| Err(Error::Panic(panic_message(panic.as_ref()))));
    let _enter = span.enter();
    if let Err(e) = &outcome {
        // Client errors (bad input, not found, …) are answers, not worker problems.
        if e.status() < 500 {
            tracing::debug!(error = %e, code = e.code(), "handler answered an error");
        } else {
            tracing::warn!(error = %e, "handler failed");
        }
    }
    let Some(invocation_id) = invocation_id else {
        return;
    };
    let result = match encode(trigger == TriggerKind::Http, outcome) {
        Ok(value) => InvocationResult::ok(invocation_id, function_id, value),
        Err(body) => InvocationResult::err(invocation_id, function_id, body),
    };
    // If the connection is gone the engine has already answered the caller; nothing to do.
    let _ = link
        .data
        .send(Outgoing::Frame(Message::InvocationResult(result).encode()))
        .await;
}

/// Turns a handler's outcome into the `result` or `error` of an `invocationresult`.
///
/// For HTTP-fired invocations errors are answered as HTTP envelopes with the error's status
/// and the engine's error body, because the engine maps every protocol error to a 500.
fn encode(http: bool, outcome: Result<Reply>) -> Result<Box<RawValue>, ErrorBody> {
    let raw = |v: &dyn erased::Ser| v.to_raw().map_err(|e| Error::from(e).to_body());
    match (http, outcome) {
        (false, Ok(Reply::Json(value))) => Ok(value),
        (false, Ok(Reply::Http { body, .. })) => Ok(body),
        (false, Err(e)) => Err(e.to_body()),
        (true, Ok(Reply::Json(body))) => raw(&HttpResponse {
            status_code: 200,
            headers: Default::default(),
            body,
        }),
        (
            true,
            Ok(Reply::Http {
                status,
                headers,
                body,
            }),
        ) => raw(&HttpResponse {
            status_code: status,
            headers,
            body,
        }),
        (true, Err(e)) => raw(&HttpResponse {
            status_code: e.status(),
            headers: Default::default(),
            body: HttpErrorBody::new(e.code(), e.message()),
        }),
    }
}

mod erased {
    use iii_protocol::RawValue;

    /// Object-safe serialization into a raw value, so `encode` can share one closure.
    pub(super) trait Ser {
        fn to_raw(&self) -> serde_json::Result<Box<RawValue>>;
    }

    impl<T: serde::Serialize> Ser for T {
        fn to_raw(&self) -> serde_json::Result<Box<RawValue>> {
            serde_json::value::to_raw_value(self)
        }
    }
}

/// The text of a panic payload.
pub(crate) fn panic_message(payload: &(dyn Any + Send)) -> String {
    if let Some(s) = payload.downcast_ref::<&str>() {
        (*s).to_owned()
    } else if let Some(s) = payload.downcast_ref::<String>() {
        s.clone()
    } else {
        "panic with a non-string payload".to_owned()
    }
}
