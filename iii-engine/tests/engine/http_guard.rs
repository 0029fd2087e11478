//! The HTTP port against slow clients, wrong methods and foreign host names.

use std::time::Duration;

use http::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{self, Worker, http};
use crate::raw::{exchange, status_of};

/// Opens a POST whose body stops after ten of its hundred bytes, once the engine has started
/// reading it (it answers `100 Continue` when it does).
async fn stalled_post(addr: std::net::SocketAddr, path: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Length: 100\r\n\
         Expect: 100-continue\r\n\r\n"
    );
    stream.write_all(head.as_bytes()).await.unwrap();
    let mut seen = Vec::new();
    while !seen.ends_with(b"\r\n\r\n") {
        let mut byte = [0u8; 1];
        let n = tokio::time::timeout(common::WAIT, stream.read(&mut byte))
            .await
            .expect("the engine starts reading the body")
            .unwrap();
        assert_eq!(
            n,
            1,
            "connection closed: {}",
            String::from_utf8_lossy(&seen)
        );
        seen.push(byte[0]);
    }
    assert!(
        seen.starts_with(b"HTTP/1.1 100"),
        "{}",
        String::from_utf8_lossy(&seen)
    );
    stream.write_all(b"0123456789").await.unwrap();
    stream
}

#[tokio::test]
async fn bodies_still_arriving_do_not_hold_the_concurrency_slots() {
    let mut config = common::config();
    config.concurrency_request_limit = 2;
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    w.route("up", "POST", "up").await;
    w.route("ok", "GET", "ok").await;
    let mut slow = Vec::new();
    for _ in 0..4 {
        slow.push(stalled_post(engine.http_addr(), "/up").await);
    }
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/ok", &[], ""), async {
        let inv = w.expect_invoke().await;
        assert_eq!(inv["function_id"], "ok");
        w.answer(&inv, json!({"body": "ok"})).await;
    });
    assert_eq!(resp.status, StatusCode::OK, "{}", resp.text());
    drop(slow);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_body_that_stops_arriving_is_408() {
    let mut config = common::config();
    config.http_timeout = Duration::from_millis(400);
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    w.route("up", "POST", "up").await;
    let mut stream = stalled_post(engine.http_addr(), "/up").await;
    let mut answer = Vec::new();
    let _ = tokio::time::timeout(common::WAIT, stream.read_to_end(&mut answer)).await;
    let answer = String::from_utf8_lossy(&answer);
    assert_eq!(status_of(&answer), 408, "{answer}");
    assert!(answer.contains("REQUEST_TIMEOUT"), "{answer}");
    assert!(
        w.try_recv(Duration::from_millis(200)).await.is_none(),
        "the function was not called"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_known_path_with_another_method_is_405_with_allow() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("get", "GET", "/things/:id").await;
    w.route("put", "PUT", "/things/mine").await;
    let resp = http(&engine, "POST", "/things/1", &[], "").await;
    assert_eq!(
        resp.status,
        StatusCode::METHOD_NOT_ALLOWED,
        "{}",
        resp.text()
    );
    assert_eq!(resp.headers["allow"], "GET, HEAD");
    assert_eq!(resp.json()["error"]["code"], "METHOD_NOT_ALLOWED");
    let resp = http(&engine, "DELETE", "/things/mine", &[], "").await;
    assert_eq!(resp.headers["allow"], "GET, HEAD, PUT");
    assert_eq!(
        http(&engine, "POST", "/nothing", &[], "").await.status,
        StatusCode::NOT_FOUND
    );
    // Preflights are still answered on any path.
    let resp = http(&engine, "OPTIONS", "/things/1", &[], "").await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    engine.shutdown().await;
}

#[tokio::test]
async fn on_loopback_only_local_host_names_are_served() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("f", "GET", "f").await;
    let addr = engine.http_addr();
    let port = addr.port();
    for host in [
        "evil.example",
        &format!("evil.example:{port}"),
        "127.0.0.1.evil.example",
    ] {
        let request = format!("GET /f HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let answer = exchange(addr, request.as_bytes(), common::WAIT).await;
        assert_eq!(status_of(&answer), 403, "{host}: {answer}");
    }
    for host in [
        format!("localhost:{port}"),
        "localhost".to_owned(),
        format!("app.localhost:{port}"),
        format!("127.0.0.1:{port}"),
        format!("[::1]:{port}"),
    ] {
        let request = format!("GET /f HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n");
        let (answer, ()) = tokio::join!(exchange(addr, request.as_bytes(), common::WAIT), async {
            let inv = w.expect_invoke().await;
            w.answer(&inv, json!({"body": 1})).await;
        });
        assert_eq!(status_of(&answer), 200, "{host}: {answer}");
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn browser_origins_cannot_open_worker_sockets() {
    let engine = common::start().await;
    let refused = crate::raw::connect(&engine, None, &[("origin", "http://evil.example")]).await;
    match refused {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), StatusCode::FORBIDDEN);
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a browser origin got a worker socket"),
    }
    // SDKs send no Origin header.
    Worker::connect(&engine).await.sync().await;
    engine.shutdown().await;
}
