//! The OTLP path as `from_env` builds it: hyper's client on the runtime, driven from the
//! batch processor's own thread, posting protobuf to a collector (a minimal HTTP receiver
//! here, which answers `200` and keeps the request).

use opentelemetry::trace::{Tracer as _, TracerProvider as _};
use opentelemetry_otlp::WithExportConfig;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::TcpListener;

use super::exporter::OnRuntime;
use super::{Exporters, exporters};

/// Reads one HTTP/1.1 request (head and a `content-length` body), answers `200`.
async fn receive_one(listener: TcpListener) -> (Vec<String>, Vec<u8>) {
    let (stream, _) = listener.accept().await.expect("the exporter connects");
    let mut stream = BufReader::new(stream);
    let mut head = Vec::new();
    loop {
        let mut line = String::new();
        stream.read_line(&mut line).await.expect("request head");
        let line = line.trim_end().to_owned();
        if line.is_empty() {
            break;
        }
        head.push(line);
    }
    let length = head
        .iter()
        .find_map(|h| {
            h.to_ascii_lowercase()
                .strip_prefix("content-length:")
                .map(|v| v.trim().to_owned())
        })
        .and_then(|v| v.parse::<usize>().ok())
        .expect("a content-length");
    let mut body = vec![0; length];
    stream.read_exact(&mut body).await.expect("request body");
    stream
        .get_mut()
        .write_all(b"HTTP/1.1 200 OK\r\ncontent-length: 0\r\n\r\n")
        .await
        .expect("answer");
    (head, body)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn batches_are_posted_as_otlp_protobuf_from_the_runtime() {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let endpoint = format!("http://{}/v1/traces", listener.local_addr().expect("addr"));
    let received = tokio::spawn(receive_one(listener));
    let otlp = opentelemetry_otlp::SpanExporter::builder()
        .with_http()
        .with_endpoint(endpoint)
        .build()
        .expect("exporter");
    let provider = super::provider(OnRuntime::new(otlp, tokio::runtime::Handle::current()));
    provider.tracer("test").in_span("execute probe", |_| {});
    // Flushing blocks until the processor's thread has exported: not on a runtime thread.
    let flushing = provider.clone();
    tokio::task::spawn_blocking(move || flushing.force_flush())
        .await
        .expect("join")
        .expect("the batch is exported");
    let (head, body) = received.await.expect("join");
    assert_eq!(head[0], "POST /v1/traces HTTP/1.1", "{head:?}");
    assert!(
        head.iter()
            .any(|h| h.eq_ignore_ascii_case("content-type: application/x-protobuf")),
        "{head:?}"
    );
    assert!(
        body.windows(13).any(|w| w == b"execute probe"),
        "the span's name is in the protobuf body"
    );
    tokio::task::spawn_blocking(move || provider.shutdown())
        .await
        .expect("join")
        .expect("shutdown");
}

#[test]
fn spans_go_to_the_engine_unless_a_collector_is_named() {
    let to = |otlp, engine| Some(Exporters { otlp, engine });
    let chosen = |list: &str, endpoint| exporters(list, endpoint).expect("supported");
    assert_eq!(chosen("", false), to(false, true), "the engine by default");
    assert_eq!(
        chosen("", true),
        to(true, false),
        "an endpoint names a collector"
    );
    assert_eq!(chosen("otlp", false), to(true, false));
    assert_eq!(chosen("iii", true), to(false, true));
    assert_eq!(chosen("otlp, iii", false), to(true, true));
    assert_eq!(chosen("none", true), None);
    let err = exporters("zipkin", false).expect_err("not built in");
    assert!(err.to_string().contains("zipkin"), "{err}");
}
