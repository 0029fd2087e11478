//! [`EngineExporter`]: spans for the iii engine's own telemetry socket.
//!
//! The engine takes telemetry on `/otel` beside its worker socket: binary frames of the ASCII
//! prefix `OTLP` followed by an OTLP-JSON `ExportTraceServiceRequest` (protocol.md §1.3). The
//! exporter only encodes: it puts each batch's frame in a bounded outbox, and the worker that
//! connects first carries the outbox's frames to its engine over a socket of its own
//! (`service::telemetry`), so that the exporter needs neither the engine's address nor a
//! connection when the pipeline is built, before any worker exists.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, OnceLock, PoisonError};

use opentelemetry_proto::tonic::collector::trace::v1::ExportTraceServiceRequest;
use opentelemetry_proto::transform::common::tonic::ResourceAttributesWithSchema;
use opentelemetry_proto::transform::trace::tonic::group_spans_by_resource_and_scope;
use opentelemetry_sdk::Resource;
use opentelemetry_sdk::error::{OTelSdkError, OTelSdkResult};
use opentelemetry_sdk::trace::{SpanData, SpanExporter};
use tokio::sync::mpsc;

/// The prefix that marks a binary frame on `/otel` as traces.
pub(crate) const TRACES_PREFIX: &[u8] = b"OTLP";

/// Batches that may wait for the socket; more are dropped and counted.
const OUTBOX: usize = 64;

/// Exports spans to the engine the process's worker is connected to, on its `/otel` socket,
/// as OTLP-JSON.
///
/// The official iii engine shows these spans in its console; the development engine
/// (`iii-engine`) accepts the socket and discards them. Batches wait (at most 64) while no
/// worker is connected, and are dropped and counted ([`dropped_batches`]) when more come:
/// exporting never waits for the engine. [`from_env`](super::from_env) picks it with
/// `OTEL_TRACES_EXPORTER=iii`, and by default when no OTLP endpoint is configured.
///
/// ```no_run
/// let provider = iii::observe::otel::provider(iii::observe::otel::EngineExporter::new());
/// # drop(provider);
/// ```
#[derive(Debug)]
pub struct EngineExporter {
    outbox: mpsc::Sender<Vec<u8>>,
    resource: ResourceAttributesWithSchema,
}

impl EngineExporter {
    /// An exporter feeding the process's one outbox to the engine.
    pub fn new() -> Self {
        Self {
            outbox: outbox().sender.clone(),
            resource: ResourceAttributesWithSchema::from(&Resource::builder_empty().build()),
        }
    }
}

impl Default for EngineExporter {
    fn default() -> Self {
        Self::new()
    }
}

impl SpanExporter for EngineExporter {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        let frame = encode(batch, &self.resource)?;
        if self.outbox.try_send(frame).is_err() {
            DROPPED.fetch_add(1, Ordering::Relaxed);
        }
        Ok(())
    }

    fn set_resource(&mut self, resource: &Resource) {
        self.resource = ResourceAttributesWithSchema::from(resource);
    }
}

/// One batch as the frame `/otel` takes.
fn encode(
    batch: Vec<SpanData>,
    resource: &ResourceAttributesWithSchema,
) -> Result<Vec<u8>, OTelSdkError> {
    let request = ExportTraceServiceRequest {
        resource_spans: group_spans_by_resource_and_scope(batch, resource),
    };
    let mut frame = TRACES_PREFIX.to_vec();
    serde_json::to_writer(&mut frame, &request)
        .map_err(|e| OTelSdkError::InternalFailure(format!("encoding spans as OTLP-JSON: {e}")))?;
    Ok(frame)
}

/// Batches of spans the engine exporter dropped because its outbox was full (no worker
/// connected to carry them, or an engine slower than the spans).
pub fn dropped_batches() -> u64 {
    DROPPED.load(Ordering::Relaxed)
}

static DROPPED: AtomicU64 = AtomicU64::new(0);

