//! Traces (feature `otel`): OpenTelemetry through `tracing-opentelemetry`.
//!
//! Each invocation is one span, `execute {function_id}`, the child of the invocation's
//! incoming `traceparent` (the engine's span; for an HTTP request whose engine passed none on,
//! the request's own `traceparent` header). Its attributes: `function_id`, `trigger`,
//! `invocation_id`, `status` (the HTTP status, or what the outcome maps to), `error.type` (the
//! error code) and, for HTTP, `http.request.method` and `http.route`; status `Error` from 500
//! on. Each call a handler makes to another function ([`Worker::invoke`](crate::Worker::invoke)
//! and friends) is a `call {function_id}` span, the child of the invocation's, whose context
//! goes out as the call's `traceparent` and `baggage`: the callee's span is its child, in
//! whatever worker serves it.
//!
//! [`init_tracing`](crate::init_tracing) (which `#[iii::main]` calls) installs all this from
//! the standard variables. Where spans go (`OTEL_TRACES_EXPORTER`, a comma-separated list):
//! - `iii`, the default when no OTLP endpoint is set: the iii engine the worker is connected
//!   to, on its telemetry socket (`/otel`, OTLP-JSON in binary frames), as the official SDKs
//!   send them; the official engine shows them in its console, the development engine
//!   discards them ([`EngineExporter`]);
//! - `otlp`, the default when `OTEL_EXPORTER_OTLP_ENDPOINT` or `_TRACES_ENDPOINT` is set:
//!   OTLP over HTTP/protobuf to that endpoint (default `http://localhost:4318`; `_HEADERS`,
//!   `_TIMEOUT`, `_COMPRESSION` as the specification says);
//! - `otlp,iii` both, `none` neither.
//!
//! Sampling from `OTEL_TRACES_SAMPLER` and
//! `OTEL_TRACES_SAMPLER_ARG` (default `parentbased_always_on`), the resource from
//! `OTEL_SERVICE_NAME` and `OTEL_RESOURCE_ATTRIBUTES`, the batch from `OTEL_BSP_*`.
//! `OTEL_SDK_DISABLED=true` or `OTEL_TRACES_EXPORTER=none` turns it off. The exporter's HTTP
//! client is hyper's, without TLS: point it at a collector on plain HTTP (a local agent or
//! sidecar), or build your own exporter and pass it to [`provider`].
//!
//! Spans are `tracing` spans at `INFO` (targets `iii::invoke` and `iii::call`):
//! the subscriber's filter (`RUST_LOG`) decides whether they exist at all.
//!
//! Payloads are never recorded unless asked: [`record_payloads`], or
//! `III_TRACE_PAYLOAD_MAX_BYTES=N`, records the first `N` bytes of each input and output as
//! `iii.input` / `iii.output`.
//!
//! The engine's socket is opened by the first worker of the process to start, beside its
//! own connection (same URL with `/otel`, same handshake headers and TLS), and reopened with
//! backoff when it drops; batches wait for it in a bounded outbox ([`dropped_batches`]).
//!
//! With your own subscriber, install the pieces yourself:
//!
//! ```no_run
//! use tracing_subscriber::layer::SubscriberExt;
//! use tracing_subscriber::util::SubscriberInitExt;
//!
//! # #[tokio::main] async fn main() -> Result<(), Box<dyn std::error::Error>> {
//! let provider = iii::observe::otel::from_env()?.expect("not disabled by OTEL_SDK_DISABLED");
//! tracing_subscriber::registry()
//!     .with(tracing_subscriber::EnvFilter::new("info"))
//!     .with(tracing_subscriber::fmt::layer())
//!     .with(iii::observe::otel::layer(&provider))
//!     .init();
//! // ... serve, then flush what is left:
//! provider.shutdown()?;
//! # Ok(()) }
//! ```

mod engine;
mod exporter;
mod span;

use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Mutex, PoisonError};

use opentelemetry::trace::TracerProvider as _;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::trace::{SdkTracerProvider, SpanExporter};
use tracing::Subscriber;
use tracing_subscriber::Layer;
use tracing_subscriber::registry::LookupSpan;

