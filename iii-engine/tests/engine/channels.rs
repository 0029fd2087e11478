//! Data channels: `engine::channels::create`, the `/ws/channels/…` endpoint, the HTTP
//! envelope's `request_body`/`response` channels and streamed responses.

use std::time::Duration;

use bytes::Bytes;
use futures_util::SinkExt;
use http::StatusCode;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;

use crate::common::{self, Worker, channel, channel_url, http, read_channel};

async fn create(w: &mut Worker, data: Value) -> Value {
    let result = w.call("engine::channels::create", data).await;
    result["result"].clone()
}

#[tokio::test]
async fn created_channel_passes_text_and_binary_through_until_the_writer_closes() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    let refs = create(&mut w, json!({"buffer_size": 4})).await;
    assert_eq!(refs["writer"]["direction"], "write", "{refs}");
    assert_eq!(refs["reader"]["direction"], "read");
    assert_eq!(refs["writer"]["channel_id"], refs["reader"]["channel_id"]);
    let mut writer = channel(&engine, &refs["writer"]).await;
    let mut reader = channel(&engine, &refs["reader"]).await;
    writer.send(Frame::text("hello")).await.unwrap();
    writer.send(Frame::binary(vec![1u8, 2, 3])).await.unwrap();
    writer.close(None).await.unwrap();
    let got = read_channel(&mut reader).await;
    assert_eq!(
        got,
        vec![Frame::text("hello"), Frame::binary(vec![1u8, 2, 3])]
    );
    // A null input is accepted, and buffer sizes out of range are clamped.
    assert!(create(&mut w, Value::Null).await["reader"].is_object());
    assert!(create(&mut w, json!({"buffer_size": 1_000_000})).await["reader"].is_object());
    engine.shutdown().await;
}

#[tokio::test]
async fn channel_urls_are_checked_and_each_end_is_handed_out_once() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    let refs = create(&mut w, Value::Null).await;
    let mut bad_key = refs["reader"].clone();
    bad_key["access_key"] = json!("nope");
    let mut bad_dir = refs["reader"].clone();
    bad_dir["direction"] = json!("sideways");
    for (reference, status) in [(&bad_key, 404), (&bad_dir, 400)] {
        let err = tokio_tungstenite::connect_async(channel_url(&engine, reference))
            .await
            .expect_err("refused");
        let tokio_tungstenite::tungstenite::Error::Http(resp) = err else {
            panic!("expected an HTTP refusal, got {err}");
        };
        assert_eq!(resp.status().as_u16(), status);
    }
    let _reader = channel(&engine, &refs["reader"]).await;
    let err = tokio_tungstenite::connect_async(channel_url(&engine, &refs["reader"]))
        .await
        .expect_err("second reader refused");
    assert!(err.to_string().contains("409"), "{err}");
    engine.shutdown().await;
}