/// The process's one outbox: every exporter sends into it, one carrier at a time takes from it.
struct Outbox {
    sender: mpsc::Sender<Vec<u8>>,
    receiver: Mutex<Option<mpsc::Receiver<Vec<u8>>>>,
}

/// Made by the first engine exporter: until then the workers of a process that exports
/// elsewhere (or not at all) open no telemetry socket.
static OUTBOX_CELL: OnceLock<Outbox> = OnceLock::new();

fn outbox() -> &'static Outbox {
    OUTBOX_CELL.get_or_init(|| {
        let (sender, receiver) = mpsc::channel(OUTBOX);
        Outbox {
            sender,
            receiver: Mutex::new(Some(receiver)),
        }
    })
}

/// The outbox's frames, for the worker that carries them to its engine; `None` when no
/// engine exporter exists or another worker carries them already.
pub(crate) fn take_frames() -> Option<mpsc::Receiver<Vec<u8>>> {
    if !super::active() {
        return None;
    }
    OUTBOX_CELL
        .get()?
        .receiver
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .take()
}

/// Hands the frames back when the worker that carried them closes, for the next one.
pub(crate) fn give_back(frames: mpsc::Receiver<Vec<u8>>) {
    *outbox()
        .receiver
        .lock()
        .unwrap_or_else(PoisonError::into_inner) = Some(frames);
}

#[cfg(test)]
mod tests {
    use super::*;
    use opentelemetry::trace::{
        SpanContext, SpanId, SpanKind, Status, TraceFlags, TraceId, TraceState,
    };
    use opentelemetry::{InstrumentationScope, KeyValue};
    use opentelemetry_sdk::trace::{SpanEvents, SpanLinks};
    use std::time::{Duration, SystemTime};

    #[test]
    fn a_batch_is_one_otlp_json_frame() {
        let trace_id = TraceId::from_hex("4bf92f3577b34da6a3ce929d0e0e4736").expect("hex");
        let span_id = SpanId::from_hex("00f067aa0ba902b7").expect("hex");
        let start = SystemTime::UNIX_EPOCH + Duration::from_secs(1_700_000_000);
        let span = SpanData {
            span_context: SpanContext::new(
                trace_id,
                span_id,
                TraceFlags::SAMPLED,
                false,
                TraceState::default(),
            ),
            parent_span_id: SpanId::INVALID,
            parent_span_is_remote: false,
            span_kind: SpanKind::Server,
            name: "execute math.add".into(),
            start_time: start,
            end_time: start + Duration::from_millis(3),
            attributes: vec![KeyValue::new("iii.function_id", "math.add")],
            dropped_attributes_count: 0,
            events: SpanEvents::default(),
            links: SpanLinks::default(),
            status: Status::Ok,
            instrumentation_scope: InstrumentationScope::builder("iii").build(),
        };
        let resource = ResourceAttributesWithSchema::from(
            &Resource::builder_empty()
                .with_service_name("calculator")
                .build(),
        );
        let frame = encode(vec![span], &resource).expect("encodes");
        assert_eq!(&frame[..4], TRACES_PREFIX);
        let json: serde_json::Value = serde_json::from_slice(&frame[4..]).expect("JSON");
        let resource_spans = &json["resourceSpans"][0];
        assert_eq!(
            resource_spans["resource"]["attributes"][0]["value"]["stringValue"],
            "calculator"
        );
        let span = &resource_spans["scopeSpans"][0]["spans"][0];
        assert_eq!(resource_spans["scopeSpans"][0]["scope"]["name"], "iii");
        assert_eq!(span["name"], "execute math.add");
        assert_eq!(span["traceId"], "4bf92f3577b34da6a3ce929d0e0e4736");
        assert_eq!(span["spanId"], "00f067aa0ba902b7");
        assert_eq!(span["kind"], 2, "SPAN_KIND_SERVER");
        assert_eq!(span["startTimeUnixNano"], "1700000000000000000");
        assert_eq!(span["attributes"][0]["key"], "iii.function_id");
    }
}
