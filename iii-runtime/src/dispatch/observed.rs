//! One invocation as the worker's observability sees it: its span, its request log line and
//! its metrics, started before the handler runs and ended with what the handler produced.

use std::time::Instant;

use tracing::Span;
use uuid::Uuid;

use crate::error::{Error, Result};
use crate::observe::{self, FunctionMetrics, HttpLine, RequestLog, Served};
use crate::reply::Reply;
use crate::trace::TraceContext;
use crate::trigger::TriggerKind;
use crate::worker::Invocation;

/// An invocation being observed; dropping it before [`end`](Observed::end) (the drain gave
/// up on the invocation) takes it out of the in-flight count.
pub(super) struct Observed<'a> {
    span: Span,
    started: Instant,
    metrics: &'a FunctionMetrics,
    log: RequestLog,
    trigger: TriggerKind,
    invocation_id: Option<Uuid>,
    /// The request as the log line shows it, kept only when a line may be written.
    http: Option<HttpLine>,
    ended: bool,
}

/// The trace context an invocation carries: the protocol's, else for an HTTP request the
/// request's own W3C headers (an engine that does not pass them on still lets a trace
/// through).
pub(super) fn trace_context(invocation: &Invocation) -> TraceContext {
    let ctx = invocation.context();
    let (traceparent, baggage) = invocation.http_trace_headers().unwrap_or_default();
    match ctx.traceparent() {
        Some(traceparent) => TraceContext {
            traceparent: Some(traceparent.to_owned()),
            baggage: ctx.baggage().map(str::to_owned),
        },
        None => TraceContext {
            traceparent: traceparent.map(str::to_owned),
            baggage: ctx.baggage().or(baggage).map(str::to_owned),
        },
    }
}

impl<'a> Observed<'a> {
    /// Starts observing `invocation`, whose trace context is `trace`, admitted at `started`
    /// (the start of the duration its metrics and log line report).
    #[cfg_attr(not(feature = "otel"), allow(unused_variables))]
    pub(super) fn start(
        invocation: &Invocation,
        trace: &TraceContext,
        metrics: &'a FunctionMetrics,
        started: Instant,
    ) -> Self {
        let ctx = invocation.context();
        let trigger = ctx.trigger();
        let log = ctx.worker().config().request_log;
        // Its fields given at creation, not recorded after: each record is one more call into
        // every layer. At DEBUG (as tower-http's request spans): a span costs a subscriber at
        // INFO about as much as the request log line itself, which already names the function
        // and the invocation. Traces (`otel`) make theirs at INFO.
        let plain = || {
            tracing::debug_span!(
                target: "iii::invoke",
                "invoke",
                function_id = %ctx.function_id(),
                invocation_id = ctx.invocation_id().map(tracing::field::display),
                trigger = %observe::trigger_name(trigger),
            )
        };
        #[cfg(feature = "otel")]
        let span = observe::otel::invocation_span(
            ctx.function_id(),
            ctx.invocation_id(),
            trigger,
            trace,
            invocation.http_route(),
            invocation.raw_input(),
        )
        .unwrap_or_else(plain);
        #[cfg(not(feature = "otel"))]
        let span = plain();
        // The whole request (its path parameters) is read only for a line that may be written.
        let http = log
            .may_log(trigger)
            .then(|| invocation.http())
            .flatten()
            .map(|r| HttpLine::new(&r.method, &r.path, &r.path_params));
        metrics.started();
        Self {
            span,
            started,
            metrics,
            log,
            trigger,
            invocation_id: ctx.invocation_id(),
            http,
            ended: false,
        }
    }

    /// The invocation's span, for the handler to run in.
    pub(super) fn span(&self) -> &Span {
        &self.span
    }

    /// Ends the observation of the invocation of `function_id` with what its handler
    /// produced: the metrics, the span's outcome, the request log line.
    pub(super) fn end(mut self, function_id: &str, outcome: &Result<Reply>) {
        self.ended = true;
        let elapsed = self.started.elapsed();
        let (status, error) = match outcome {
            Ok(Reply::Http { status, .. }) => (*status, None),
            Ok(Reply::Json(_)) => (200, None),
            Ok(Reply::Streamed { status }) => (*status, None),
            Err(e) => (e.status(), Some(e)),
        };
        self.metrics.ended(elapsed, error.map(Error::code));
        #[cfg(feature = "otel")]
        {
            let output = match outcome {
                Ok(Reply::Http { body, .. } | Reply::Json(body)) => body.get(),
                Ok(Reply::Streamed { .. }) | Err(_) => "",
            };
            observe::otel::invocation_ended(&self.span, status, error, output);
        }
        let Some(level) = self.log.level(self.trigger, status) else {
            return;
        };
        if !observe::enabled(level) {
            return;
        }
        let served = Served {
            function_id,
            trigger: self.trigger,
            invocation_id: self.invocation_id,
            http: self.http.as_ref(),
            status,
            error,
            elapsed,
        };
        observe::write(level, &served);
    }
}

impl Drop for Observed<'_> {
    fn drop(&mut self) {
        if !self.ended {
            self.metrics.abandoned();
        }
    }
}
