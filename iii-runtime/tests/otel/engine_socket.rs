//! The engine exporter: spans reach the engine's telemetry socket (`/otel` beside the worker
//! socket) as `OTLP`-prefixed OTLP-JSON binary frames, sent by the worker's own socket.
//!
//! The development engine discards what arrives on `/otel`, so the test puts a front in
//! front of it: a TCP listener that keeps what arrives on `/otel` and passes every other
//! connection (the workers') through to the engine untouched.

use std::net::SocketAddr;
use std::time::Duration;

use futures_util::StreamExt;
use iii::observe::otel::EngineExporter;
use iii::observe::otel::opentelemetry_sdk::trace::SdkTracerProvider;
use iii::{Function, Trigger, Worker};
use iii_test_support::http::Client;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;
use tracing_subscriber::layer::SubscriberExt;

use super::{PARENT_ID, TRACE_ID, config};

/// Listens on a free port: `/otel` upgrades are kept (their binary frames sent to the
/// receiver), anything else is spliced to `engine`.
async fn front(engine: SocketAddr) -> (SocketAddr, mpsc::UnboundedReceiver<Vec<u8>>) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("binds");
    let addr = listener.local_addr().expect("addr");
    let (kept, frames) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((stream, _)) = listener.accept().await {
            tokio::spawn(serve(stream, engine, kept.clone()));
        }
    });
    (addr, frames)
}

async fn serve(mut stream: TcpStream, engine: SocketAddr, kept: mpsc::UnboundedSender<Vec<u8>>) {
    let mut head = [0u8; 10];
    // Peeking leaves the request for whoever answers it.
    loop {
        match stream.peek(&mut head).await {
            Ok(n) if n == head.len() => break,
            Ok(0) | Err(_) => return,
            Ok(_) => tokio::time::sleep(Duration::from_millis(1)).await,
        }
    }
    if head.starts_with(b"GET /otel") {
        let Ok(mut ws) = tokio_tungstenite::accept_async(stream).await else {
            return;
        };
        while let Some(Ok(message)) = ws.next().await {
            if let Message::Binary(frame) = message {
                let _ = kept.send(frame.to_vec());
            }
        }
    } else if let Ok(mut upstream) = TcpStream::connect(engine).await {
        let _ = tokio::io::copy_bidirectional(&mut stream, &mut upstream).await;
    }
}

#[tokio::test]
async fn spans_reach_the_engines_telemetry_socket_as_otlp_json() {
    let provider = SdkTracerProvider::builder()
        .with_simple_exporter(EngineExporter::new())
        .build();
    let subscriber = tracing_subscriber::registry().with(iii::observe::otel::layer(&provider));
    let _guard = tracing::subscriber::set_default(subscriber);
    let engine = iii_test_support::engine::start().await;
    let (addr, mut frames) = front(engine.ws_addr()).await;
    let worker = Worker::with_config(config(&format!("ws://{addr}"), "traced"));
    worker
        .register_function(
            "traced.echo",
            Function::new(|input: Value| async move { Ok::<_, iii::Error>(input) }),
        )
        .expect("register");
    worker.register_trigger(Trigger::http("traced.echo", "POST", "echo"));
    worker.connect().await.expect("connects through the front");

    let client = Client::new(engine.http_addr());
    let traceparent = format!("00-{TRACE_ID}-{PARENT_ID}-01");
    let headers = [
        ("content-type", "application/json"),
        ("traceparent", traceparent.as_str()),
    ];
    let answer = client
        .request("POST", "/echo", &headers, r#"{"n":1}"#.to_owned())
        .await
        .expect("http");
    assert_eq!(answer.json(), json!({"n": 1}));

    let frame = tokio::time::timeout(Duration::from_secs(10), frames.recv())
        .await
        .expect("a frame on /otel within 10 s")
        .expect("the front is up");
    assert_eq!(&frame[..4], b"OTLP", "the traces prefix");
    let request: Value = serde_json::from_slice(&frame[4..]).expect("OTLP-JSON");
    let spans = &request["resourceSpans"][0]["scopeSpans"][0]["spans"];
    let span = &spans[0];
    assert_eq!(span["name"], "execute traced.echo", "{request:#}");
    assert_eq!(span["traceId"], TRACE_ID, "the request's trace");
    assert_eq!(
        span["parentSpanId"], PARENT_ID,
        "the request's span is the parent"
    );
    assert_eq!(span["kind"], 2, "a server span");
    let attributes = span["attributes"].as_array().expect("attributes");
    let function_id = attributes
        .iter()
        .find(|a| a["key"] == "function_id")
        .expect("function_id attribute");
    assert_eq!(function_id["value"]["stringValue"], "traced.echo");

    worker.disconnect().await;
    provider.shutdown().expect("provider shuts down");
}
