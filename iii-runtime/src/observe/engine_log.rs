//! Logs to the engine: [`EngineLogLayer`], a `tracing` layer that turns events at or above a
//! chosen level into `engine::log::{level}` payloads, and the bounded queue between it and
//! the worker that sends them ([`Worker::forward_logs`](crate::Worker::forward_logs)).
//!
//! The layer never waits: an event that finds the queue full (or no worker draining it) is
//! dropped and counted ([`dropped_logs`], metric `iii_engine_logs_dropped_total`). It never
//! forwards what forwarding itself causes: the events of the task that sends the logs, the
//! runtime's own events below `INFO` (each forwarded log makes some), and the events of the
//! development engine, OpenTelemetry, the WebSocket and the HTTP crates.

use std::cell::Cell;
use std::fmt;
use std::sync::atomic::{AtomicU8, AtomicU64, Ordering};
use std::sync::{OnceLock, PoisonError, RwLock};

use serde_json::{Map, Value};
use tokio::sync::mpsc;
use tracing::dispatcher::WeakDispatch;
use tracing::field::{Field, Visit};
use tracing::{Dispatch, Event, Level, Subscriber};
use tracing_subscriber::layer::{Context, Layer};
use tracing_subscriber::registry::LookupSpan;

use crate::trace::TraceContext;

/// How many log events may wait for the worker to send them.
pub(crate) const QUEUE: usize = 1024;

/// Targets whose events are never forwarded: forwarding a log makes them log.
const NEVER: [&str; 6] = [
    "iii_engine",
    "opentelemetry",
    "tokio_tungstenite",
    "tungstenite",
    "hyper",
    "h2",
];

/// The most verbose level forwarded (`rank`), 0 while nothing is forwarded.
static THRESHOLD: AtomicU8 = AtomicU8::new(0);
static SINK: RwLock<Option<Sink>> = RwLock::new(None);
static DROPPED: AtomicU64 = AtomicU64::new(0);
/// Tells the sinks of successive forwarders apart, so that an old one closes only its own.
static GENERATION: AtomicU64 = AtomicU64::new(0);

thread_local! {
    /// Set while the layer builds a record: an event that building it causes is not forwarded.
    static BUILDING: Cell<bool> = const { Cell::new(false) };
}

tokio::task_local! {
    /// Set around the task that sends the logs: its own events are not forwarded.
    pub(crate) static FORWARDING: ();
}

struct Sink {
    tx: mpsc::Sender<Record>,
    service_name: String,
    generation: u64,
}

/// One log event for the engine: the function to call and its payload.
#[derive(Debug)]
pub(crate) struct Record {
    pub(crate) function_id: &'static str,
    pub(crate) payload: Value,
}

/// How many log events were dropped instead of forwarded since the process started.
pub fn dropped_logs() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

/// Starts forwarding events at or above `level`, named `service_name`; the records come out
/// of the returned queue. Replaces any earlier forwarding.
pub(crate) fn open(level: Level, service_name: &str) -> (mpsc::Receiver<Record>, u64) {
    let (tx, rx) = mpsc::channel(QUEUE);
    let generation = GENERATION.fetch_add(1, Ordering::Relaxed) + 1;
    let sink = Sink {
        tx,
        service_name: service_name.to_owned(),
        generation,
    };
    *SINK.write().unwrap_or_else(PoisonError::into_inner) = Some(sink);
    THRESHOLD.store(rank(level), Ordering::Relaxed);
    (rx, generation)
}

/// Stops forwarding, unless a later [`open`] replaced `generation`'s sink.
pub(crate) fn close(generation: u64) {
    let mut sink = SINK.write().unwrap_or_else(PoisonError::into_inner);
    if sink.as_ref().is_some_and(|s| s.generation == generation) {
        THRESHOLD.store(0, Ordering::Relaxed);
        *sink = None;
    }
}

/// 1 for `ERROR` up to 5 for `TRACE`.
fn rank(level: Level) -> u8 {
    match level {
        Level::ERROR => 1,
        Level::WARN => 2,
        Level::INFO => 3,
        Level::DEBUG => 4,
        _ => 5,
    }
}

fn function_id(level: Level) -> &'static str {
    match level {
        Level::ERROR => "engine::log::error",
        Level::WARN => "engine::log::warn",
        Level::INFO => "engine::log::info",
        Level::DEBUG => "engine::log::debug",
        _ => "engine::log::trace",
    }
}

fn never_forwarded(target: &str, level: Level) -> bool {
    if NEVER.iter().any(|prefix| target.starts_with(prefix)) {
        return true;
    }
    let runtime = target == "iii" || target.starts_with("iii::");
    runtime && level > Level::INFO
}

/// The layer that forwards `tracing` events to the engine's log.
///
/// It does nothing until a worker forwards logs
/// ([`Worker::forward_logs`](crate::Worker::forward_logs), or
/// [`App::engine_logs`](crate::App::engine_logs)); until then an event costs it one atomic
/// load. [`init_tracing`](crate::init_tracing) installs it; add it yourself
/// (`registry().with(iii::observe::EngineLogLayer::default())`) when you build your own
/// subscriber. It sees the events your subscriber's filter lets through.
///
/// Each forwarded event is a fire-and-forget call of `engine::log::{level}` with
/// `{message, data, trace_id, span_id, service_name}`: `data` holds the event's other fields
/// and its `target`; the ids are those of the span the event happened in (with the `otel`
/// feature and its layer), else those of the invocation's incoming `traceparent`.
#[derive(Default)]
pub struct EngineLogLayer {
    dispatch: OnceLock<WeakDispatch>,
}

