//! The OpenTelemetry side of the invocation and call spans: their names, kinds, parents and
//! attributes, and the W3C context read from an invocation and written into a call.

use std::sync::LazyLock;

use opentelemetry::propagation::{
    Extractor, Injector, TextMapCompositePropagator, TextMapPropagator,
};
use opentelemetry::trace::TraceContextExt;
use opentelemetry_sdk::propagation::{BaggagePropagator, TraceContextPropagator};
use tracing::Span;
use tracing::field::{Empty, display};
use tracing_opentelemetry::OpenTelemetrySpanExt;
use uuid::Uuid;

use super::{active, payload_cap};
use crate::error::Error;
use crate::observe::trigger_name;
use crate::trace::TraceContext;
use crate::trigger::TriggerKind;

static PROPAGATOR: LazyLock<TextMapCompositePropagator> = LazyLock::new(propagator);

/// W3C trace context and baggage, the two the protocol carries.
pub(super) fn propagator() -> TextMapCompositePropagator {
    TextMapCompositePropagator::new(vec![
        Box::new(TraceContextPropagator::new()),
        Box::new(BaggagePropagator::new()),
    ])
}

/// The span of an invocation when an OpenTelemetry layer is installed: named, kinded and
/// parented for it, with the request's attributes (`http` is its method and route) and, when
/// payloads are recorded, its `input`. `None` without the layer.
pub(crate) fn invocation_span(
    function_id: &str,
    invocation_id: Option<Uuid>,
    trigger: TriggerKind,
    parent: &TraceContext,
    http: Option<(&str, &str)>,
    input: &str,
) -> Option<Span> {
    if !active() {
        return None;
    }
    let kind = match trigger {
        TriggerKind::Queue | TriggerKind::Subscribe | TriggerKind::Kv | TriggerKind::Stream => {
            "consumer"
        }
        _ => "server",
    };
    let (method, route) = http.unzip();
    // The route as registered: its leading `/` is optional.
    let route = route.map(|r| display(Route(r)));
    // Every field the outcome fills in is declared here, empty: a span's fields are fixed
    // when it is created.
    let span = tracing::info_span!(
        target: "iii::invoke",
        "invoke",
        function_id = %function_id,
        invocation_id = invocation_id.map(tracing::field::display),
        trigger = %trigger_name(trigger),
        otel.name = %format_args!("execute {function_id}"),
        otel.kind = kind,
        otel.status_code = Empty,
        http.request.method = method,
        http.route = route,
        status = Empty,
        error.type = Empty,
        iii.input = Empty,
        iii.output = Empty,
    );
    if span.is_disabled() {
        return Some(span);
    }
    if parent.traceparent.is_some() {
        let cx = PROPAGATOR.extract(&Incoming(parent));
        // Fails only when no OpenTelemetry layer is in the subscriber: nothing to parent.
        let _ = span.set_parent(cx);
    }
    record_payload(&span, "iii.input", input);
    Some(span)
}

/// A route with its leading `/`, which registering it may leave out.
struct Route<'a>(&'a str);

impl std::fmt::Display for Route<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        if !self.0.starts_with('/') {
            f.write_str("/")?;
        }
        f.write_str(self.0)
    }
}

/// Records an invocation's outcome on its span.
pub(crate) fn invocation_ended(span: &Span, status: u16, error: Option<&Error>, output: &str) {
    if !active() || span.is_disabled() {
        return;
    }
    // As i64: OpenTelemetry has no unsigned integers, the layer would record a u16 as text.
    span.record("status", i64::from(status));
    if let Some(error) = error {
        span.record("error.type", error.code());
    }
    if status >= 500 {
        span.record("otel.status_code", "error");
    }
    record_payload(span, "iii.output", output);
}

/// A span for a call to `function_id`, and the context that goes out with the call: its
/// own. `None` when no OpenTelemetry span exists for it (no layer, or filtered out).
pub(crate) fn call_span(function_id: &str) -> Option<(Span, TraceContext)> {
    if !active() {
        return None;
    }
    let span = tracing::info_span!(
        target: "iii::call",
        "call",
        otel.name = %format_args!("call {function_id}"),
        otel.kind = "client",
        otel.status_code = tracing::field::Empty,
        function_id = %function_id,
        error.type = tracing::field::Empty,
    );
    if span.is_disabled() {
        return None;
    }
    let cx = span.context();
    if !cx.span().span_context().is_valid() {
        return None;
    }
    let mut outgoing = TraceContext::default();
    PROPAGATOR.inject_context(&cx, &mut Outgoing(&mut outgoing));
    if outgoing.baggage.is_none() {
        // Baggage the OpenTelemetry context did not take in goes on as it came.
        outgoing.baggage = TraceContext::current().baggage;
    }
    Some((span, outgoing))
}

/// Records a call's failure on its span.
pub(crate) fn call_ended(span: &Span, error: Option<&Error>) {
    if let Some(error) = error {
        span.record("error.type", error.code());
        span.record("otel.status_code", "error");
    }
}

fn record_payload(span: &Span, field: &'static str, payload: &str) {
    let cap = payload_cap();
    if cap == 0 {
        return;
    }
    let mut end = payload.len().min(cap);
    while !payload.is_char_boundary(end) {
        end -= 1;
    }
    span.record(field, &payload[..end]);
}

struct Incoming<'a>(&'a TraceContext);

impl Extractor for Incoming<'_> {
    fn get(&self, key: &str) -> Option<&str> {
        match key {
            "traceparent" => self.0.traceparent.as_deref(),
            "baggage" => self.0.baggage.as_deref(),
            _ => None,
        }
    }

    fn keys(&self) -> Vec<&str> {
        vec!["traceparent", "baggage"]
    }
}

struct Outgoing<'a>(&'a mut TraceContext);

impl Injector for Outgoing<'_> {
    fn set(&mut self, key: &str, value: String) {
        match key {
            "traceparent" => self.0.traceparent = Some(value),
            "baggage" if !value.is_empty() => self.0.baggage = Some(value),
            _ => {}
        }
    }
}
