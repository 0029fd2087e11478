//! Traces with the `otel` feature, against the development engine over real sockets: one
//! span per invocation, linked across two workers through the calls' `traceparent`, under the
//! HTTP request's own `traceparent`; outcomes as attributes; the parent's sampling decision
//! honoured; payloads recorded only when asked, within their cap.
//!
//! The spans go to an in-memory exporter through the same `tracing` layer
//! `iii::init_tracing` installs, in a subscriber scoped to the test's thread.

use std::sync::{Arc, Mutex, PoisonError};
use std::time::Duration;

use iii::observe::otel::opentelemetry::trace::{SpanId, SpanKind, Status, TraceId};
use iii::observe::otel::opentelemetry::{KeyValue, Value as OtelValue};
use iii::observe::otel::opentelemetry_sdk::error::OTelSdkResult;
use iii::observe::otel::opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use iii::{Backoff, Context, Error, Function, Trigger, Worker, WorkerConfig};
use iii_test_support::http::Client;
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;

mod engine_socket;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

/// Keeps every span it is given.
#[derive(Debug, Clone, Default)]
struct Kept(Arc<Mutex<Vec<SpanData>>>);

impl SpanExporter for Kept {
    async fn export(&self, batch: Vec<SpanData>) -> OTelSdkResult {
        self.0
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .extend(batch);
        Ok(())
    }
}

impl Kept {
    fn take(&self) -> Vec<SpanData> {
        std::mem::take(&mut *self.0.lock().unwrap_or_else(PoisonError::into_inner))
    }
}

fn named<'a>(spans: &'a [SpanData], name: &str) -> Vec<&'a SpanData> {
    spans.iter().filter(|s| s.name == name).collect()
}

fn one<'a>(spans: &'a [SpanData], name: &str) -> &'a SpanData {
    let found = named(spans, name);
    assert_eq!(found.len(), 1, "one `{name}` span in {spans:#?}");
    found[0]
}

fn attr<'a>(span: &'a SpanData, key: &str) -> Option<&'a OtelValue> {
    span.attributes
        .iter()
        .find(|KeyValue { key: k, .. }| k.as_str() == key)
        .map(|kv| &kv.value)
}

fn text(span: &SpanData, key: &str) -> Option<String> {
    attr(span, key).map(|v| v.as_str().into_owned())
}

fn config(url: &str, name: &str) -> WorkerConfig {
    WorkerConfig {
        url: url.to_owned(),
        url_is_explicit: true,
        name: name.to_owned(),
        connect_timeout: Duration::from_secs(5),
        backoff: Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(400),
            jitter: 0.0,
        },
        ..WorkerConfig::default()
    }
}

/// `front.order` (`POST /order`) calls `back.price` on another worker, which fails for
/// `{"fail": true}`.
async fn workers(url: &str) -> (Worker, Worker) {
    let back = Worker::with_config(config(url, "back"));
    back.register_function("back.price", |input: Value| async move {
        if input["fail"] == true {
            return Err(Error::new("exploded", 500, "the pricing engine exploded"));
        }
        Ok(json!({"price": 7}))
    })
    .expect("register");
    back.connect().await.expect("back connects");
    let front = Worker::with_config(config(url, "front"));
    front
        .register_function(
            "front.order",
            Function::with_context(|input: Value, ctx: Context| async move {
                ctx.worker().invoke::<Value>("back.price", input).await
            }),
        )
        .expect("register");
    front.register_trigger(Trigger::http("front.order", "POST", "order"));
    front.connect().await.expect("front connects");
    (front, back)
}

async fn order(client: &Client, body: &str, traceparent: &str) -> (u16, Value) {
    let headers = [
        ("content-type", "application/json"),
        ("traceparent", traceparent),
    ];
    let r = client
        .request("POST", "/order", &headers, body.to_owned())
        .await
        .expect("http");
    (r.status.as_u16(), r.json())
}

