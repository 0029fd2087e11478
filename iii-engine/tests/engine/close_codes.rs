//! The Close frame a worker gets says why the engine closed its connection.

use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::protocol::frame::coding::{CloseCode, Data};

use crate::common::{self, Worker};
use crate::raw::{self, close_frame, next_json, send_raw_frame};

async fn worker_hello(engine: &iii_engine::EngineHandle) -> (raw::Ws, Value) {
    let mut ws = raw::connect(engine, None, &[]).await.expect("connects");
    let hello = next_json(&mut ws).await.unwrap();
    assert_eq!(hello["type"], "workerregistered");
    (ws, hello)
}

async fn worker(engine: &iii_engine::EngineHandle) -> raw::Ws {
    worker_hello(engine).await.0
}

#[tokio::test]
async fn invalid_utf8_is_1007() {
    let engine = common::start().await;
    let mut ws = worker(&engine).await;
    send_raw_frame(&mut ws, Data::Text, vec![b'{', 0xff, 0xfe, b'}'], true).await;
    let close = close_frame(&mut ws).await.expect("a Close frame");
    assert_eq!(close.code, CloseCode::Invalid, "{close:?}");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_protocol_violation_is_1002() {
    let engine = common::start().await;
    let mut ws = worker(&engine).await;
    // A continuation frame with no message to continue.
    send_raw_frame(&mut ws, Data::Continue, b"{}".to_vec(), true).await;
    let close = close_frame(&mut ws).await.expect("a Close frame");
    assert_eq!(close.code, CloseCode::Protocol, "{close:?}");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_frame_or_message_over_the_limit_is_1009() {
    let mut config = common::config();
    config.max_frame_bytes = 1024;
    config.max_message_bytes = 4096;
    let engine = common::start_with(config).await;
    let mut ws = worker(&engine).await;
    send_raw_frame(&mut ws, Data::Text, vec![b' '; 2048], true).await;
    let close = close_frame(&mut ws).await.expect("a Close frame");
    assert_eq!(close.code, CloseCode::Size, "{close:?}");
    // A message of small frames that adds up to more than the message limit.
    let mut ws = worker(&engine).await;
    send_raw_frame(&mut ws, Data::Text, vec![b' '; 1000], false).await;
    for _ in 0..5 {
        send_raw_frame(&mut ws, Data::Continue, vec![b' '; 1000], false).await;
    }
    let close = close_frame(&mut ws).await.expect("a Close frame");
    assert_eq!(close.code, CloseCode::Size, "{close:?}");
    engine.shutdown().await;
}

#[tokio::test]
async fn eviction_by_reattach_has_its_own_reason() {
    let engine = common::start().await;
    let mut old = worker_hello(&engine).await;
    let hello = old.1;
    let mut again = Worker::connect(&engine).await;
    again
        .send(
            json!({"type": "reattach", "previous_worker_id": hello["worker_id"],
                     "reattach_token": hello["reattach_token"]}),
        )
        .await;
    let close = close_frame(&mut old.0).await.expect("a Close frame");
    assert_eq!(close.code, CloseCode::Normal, "{close:?}");
    assert!(close.reason.contains("reattach"), "{close:?}");
    again.sync().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn shutdown_is_1001() {
    let engine = common::start().await;
    let mut ws = worker(&engine).await;
    let stop = tokio::spawn(engine.shutdown());
    let close = close_frame(&mut ws).await.expect("a Close frame");
    assert_eq!(close.code, CloseCode::Away, "{close:?}");
    assert_eq!(close.reason.as_str(), "engine shutting down");
    stop.await.unwrap();
}