#[tokio::test]
async fn channels_nobody_connects_to_are_swept() {
    let mut config = common::config();
    config.channel_ttl = Duration::from_millis(100);
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    let refs = create(&mut w, Value::Null).await;
    // A younger canary: once it is swept, so is `refs`. Connecting to its reader takes that
    // end (409 afterwards) until the sweep removes the channel (404).
    let canary = create(&mut w, Value::Null).await;
    let deadline = tokio::time::Instant::now() + common::WAIT;
    loop {
        match tokio_tungstenite::connect_async(channel_url(&engine, &canary["reader"])).await {
            Err(e) if e.to_string().contains("404") => break,
            Ok(_) | Err(_) => {}
        }
        assert!(tokio::time::Instant::now() < deadline, "never swept");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    assert!(
        tokio_tungstenite::connect_async(channel_url(&engine, &refs["writer"]))
            .await
            .is_err()
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn channels_go_with_the_worker_that_created_them() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    let refs = create(&mut w, Value::Null).await;
    // `close` returns once the engine's Close arrives, which it sends after its cleanup.
    w.close().await;
    let err = tokio_tungstenite::connect_async(channel_url(&engine, &refs["writer"]))
        .await
        .expect_err("released with its creator");
    assert!(err.to_string().contains("404"), "{err}");
    engine.shutdown().await;
}

#[tokio::test]
async fn http_request_body_is_readable_through_the_request_channel() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("upload", "POST", "upload").await;
    let body: Vec<u8> = (0..200_000u32).map(|i| (i % 251) as u8).collect();
    let e = &engine;
    let sent = Bytes::from(body.clone());
    let (resp, ()) = tokio::join!(
        http(
            e,
            "POST",
            "/upload",
            &[("content-type", "application/octet-stream")],
            sent
        ),
        async {
            let inv = w.expect_invoke().await;
            let data = &inv["data"];
            assert_eq!(data["body"], Value::Null);
            assert_eq!(data["request_body"]["direction"], "read", "{data}");
            assert_eq!(data["response"]["direction"], "write");
            let mut reader = channel(e, &data["request_body"]).await;
            let got: Vec<u8> = read_channel(&mut reader)
                .await
                .into_iter()
                .flat_map(|f| f.into_data().to_vec())
                .collect();
            assert_eq!(got.len(), 200_000);
            assert_eq!(got, body);
            w.answer(&inv, json!({"status_code": 201, "body": {"n": got.len()}}))
                .await;
        }
    );
    assert_eq!(resp.status, StatusCode::CREATED);
    assert_eq!(resp.json(), json!({"n": 200_000}));
    engine.shutdown().await;
}

#[tokio::test]
async fn null_result_with_a_connected_response_channel_is_streamed() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("stream", "GET", "stream").await;
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/stream", &[], ""), async {
        let inv = w.expect_invoke().await;
        let mut out = channel(e, &inv["data"]["response"]).await;
        // The result may come before the writes, as with the SDKs' fire-and-forget writers.
        w.answer(&inv, Value::Null).await;
        for frame in [
            Frame::text(r#"{"type":"set_status","status_code":202}"#),
            Frame::text(
                r#"{"type":"set_headers","headers":{"content-type":"text/plain","x-a":"b"}}"#,
            ),
            Frame::binary(b"part one, ".to_vec()),
            Frame::text(r#"{"type":"set_status","status_code":500}"#),
            Frame::binary(b"part two".to_vec()),
        ] {
            out.send(frame).await.unwrap();
        }
        out.close(None).await.unwrap();
    });
    assert_eq!(resp.status, StatusCode::ACCEPTED);
    assert_eq!(resp.headers["x-a"], "b");
    assert_eq!(resp.headers["content-type"], "text/plain");
    assert_eq!(resp.text(), "part one, part two");
    // Closing without a body chunk is an empty response with the status set.
    let (resp, ()) = tokio::join!(http(e, "GET", "/stream", &[], ""), async {
        let inv = w.expect_invoke().await;
        let mut out = channel(e, &inv["data"]["response"]).await;
        out.send(Frame::text(r#"{"type":"set_status","status_code":204}"#))
            .await
            .unwrap();
        out.close(None).await.unwrap();
        w.answer(&inv, Value::Null).await;
    });
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    assert!(resp.body.is_empty());
    // Without a connected response channel, a null result is 200 with an empty body.
    let (resp, ()) = tokio::join!(http(e, "GET", "/stream", &[], ""), async {
        let inv = w.expect_invoke().await;
        w.answer(&inv, Value::Null).await;
    });
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.body.is_empty());
    engine.shutdown().await;
}

#[tokio::test]
async fn requests_over_the_concurrency_limit_are_503() {
    let mut config = common::config();
    config.concurrency_request_limit = 1;
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    w.route("slow", "GET", "slow").await;
    let e = &engine;
    let (first, ()) = tokio::join!(http(e, "GET", "/slow", &[], ""), async {
        let inv = w.expect_invoke().await;
        let second = http(e, "GET", "/slow", &[], "").await;
        assert_eq!(second.status, StatusCode::SERVICE_UNAVAILABLE);
        assert_eq!(second.json()["error"]["code"], "SERVICE_UNAVAILABLE");
        w.answer(&inv, json!({"body": "done"})).await;
    });
    assert_eq!(first.status, StatusCode::OK);
    // The permit is released: the next request is served.
    let (third, ()) = tokio::join!(http(e, "GET", "/slow", &[], ""), async {
        let inv = w.expect_invoke().await;
        w.answer(&inv, json!({})).await;
    });
    assert_eq!(third.status, StatusCode::OK);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_channel_reader_that_stops_reading_is_closed_after_the_write_timeout() {
    let mut config = common::config();
    config.write_timeout = Duration::from_millis(200);
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    let refs = create(&mut w, json!({"buffer_size": 1024})).await;
    // A reader with a tiny receive buffer that never reads.
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(engine.ws_addr()).await.unwrap();
    let url = channel_url(&engine, &refs["reader"]);
    let (reader, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    let mut writer = channel(&engine, &refs["writer"]).await;
    let chunk = vec![7u8; 1 << 20];
    // The writer is cut off once the reader's socket is given up on: its sends then fail, or
    // the engine stops reading them (which the timeout below turns into a pass too).
    let wrote = async {
        for _ in 0..64 {
            if writer.send(Frame::binary(chunk.clone())).await.is_err() {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), wrote).await;
    // The reader's end was dropped by the engine: the writer's socket is closed too, since
    // nobody will read what it sends.
    let got = tokio::time::timeout(Duration::from_secs(20), read_channel(&mut writer)).await;
    assert!(got.is_ok(), "the writer's socket was closed");
    drop(reader);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_channel_reader_that_stops_reading_does_not_hold_up_shutdown() {
    let mut config = common::config();
    config.shutdown_grace = Duration::from_secs(120);
    config.write_timeout = Duration::from_secs(3600);
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    let refs = create(&mut w, json!({"buffer_size": 1024})).await;
    let socket = tokio::net::TcpSocket::new_v4().unwrap();
    socket.set_recv_buffer_size(4096).unwrap();
    let stream = socket.connect(engine.ws_addr()).await.unwrap();
    let url = channel_url(&engine, &refs["reader"]);
    let (reader, _) = tokio_tungstenite::client_async(url, stream).await.unwrap();
    let mut writer = channel(&engine, &refs["writer"]).await;
    let chunk = vec![7u8; 1 << 20];
    let wrote = async {
        for _ in 0..24 {
            if writer.send(Frame::binary(chunk.clone())).await.is_err() {
                return;
            }
        }
    };
    let _ = tokio::time::timeout(Duration::from_secs(5), wrote).await;
    tokio::time::timeout(Duration::from_secs(60), engine.shutdown())
        .await
        .expect("every task ended, the stalled channel reader's too");
    drop(reader);
}
