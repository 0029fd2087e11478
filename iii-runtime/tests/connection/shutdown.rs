//! Graceful shutdown: running invocations finish, new ones are refused, the socket is closed.

use std::time::Duration;

use serde_json::{Value, json};

use crate::fake_engine::FakeEngine;

#[tokio::test]
async fn disconnect_lets_running_invocations_finish_then_closes() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    worker
        .register_function("slow", |v: Value| async move {
            tokio::time::sleep(Duration::from_millis(300)).await;
            Ok(v)
        })
        .expect("register");
    worker.start();
    let mut peer = engine.accept().await;
    peer.handshake("w-1").await;

    let slow = peer.invoke("slow", json!("done")).await;
    // Let the invocation start before the shutdown begins.
    tokio::time::sleep(Duration::from_millis(50)).await;
    let stopping = worker.clone();
    let disconnect = tokio::spawn(async move { stopping.disconnect().await });
    tokio::time::sleep(Duration::from_millis(50)).await;
    let late = peer.invoke("echo", json!(1)).await;

    let refused = peer.result_of(&late).await;
    assert_eq!(refused["error"]["code"], "shutdown");
    let finished = peer.result_of(&slow).await;
    assert_eq!(finished["result"], "done");
    assert!(
        peer.closed_within(Duration::from_secs(5)).await,
        "close frame"
    );
    tokio::time::timeout(Duration::from_secs(5), disconnect)
        .await
        .expect("disconnect returns")
        .expect("task");
    assert_eq!(worker.state(), iii::ConnectionState::Closed);
    // Calls after shutdown fail at once.
    assert!(matches!(
        worker.invoke::<Value>("echo", json!(1)).await,
        Err(iii::Error::Shutdown)
    ));
}

#[tokio::test]
async fn the_grace_period_bounds_the_wait() {
    let engine = FakeEngine::bind().await;
    let mut config = crate::config(engine.url());
    config.shutdown_grace = Duration::from_millis(200);
    let worker = iii::Worker::with_config(config);
    worker
        .register_function("forever", |_: Value| async move {
            tokio::time::sleep(Duration::from_secs(3600)).await;
            Ok(json!(null))
        })
        .expect("register");
    worker.start();
    let mut peer = engine.accept().await;
    peer.handshake("w-1").await;
    peer.invoke("forever", json!({})).await;
    tokio::time::sleep(Duration::from_millis(50)).await;
    let started = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(5), worker.disconnect())
        .await
        .expect("disconnect returns after the grace period");
    assert!(started.elapsed() >= Duration::from_millis(150));
}