pub use self::engine::{EngineExporter, dropped_batches};
pub(crate) use self::engine::{give_back, take_frames};
pub(crate) use self::span::{call_ended, call_span, invocation_ended, invocation_span};
/// The OpenTelemetry crates this feature is built on, in the versions it uses.
pub use {opentelemetry, opentelemetry_otlp, opentelemetry_sdk, tracing_opentelemetry};

/// Whether an OpenTelemetry layer was built: spans then get their OpenTelemetry fields.
static ACTIVE: AtomicBool = AtomicBool::new(false);
/// How many bytes of each payload spans record (0: none).
static PAYLOAD_CAP: AtomicUsize = AtomicUsize::new(0);
/// The provider [`init_tracing`](crate::init_tracing) installed, flushed by [`shutdown`].
static INSTALLED: Mutex<Option<SdkTracerProvider>> = Mutex::new(None);

/// The environment variable that opts in to recording payloads, with a size cap in bytes.
pub const ENV_PAYLOAD_MAX_BYTES: &str = "III_TRACE_PAYLOAD_MAX_BYTES";

/// Why the OpenTelemetry pipeline could not be built.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum OtelError {
    /// The exporter runs on the Tokio runtime, and there was none.
    #[error("exporting traces needs a Tokio runtime: build the pipeline from within one")]
    NoRuntime,
    /// `OTEL_TRACES_EXPORTER` or the OTLP protocol names something this build cannot do.
    #[error("{0}")]
    Unsupported(String),
    /// The OTLP exporter rejected its configuration.
    #[error("cannot build the OTLP exporter: {0}")]
    Exporter(#[from] opentelemetry_otlp::ExporterBuildError),
}

/// The tracer provider the standard `OTEL_*` variables describe, exporting OTLP over
/// HTTP/protobuf; `None` when they turn tracing off (`OTEL_SDK_DISABLED=true`,
/// `OTEL_TRACES_EXPORTER=none`). Call it within a Tokio runtime: the exporter runs there.
///
/// # Errors
/// [`OtelError`] for an unsupported exporter or protocol, no runtime, or a bad endpoint.
pub fn from_env() -> Result<Option<SdkTracerProvider>, OtelError> {
    let var = |key: &str| {
        std::env::var(key)
            .unwrap_or_default()
            .trim()
            .to_ascii_lowercase()
    };
    if var("OTEL_SDK_DISABLED") == "true" {
        return Ok(None);
    }
    let endpoint = [
        "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT",
        "OTEL_EXPORTER_OTLP_ENDPOINT",
    ]
    .iter()
    .any(|key| !var(key).is_empty());
    let Some(Exporters { otlp, engine }) = exporters(&var("OTEL_TRACES_EXPORTER"), endpoint)?
    else {
        return Ok(None);
    };
    let mut builder = builder();
    if otlp {
        for key in [
            "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL",
            "OTEL_EXPORTER_OTLP_PROTOCOL",
        ] {
            let protocol = var(key);
            if !protocol.is_empty() && protocol != "http/protobuf" {
                return Err(OtelError::Unsupported(format!(
                    "{key}={protocol} is not supported: this build speaks OTLP over `http/protobuf`"
                )));
            }
        }
        let runtime = tokio::runtime::Handle::try_current().map_err(|_| OtelError::NoRuntime)?;
        let exporter = opentelemetry_otlp::SpanExporter::builder()
            .with_http()
            .build()?;
        builder = builder.with_batch_exporter(exporter::OnRuntime::new(exporter, runtime));
    }
    if engine {
        builder = builder.with_batch_exporter(EngineExporter::new());
    }
    Ok(Some(builder.build()))
}

/// Where spans go.
#[derive(Debug, PartialEq, Eq)]
struct Exporters {
    otlp: bool,
    engine: bool,
}

