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

#[tokio::test]
async fn a_flood_of_malformed_frames_leaves_the_engine_serving() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("ok", "GET", "ok").await;
    let mut flood = Worker::connect(&engine).await;
    // None of these gets an answer, so the flooding socket needs no reading meanwhile.
    let junk = [
        "not json",
        "{",
        "[1,2]",
        "\"s\"",
        r#"{"type":"nope"}"#,
        r#"{"type":42}"#,
        r#"{"type":"invokefunction"}"#,
        r#"{"type":"registerfunction","id":7}"#,
        r#"{"type":"invocationresult","invocation_id":"x","function_id":"f"}"#,
        r#"{"type":"invocationresult","invocation_id":"0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59","function_id":"f"}"#,
        "   ",
    ];
    let started = std::time::Instant::now();
    for i in 0..10_000 {
        if i % 100 == 99 {
            flood.send_binary(&[0xff, 0xfe, 0x00]).await;
        } else {
            flood.send_text(junk[i % junk.len()]).await;
        }
    }
    flood.sync().await;
    eprintln!("10000 malformed frames handled in {:?}", started.elapsed());
    // The flooding connection still works, and so does everything else.
    let r = flood
        .call("state::get", json!({"scope": "s", "key": "k"}))
        .await;
    assert!(r["error"].is_null(), "{r}");
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/ok", &[], ""), async {
        let inv = w.expect_invoke().await;
        w.answer(&inv, json!({"body": "fine"})).await;
    });
    assert_eq!(resp.status, StatusCode::OK);
    assert_eq!(resp.json(), json!("fine"));
    engine.shutdown().await;
}

#[tokio::test]
async fn non_uuid_invocation_ids_are_served_and_answered_under_the_same_id() {
    let engine = common::start().await;
    let mut callee = Worker::connect(&engine).await;
    callee.register_function("echo").await;
    callee.sync().await;
    let mut w = Worker::connect(&engine).await;
    w.send(json!({"type": "invokefunction", "invocation_id": "call-1",
                  "function_id": "echo", "data": {"a": 1}}))
        .await;
    let inv = callee.expect_invoke().await;
    let towards_target = inv["invocation_id"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(towards_target).is_ok(), "{inv}");
    callee.answer(&inv, json!({"b": 2})).await;
    let r = w.recv().await;
    assert_eq!(r["type"], "invocationresult");
    assert_eq!(r["invocation_id"], "call-1");
    assert_eq!(r["result"], json!({"b": 2}));
    // Builtins and errors too.
    w.send(json!({"type": "invokefunction", "invocation_id": "call-2",
                  "function_id": "missing"}))
        .await;
    let r = w.recv().await;
    assert_eq!(r["invocation_id"], "call-2");
    assert_eq!(r["error"]["code"], "function_not_found");
    // A result under a non-UUID id matches nothing; the connection stays open.
    w.send(
        json!({"type": "invocationresult", "invocation_id": "call-3", "function_id": "f",
                  "result": 1}),
    )
    .await;
    w.sync().await;
    engine.shutdown().await;
}
