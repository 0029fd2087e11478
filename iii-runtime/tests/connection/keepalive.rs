//! WebSocket pings, pongs, and detection of a half-open connection.

use std::time::Duration;

use tokio_tungstenite::tungstenite::Message;

use crate::fake_engine::FakeEngine;

fn quick(url: &str) -> iii::Worker {
    let mut config = crate::config(url);
    config.ping_interval = Duration::from_millis(100);
    config.idle_timeout = Duration::from_millis(500);
    let worker = iii::Worker::with_config(config);
    crate::register_basics(&worker);
    worker
}

#[tokio::test]
async fn worker_pings_and_answers_pings() {
    let engine = FakeEngine::bind().await;
    let worker = quick(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;

    peer.send_raw(Message::Ping(b"are you there".to_vec().into()))
        .await;
    // Reading collects the worker's pings (every 100 ms) and its pong; wait for them rather
    // than for a fixed time, so a slow machine only makes the test slower.
    let deadline = tokio::time::Instant::now() + crate::fake_engine::PATIENCE;
    while (peer.pings < 2 || peer.pongs < 1) && tokio::time::Instant::now() < deadline {
        let _ = peer.try_recv(Duration::from_millis(100)).await;
    }
    assert!(peer.pings >= 2, "pings: {}", peer.pings);
    assert!(peer.pongs >= 1, "pongs: {}", peer.pongs);
    worker.disconnect().await;
}

#[tokio::test]
async fn json_ping_is_answered_with_json_pong() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    peer.send(serde_json::json!({"type": "ping"})).await;
    assert_eq!(peer.recv().await, serde_json::json!({"type": "pong"}));
    worker.disconnect().await;
}

#[tokio::test]
async fn a_silent_engine_is_detected_and_the_worker_reconnects() {
    let engine = FakeEngine::bind().await;
    let worker = quick(engine.url());
    let peer = crate::serve(&worker, &engine).await;
    worker.ready().await.expect("ready");

    // Stop reading: the worker's pings go unanswered, as on a half-open TCP connection.
    let held = peer;
    let mut again = engine.accept().await;
    let frames = again.handshake("w-2").await;
    assert_eq!(frames[0]["type"], "reattach");
    drop(held);
    worker.ready().await.expect("ready again");
    worker.disconnect().await;
}

#[tokio::test]
async fn malformed_frames_are_dropped_without_closing() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    for junk in [
        "not json",
        "{}",
        r#"{"type":"observe"}"#,
        r#"{"type":"invocationresult"}"#,
        "",
        "[1]",
    ] {
        peer.send_raw(Message::text(junk)).await;
    }
    peer.send_raw(Message::Binary(vec![0xff, 0xfe].into()))
        .await;
    let id = peer
        .invoke("echo", serde_json::json!({"still": "alive"}))
        .await;
    let result = peer.result_of(&id).await;
    assert_eq!(result["result"], serde_json::json!({"still": "alive"}));
    worker.disconnect().await;
}

// Two threads and a small receive buffer: the writer stalls (and is detected) while the
// sender still serializes megabytes (100 ms each in a debug build), after the few megabytes of
// the worker's send buffer rather than the ~30 MB loopback buffers grow to. On one thread,
// with autotuned buffers, detection waited for ~28 messages to be serialized first: 3 s here,
// over 10 s on a loaded machine.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_engine_that_stops_reading_is_detected() {
    let engine = FakeEngine::bind_with_receive_buffer(64 * 1024).await;
    let worker = quick(engine.url());
    let peer = crate::serve(&worker, &engine).await;
    worker.ready().await.expect("ready");
    // The peer stops reading while the worker has megabytes to write: its writes stall, and
    // the worker gives up on the connection instead of waiting forever.
    let sender = worker.clone();
    let big = "x".repeat(1 << 20);
    tokio::spawn(async move {
        for _ in 0..64 {
            if sender.invoke_async("sink", &big).await.is_err() {
                break;
            }
        }
    });
    let held = peer;
    let mut again = engine.accept().await;
    let frames = again.handshake("w-2").await;
    assert_eq!(frames[0]["type"], "reattach");
    drop(held);
    worker.disconnect().await;
}
