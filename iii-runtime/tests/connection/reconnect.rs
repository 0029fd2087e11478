//! Reconnect with backoff, reattach, and replay of every registration exactly once.

use std::time::{Duration, Instant};

use iii::{ConnectionStatus, Trigger};
use serde_json::json;

use crate::fake_engine::{FakeEngine, PATIENCE};
use crate::worker;

#[tokio::test]
async fn reconnect_reattaches_and_replays_each_registration_once() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    worker.register_trigger(Trigger::http("add", "POST", "add"));
    worker.start();

    let mut first = engine.accept().await;
    let before = first.handshake("w-1").await;
    worker.ready().await.expect("ready");
    first.kill();

    let mut second = engine.accept().await;
    let after = second.handshake("w-2").await;
    assert_eq!(
        after[0],
        json!({"type": "reattach", "previous_worker_id": "w-1", "reattach_token": "token-w-1"})
    );
    // The same frames as on the first connection (same trigger id), once each; the stamp of
    // the worker's own trigger carries the new connection's secret.
    let key = |frames: &[serde_json::Value]| frames[3]["metadata"]["__iii"]["key"].clone();
    assert_ne!(key(&after[1..]), key(&before));
    let unkeyed = |frames: &[serde_json::Value]| {
        let mut frames = frames.to_vec();
        frames[3]["metadata"]["__iii"]["key"] = json!("…");
        frames
    };
    assert_eq!(unkeyed(&after[1..]), unkeyed(&before));
    worker.ready().await.expect("ready again");

    // Nothing else follows: no duplicate frames.
    assert!(second.try_recv(Duration::from_millis(300)).await.is_none());
    worker.disconnect().await;
}

#[tokio::test]
async fn backoff_doubles_between_failed_attempts() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url()); // backoff 50 ms doubling to 400 ms, no jitter
    worker.start();
    let mut times = Vec::new();
    for _ in 0..4 {
        // Accept and drop at once: each attempt fails.
        let peer = engine.accept().await;
        times.push(Instant::now());
        peer.kill();
    }
    let gaps: Vec<_> = times.windows(2).map(|w| w[1] - w[0]).collect();
    // Lower bounds only: the machine may be slower, never faster.
    for (gap, nominal) in gaps.iter().zip([50u64, 100, 200]) {
        assert!(
            *gap >= Duration::from_millis(nominal - 10),
            "gaps {gaps:?} should be at least 50, 100, 200 ms"
        );
    }
    assert!(matches!(
        worker.connection(),
        ConnectionStatus::Reconnecting { .. } | ConnectionStatus::Connecting
    ));
    worker.disconnect().await;
}

#[tokio::test]
async fn pending_call_fails_promptly_when_the_connection_drops() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    worker.ready().await.expect("ready");

    let caller = worker.clone();
    let call = tokio::spawn(async move {
        caller
            .invoke::<serde_json::Value>("remote.slow", json!({}))
            .await
    });
    let frame = peer.recv().await;
    assert_eq!(frame["type"], "invokefunction");
    assert_eq!(frame["function_id"], "remote.slow");
    let started = Instant::now();
    peer.kill();
    let result = tokio::time::timeout(PATIENCE, call)
        .await
        .expect("the call ends")
        .expect("task");
    match result {
        Err(iii::Error::ConnectionLost { function_id }) => assert_eq!(function_id, "remote.slow"),
        other => panic!("unexpected {other:?}"),
    }
    // Far sooner than the 30 s invoke timeout.
    assert!(started.elapsed() < Duration::from_secs(5));
    worker.disconnect().await;
}

#[tokio::test]
async fn calls_made_while_reconnecting_go_out_once_connected() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    worker.start();
    let first = engine.accept().await;
    first.kill();

    let caller = worker.clone();
    let call = tokio::spawn(async move {
        caller
            .invoke::<serde_json::Value>("remote.x", json!({"n": 1}))
            .await
    });
    let mut peer = engine.accept().await;
    peer.handshake("w-2").await;
    let frame = peer.recv().await;
    assert_eq!(frame["function_id"], "remote.x");
    assert_eq!(frame["data"], json!({"n": 1}));
    peer.send(json!({"type": "invocationresult", "invocation_id": frame["invocation_id"], "function_id": "remote.x", "result": {"ok": true}}))
        .await;
    let result = call.await.expect("task").expect("result");
    assert_eq!(result, json!({"ok": true}));
    worker.disconnect().await;
}