/// What `OTEL_TRACES_EXPORTER` (`list`) asks for, when an OTLP endpoint is set or not;
/// `None` for `none`.
fn exporters(list: &str, endpoint: bool) -> Result<Option<Exporters>, OtelError> {
    let (mut otlp, mut engine) = (false, false);
    for name in list.split(',').map(str::trim) {
        match name {
            "" => {}
            "otlp" => otlp = true,
            "iii" => engine = true,
            "none" => return Ok(None),
            other => {
                return Err(OtelError::Unsupported(format!(
                    "OTEL_TRACES_EXPORTER={other} is not supported: this build exports `otlp` \
                     (an OTLP/HTTP endpoint) and `iii` (the engine's telemetry socket)"
                )));
            }
        }
    }
    if !otlp && !engine {
        // Where the official SDKs send spans unless told otherwise: the engine. An endpoint
        // in the environment says a collector is wanted instead.
        (otlp, engine) = (endpoint, !endpoint);
    }
    Ok(Some(Exporters { otlp, engine }))
}

/// The provider's settings every pipeline shares: the resource from the environment.
fn builder() -> opentelemetry_sdk::trace::TracerProviderBuilder {
    SdkTracerProvider::builder().with_resource(Resource::builder().build())
}

/// A tracer provider exporting to `exporter` in batches, sampling as `OTEL_TRACES_SAMPLER`
/// says, with the resource of `OTEL_SERVICE_NAME` / `OTEL_RESOURCE_ATTRIBUTES`.
pub fn provider<E: SpanExporter + 'static>(exporter: E) -> SdkTracerProvider {
    builder().with_batch_exporter(exporter).build()
}

/// The `tracing` layer that turns spans into OpenTelemetry spans of `provider`, set up for
/// the invocation spans (no source locations, thread names or busy/idle timings, which
/// would cost on every span). Events of OpenTelemetry's and hyper's own crates are kept out,
/// so that exporting never traces itself.
pub fn layer<S>(provider: &SdkTracerProvider) -> impl Layer<S> + Send + Sync + 'static
where
    S: Subscriber + for<'a> LookupSpan<'a> + Send + Sync + 'static,
{
    ACTIVE.store(true, Ordering::Relaxed);
    if let Some(cap) = std::env::var(ENV_PAYLOAD_MAX_BYTES)
        .ok()
        .and_then(|v| v.trim().parse().ok())
    {
        record_payloads(cap);
    }
    tracing_opentelemetry::layer()
        .with_tracer(provider.tracer("iii"))
        .with_location(false)
        .with_threads(false)
        .with_target(false)
        .with_tracked_inactivity(false)
        .with_filter(tracing_subscriber::filter::filter_fn(|meta| {
            let target = meta.target();
            !["opentelemetry", "hyper", "h2"]
                .iter()
                .any(|prefix| target.starts_with(prefix))
        }))
}

/// Records up to `max_bytes` of each invocation's input and output on its span (`0`: none,
/// the default). Payloads often hold personal data: record them only where that is allowed.
pub fn record_payloads(max_bytes: usize) {
    PAYLOAD_CAP.store(max_bytes, Ordering::Relaxed);
}

/// Flushes and stops the provider [`init_tracing`](crate::init_tracing) installed, if any;
/// `#[iii::main]` calls it before the process exits.
pub fn shutdown() {
    let provider = INSTALLED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take();
    if let Some(provider) = provider {
        // Nothing is left to report an export failure to at this point.
        let _ = provider.shutdown();
    }
}

/// Exports what the installed provider's batch holds now. Blocks until its exporters ran.
pub(crate) fn flush() {
    let provider = INSTALLED
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .clone();
    if let Some(provider) = provider {
        let _ = provider.force_flush();
    }
}

/// Keeps `provider` for [`shutdown`] and makes it the global one, for code that uses the
/// OpenTelemetry API directly.
pub(crate) fn keep(provider: SdkTracerProvider) {
    opentelemetry::global::set_tracer_provider(provider.clone());
    opentelemetry::global::set_text_map_propagator(span::propagator());
    *INSTALLED.lock().unwrap_or_else(PoisonError::into_inner) = Some(provider);
}

/// Forgets a layer that was built but not installed.
pub(crate) fn deactivate() {
    ACTIVE.store(false, Ordering::Relaxed);
}

fn active() -> bool {
    ACTIVE.load(Ordering::Relaxed)
}

fn payload_cap() -> usize {
    PAYLOAD_CAP.load(Ordering::Relaxed)
}

#[cfg(test)]
mod tests;