#[tokio::test]
async fn one_span_per_invocation_linked_across_two_workers_under_the_requests_traceparent() {
    let kept = Kept::default();
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(kept.clone())
        .build();
    let subscriber = tracing_subscriber::registry().with(iii::observe::otel::layer(&provider));
    let _guard = tracing::subscriber::set_default(subscriber);
    let engine = iii_test_support::engine::start().await;
    let (front, back) = workers(&engine.ws_url()).await;
    let client = Client::new(engine.http_addr());
    let sampled = format!("00-{TRACE_ID}-{PARENT_ID}-01");

    let (status, body) = order(&client, "{}", &sampled).await;
    assert_eq!((status, &body), (200, &json!({"price": 7})));
    let spans = kept.take();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    let trace = TraceId::from_hex(TRACE_ID).expect("trace id");
    let served = one(&spans, "execute front.order");
    let call = one(&spans, "call back.price");
    let priced = one(&spans, "execute back.price");
    for span in [served, call, priced] {
        assert_eq!(span.span_context.trace_id(), trace, "one trace: {span:#?}");
        assert!(span.span_context.is_sampled());
    }
    assert_eq!(
        served.parent_span_id,
        SpanId::from_hex(PARENT_ID).expect("span id"),
        "the HTTP request's traceparent is the parent"
    );
    assert_eq!(call.parent_span_id, served.span_context.span_id());
    assert_eq!(
        priced.parent_span_id,
        call.span_context.span_id(),
        "the other worker's span is the call's child"
    );
    assert_eq!(served.span_kind, SpanKind::Server);
    assert_eq!(call.span_kind, SpanKind::Client);
    assert_eq!(priced.span_kind, SpanKind::Server);
    assert_eq!(text(served, "function_id").as_deref(), Some("front.order"));
    assert_eq!(text(served, "trigger").as_deref(), Some("http"));
    assert_eq!(text(served, "http.request.method").as_deref(), Some("POST"));
    assert_eq!(text(served, "http.route").as_deref(), Some("/order"));
    assert_eq!(attr(served, "status"), Some(&OtelValue::I64(200)));
    assert_eq!(text(priced, "function_id").as_deref(), Some("back.price"));
    assert_eq!(text(priced, "trigger").as_deref(), Some("call"));
    assert!(text(priced, "invocation_id").is_some());
    for span in &spans {
        assert!(attr(span, "iii.input").is_none(), "no payloads by default");
        assert!(attr(span, "iii.output").is_none(), "no payloads by default");
    }

    // A failure: status Error and the code, on the span that failed and on those it failed.
    let (status, body) = order(&client, r#"{"fail":true}"#, &sampled).await;
    assert_eq!(status, 500, "{body}");
    let spans = kept.take();
    assert_eq!(spans.len(), 3, "{spans:#?}");
    for name in [
        "execute back.price",
        "call back.price",
        "execute front.order",
    ] {
        let span = one(&spans, name);
        assert_eq!(
            text(span, "error.type").as_deref(),
            Some("exploded"),
            "{name}"
        );
        assert!(
            matches!(span.status, Status::Error { .. }),
            "{name}: {span:#?}"
        );
    }
    assert_eq!(
        attr(one(&spans, "execute back.price"), "status"),
        Some(&OtelValue::I64(500))
    );

    // A parent that was not sampled: nothing is exported, here or in the other worker.
    let unsampled = format!("00-{TRACE_ID}-{PARENT_ID}-00");
    let (status, _) = order(&client, "{}", &unsampled).await;
    assert_eq!(status, 200);
    let spans = kept.take();
    assert!(
        spans.is_empty(),
        "the parent's decision is honoured: {spans:#?}"
    );

    // Payloads when asked, cut at the cap.
    iii::observe::otel::record_payloads(9);
    let (status, _) = order(&client, r#"{"item":"tea","qty":12}"#, &sampled).await;
    iii::observe::otel::record_payloads(0);
    assert_eq!(status, 200);
    let spans = kept.take();
    let served = one(&spans, "execute front.order");
    assert_eq!(text(served, "iii.input").as_deref(), Some(r#"{"item":""#));
    assert_eq!(text(served, "iii.output").as_deref(), Some(r#"{"price":"#));

    front.disconnect().await;
    back.disconnect().await;
    engine.shutdown().await;
    provider.shutdown().expect("provider shuts down");
}
