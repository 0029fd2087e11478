//! Garbage on both ports never takes the engine down; slow handshakes are cut off.

use std::time::Duration;

use http::StatusCode;
use serde_json::json;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::common::{self, Worker, http};

async fn send_raw(addr: std::net::SocketAddr, bytes: &[u8]) -> Vec<u8> {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    let _ = stream.write_all(bytes).await;
    let mut out = Vec::new();
    let _ = tokio::time::timeout(Duration::from_millis(300), stream.read_to_end(&mut out)).await;
    out
}

#[tokio::test]
async fn garbage_requests_do_not_hurt_the_engine() {
    let engine = common::start().await;
    let garbage: [&[u8]; 6] = [
        b"\x00\x01\x02\xff\r\n\r\n",
        b"GET / HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\n\r\n",
        b"GET /other HTTP/1.1\r\nHost: x\r\nUpgrade: websocket\r\nSec-WebSocket-Key: a\r\n\r\n",
        b"POST /x HTTP/1.1\r\nContent-Length: 99999999999999999999\r\n\r\n",
        b"GET /%zz%%/..?a=%&b=%e2%82 HTTP/1.1\r\nHost: x\r\n\r\n",
        b"POST /x HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
    ];
    for bytes in garbage {
        send_raw(engine.ws_addr(), bytes).await;
        send_raw(engine.http_addr(), bytes).await;
    }
    let answer = send_raw(engine.ws_addr(), b"GET / HTTP/1.1\r\nHost: x\r\n\r\n").await;
    assert!(String::from_utf8_lossy(&answer).starts_with("HTTP/1.1 426"));
    let mut w = Worker::connect(&engine).await;
    w.route("f", "GET", "x/:id").await;
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/x/%e2%82?q=%ff", &[], ""), async {
        let inv = w.expect_invoke().await;
        assert_eq!(inv["data"]["path_params"]["id"], "%e2%82");
        w.answer(&inv, json!({"body": "ok"})).await;
    });
    assert_eq!(resp.status, StatusCode::OK);
    // Result envelopes of every shape map without panicking.
    for result in [
        json!({"status_code": 99999}),
        json!({"status_code": -1}),
        json!({"headers": {"bad header": "x", "x": "bad\nvalue"}}),
        json!({"headers": 5, "body": 1.5}),
        json!([1]),
        json!(true),
    ] {
        let (resp, ()) = tokio::join!(http(e, "GET", "/x/1", &[], ""), async {
            let inv = w.expect_invoke().await;
            w.answer(&inv, result.clone()).await;
        });
        assert_eq!(resp.status, StatusCode::OK, "{result}");
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn silent_connections_are_closed_after_the_handshake_timeout() {
    let mut config = common::config();
    config.handshake_timeout = Duration::from_millis(200);
    let engine = common::start_with(config).await;
    let mut stream = TcpStream::connect(engine.ws_addr()).await.unwrap();
    let mut buf = Vec::new();
    let read = tokio::time::timeout(Duration::from_secs(3), stream.read_to_end(&mut buf)).await;
    assert!(read.is_ok(), "the engine hung up on a silent client");
    // An upgraded worker is not subject to it.
    let mut w = Worker::connect(&engine).await;
    tokio::time::sleep(Duration::from_millis(500)).await;
    w.sync().await;
    engine.shutdown().await;
}
