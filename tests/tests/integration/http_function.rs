//! An HTTP-invoked function registered through the runtime's plain API: the engine calls the
//! URL itself (here a small HTTP server of the test's own) and the caller gets its answer.

use std::time::Duration;

use iii::http_function::{HttpInvocation, HttpMethod};
use iii::{Function, Worker};
use iii_engine::UrlPolicy;
use iii_tests::{engine_with, worker_config};
use serde_json::{Value, json};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// A one-request-per-connection HTTP/1.1 server on a free loopback port that answers `body`
/// (JSON) and sends on the head and body of each request it got.
async fn responder(
    body: &'static str,
) -> (
    std::net::SocketAddr,
    mpsc::UnboundedReceiver<(String, String)>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bound");
    let addr = listener.local_addr().expect("an address");
    let (tx, rx) = mpsc::unbounded_channel();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let mut got = Vec::new();
            let mut buf = [0u8; 4096];
            let head_end = loop {
                let Ok(n) = stream.read(&mut buf).await else {
                    break None;
                };
                if n == 0 {
                    break None;
                }
                got.extend_from_slice(&buf[..n]);
                if let Some(at) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                    break Some(at + 4);
                }
            };
            let Some(head_end) = head_end else { continue };
            let head = String::from_utf8_lossy(&got[..head_end]).to_lowercase();
            let length: usize = head
                .lines()
                .find_map(|l| l.strip_prefix("content-length:"))
                .and_then(|v| v.trim().parse().ok())
                .unwrap_or(0);
            while got.len() < head_end + length {
                match stream.read(&mut buf).await {
                    Ok(n) if n > 0 => got.extend_from_slice(&buf[..n]),
                    _ => break,
                }
            }
            let request_body = String::from_utf8_lossy(&got[head_end..]).into_owned();
            let answer = format!(
                "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: {}\r\n\
                 connection: close\r\n\r\n{body}",
                body.len()
            );
            let _ = stream.write_all(answer.as_bytes()).await;
            let _ = tx.send((head, request_body));
        }
    });
    (addr, rx)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_worker_registers_an_http_function_that_the_engine_calls() {
    let engine = engine_with(|c| {
        c.http_functions = UrlPolicy {
            url_allowlist: vec!["127.0.0.1".into()],
            block_private_ips: false,
            require_https: false,
        };
    })
    .await;
    let (addr, mut seen) = responder(r#"{"total":42}"#).await;
    let worker = Worker::with_config(worker_config(&engine));
    let invocation = HttpInvocation::new(format!("http://{addr}/total"))
        .method(HttpMethod::Put)
        .header("x-team", "billing");
    worker
        .register_function(
            "billing::total",
            Function::http(invocation).description("Totals an order in billing"),
        )
        .expect("registered");
    worker.connect().await.expect("connected");
    let out: Value = worker
        .invoke("billing::total", json!({"order": 7}))
        .await
        .expect("the engine's call answered");
    assert_eq!(out, json!({"total": 42}));
    let (head, body) = tokio::time::timeout(Duration::from_secs(5), seen.recv())
        .await
        .expect("a request within 5 s")
        .expect("the responder runs");
    assert!(head.starts_with("put /total http/1.1\r\n"), "{head}");
    for line in [
        "x-iii-function-path: billing::total",
        "x-team: billing",
        "content-type: application/json",
    ] {
        assert!(head.contains(line), "{line:?} not in {head}");
    }
    let body: Value = serde_json::from_str(&body).expect("a JSON body");
    assert_eq!(body["order"], 7, "{body}");
    let listed: Value = worker
        .invoke(
            "engine::functions::info",
            json!({"function_id": "billing::total"}),
        )
        .await
        .expect("info");
    assert_eq!(listed["description"], "Totals an order in billing");
    worker.disconnect().await;
    engine.shutdown().await;
}
