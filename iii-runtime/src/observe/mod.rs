//! Observability: what a worker tells about the invocations it serves, at little cost, and
//! nothing it is not asked to tell.
//!
//! # Request log
//!
//! One line per invocation, a `tracing` event with target `iii::request` and structured
//! fields ([`RequestLog`] lists them): by default at `INFO` for invocations this worker's
//! triggers fired (an HTTP request shows its method, its path and its status), at `DEBUG`
//! for direct calls, and at `WARN` for failures (status 500 and above) with the error's code
//! and message. [`App::request_log`](crate::App::request_log) changes the levels or turns it
//! off; `RUST_LOG` filters it like any other target (`RUST_LOG=info,iii::request=warn`).
//! Nothing is formatted or allocated for a line the filter disables.
//!
//! # Metrics
//!
//! Invocations, errors and durations per function, invocations in flight, reconnects and
//! dropped engine logs (names and labels in [`metrics`]), recorded through the
//! [`metrics`](https://docs.rs/metrics) facade. The facade was chosen over OpenTelemetry
//! metrics because it costs nothing until a recorder is installed (a call into its no-op
//! recorder, no allocation) and leaves the exporter to the program: Prometheus, StatsD,
//! OpenTelemetry through a bridge, or a test's recorder. With the `prometheus` feature,
//! `App::prometheus` serves them for scraping.
//!
//! # Traces
//!
//! With the `otel` feature, one OpenTelemetry span per invocation, the child of the incoming
//! `traceparent`, and one per call a handler makes, whose context the call carries on; see
//! `iii::observe::otel`. Without it, the incoming `traceparent` and `baggage` are still passed on to the
//! calls a handler makes, and every invocation runs in an `invoke` span at `DEBUG` (target
//! `iii::invoke`, fields `function_id`, `invocation_id`, `trigger`) that a subscriber's own
//! layers can use: `RUST_LOG=info,iii::invoke=debug` has every event a handler logs carry
//! them. It is at `DEBUG` because at `INFO` it would cost as much as the request log line,
//! which names the function and the invocation already.
//!
//! # Logs to the engine
//!
//! [`App::engine_logs`](crate::App::engine_logs) (or
//! [`Worker::forward_logs`](crate::Worker::forward_logs)) forwards `tracing` events at or
//! above a level to the engine's `engine::log::{level}`, with the trace and span ids of the
//! span they happened in, through [`EngineLogLayer`]. The layer never blocks: events that
//! find its queue full are dropped and counted ([`dropped_logs`]). The official iii engine
//! shows them beside its own logs; the development engine has no such function and drops
//! the calls.
//!
//! - `request_log.rs`: [`RequestLog`] and the line; `metrics.rs`: names and handles;
//!   `engine_log.rs`: the layer and its queue; `subscriber.rs`: the default subscriber;
//!   `otel/`: the OpenTelemetry pipeline and spans.

mod engine_log;
pub mod metrics;
#[cfg(feature = "otel")]
pub mod otel;
#[cfg(feature = "prometheus")]
pub(crate) mod prometheus;
mod request_log;
mod subscriber;

pub use tracing::Level;

pub use self::engine_log::{EngineLogLayer, dropped_logs};
pub(crate) use self::engine_log::{FORWARDING, close, open};
pub(crate) use self::metrics::FunctionMetrics;
pub(crate) use self::request_log::{HttpLine, Served, enabled, trigger_name, write};
pub use self::request_log::{RequestLog, TARGET as REQUEST_TARGET};
pub(crate) use self::subscriber::init;

use crate::error::Error;
use crate::trace::TraceContext;

/// A span for a call to `function_id` and the trace context the call carries: with an
/// OpenTelemetry layer, the call's own span's; else the context of the invocation being
/// served, passed on as it came (and no span).
pub(crate) fn call_span(function_id: &str) -> (tracing::Span, TraceContext) {
    // The calls that forward logs to the engine are not traced: a span per log line.
    #[cfg(feature = "otel")]
    if FORWARDING.try_with(|()| ()).is_err()
        && let Some(traced) = otel::call_span(function_id)
    {
        return traced;
    }
    #[cfg(not(feature = "otel"))]
    let _ = function_id;
    (tracing::Span::none(), TraceContext::current())
}

/// Records a call's outcome on the span [`call_span`] gave it.
pub(crate) fn call_ended(span: &tracing::Span, error: Option<&Error>) {
    #[cfg(feature = "otel")]
    otel::call_ended(span, error);
    #[cfg(not(feature = "otel"))]
    let _ = (span, error);
}

/// Flushes what is buffered for export before the process exits.
pub(crate) fn shutdown() {
    #[cfg(feature = "otel")]
    otel::shutdown();
}