impl fmt::Debug for EngineLogLayer {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("EngineLogLayer").finish_non_exhaustive()
    }
}

impl<S> Layer<S> for EngineLogLayer
where
    S: Subscriber + for<'a> LookupSpan<'a>,
{
    fn on_register_dispatch(&self, subscriber: &Dispatch) {
        let _ = self.dispatch.set(subscriber.downgrade());
    }

    fn on_event(&self, event: &Event<'_>, ctx: Context<'_, S>) {
        let threshold = THRESHOLD.load(Ordering::Relaxed);
        let meta = event.metadata();
        if threshold == 0
            || rank(*meta.level()) > threshold
            || never_forwarded(meta.target(), *meta.level())
        {
            return;
        }
        if FORWARDING.try_with(|()| ()).is_ok() || BUILDING.replace(true) {
            return;
        }
        let ids = self.span_ids(event, &ctx);
        let sink = SINK.read().unwrap_or_else(PoisonError::into_inner);
        if let Some(sink) = sink.as_ref() {
            let record = Record {
                function_id: function_id(*meta.level()),
                payload: payload(event, ids, &sink.service_name),
            };
            if sink.tx.try_send(record).is_err() {
                DROPPED.fetch_add(1, Ordering::Relaxed);
                super::metrics::engine_log_dropped();
            }
        }
        BUILDING.set(false);
    }
}

impl EngineLogLayer {
    /// The trace and span ids of the span `event` happened in, as lower-case hex.
    #[cfg_attr(not(feature = "otel"), allow(clippy::unused_self))]
    fn span_ids<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>) -> Option<(String, String)>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        #[cfg(feature = "otel")]
        if let Some(ids) = self.otel_ids(event, ctx) {
            return Some(ids);
        }
        #[cfg(not(feature = "otel"))]
        let _ = (event, ctx);
        let traceparent = TraceContext::current().traceparent?;
        let mut parts = traceparent.split('-');
        let (_version, trace, span) = (parts.next()?, parts.next()?, parts.next()?);
        Some((trace.to_owned(), span.to_owned()))
    }

    #[cfg(feature = "otel")]
    fn otel_ids<S>(&self, event: &Event<'_>, ctx: &Context<'_, S>) -> Option<(String, String)>
    where
        S: Subscriber + for<'a> LookupSpan<'a>,
    {
        use opentelemetry::trace::TraceContextExt;
        let span = ctx.event_span(event)?;
        let dispatch = self.dispatch.get()?.upgrade()?;
        let cx = tracing_opentelemetry::get_otel_context(&span.id(), &dispatch)?;
        let otel_span = cx.span();
        let ids = otel_span.span_context();
        ids.is_valid()
            .then(|| (ids.trace_id().to_string(), ids.span_id().to_string()))
    }
}

fn payload(event: &Event<'_>, ids: Option<(String, String)>, service_name: &str) -> Value {
    let mut fields = Fields::default();
    event.record(&mut fields);
    let mut data = fields.data;
    data.insert("target".into(), event.metadata().target().into());
    let mut payload = Map::new();
    payload.insert("message".into(), fields.message.into());
    payload.insert("data".into(), Value::Object(data));
    if let Some((trace_id, span_id)) = ids {
        payload.insert("trace_id".into(), trace_id.into());
        payload.insert("span_id".into(), span_id.into());
    }
    payload.insert("service_name".into(), service_name.into());
    Value::Object(payload)
}

/// An event's `message` and its other fields as JSON.
#[derive(Default)]
struct Fields {
    message: String,
    data: Map<String, Value>,
}

impl Fields {
    fn put(&mut self, field: &Field, value: Value) {
        if field.name() == "message" {
            self.message = match value {
                Value::String(s) => s,
                other => other.to_string(),
            };
        } else {
            self.data.insert(field.name().to_owned(), value);
        }
    }
}

impl Visit for Fields {
    fn record_f64(&mut self, field: &Field, value: f64) {
        self.put(field, value.into());
    }
    fn record_i64(&mut self, field: &Field, value: i64) {
        self.put(field, value.into());
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.put(field, value.into());
    }
    fn record_bool(&mut self, field: &Field, value: bool) {
        self.put(field, value.into());
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.put(field, value.into());
    }
    fn record_error(&mut self, field: &Field, value: &(dyn std::error::Error + 'static)) {
        self.put(field, value.to_string().into());
    }
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.put(field, format!("{value:?}").into());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forwarding_loops_are_cut_by_target() {
        assert!(never_forwarded("iii_engine::router", Level::ERROR));
        assert!(never_forwarded("opentelemetry_sdk", Level::WARN));
        assert!(never_forwarded("iii::service::task", Level::DEBUG));
        assert!(!never_forwarded("iii::service::task", Level::WARN));
        assert!(!never_forwarded("iii::request", Level::INFO));
        assert!(!never_forwarded("my_worker::orders", Level::TRACE));
        assert!(!never_forwarded("iiiii", Level::TRACE));
    }

    #[test]
    fn levels_name_their_engine_function() {
        assert_eq!(function_id(Level::WARN), "engine::log::warn");
        assert_eq!(function_id(Level::TRACE), "engine::log::trace");
        assert!(rank(Level::ERROR) < rank(Level::INFO));
    }
}
