//! Graceful shutdown: the functions are handed over (unregistered), running invocations
//! finish, what the engine sent before it read the hand-over is still served, the socket is
//! closed.

use std::sync::Arc;
use std::time::Duration;

use iii::{Context, Function};
use serde_json::{Value, json};
use tokio::sync::Notify;

use crate::fake_engine::FakeEngine;

#[tokio::test]
async fn disconnect_lets_running_invocations_finish_then_closes() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let started = Arc::new(Notify::new());
    let release = Arc::new(Notify::new());
    {
        let (started, release) = (started.clone(), release.clone());
        worker
            .register_function("slow", move |v: Value| {
                let (started, release) = (started.clone(), release.clone());
                async move {
                    started.notify_one();
                    release.notified().await;
                    Ok(v)
                }
            })
            .expect("register");
    }
    let mut peer = crate::serve(&worker, &engine).await;

    let slow = peer.invoke("slow", json!("done")).await;
    started.notified().await;
    let stopping = worker.clone();
    let disconnect = tokio::spawn(async move { stopping.disconnect().await });
    worker
        .wait_for_connection(|s| s == iii::ConnectionStatus::Draining)
        .await
        .expect("draining");
    // First the hand-over: every function unregistered, and the notice for standbys.
    let mut unregistered = Vec::new();
    loop {
        let frame = peer.recv().await;
        match frame["type"].as_str() {
            Some("unregisterfunction") => unregistered.push(frame["id"].clone()),
            Some("invokefunction") => {
                assert_eq!(frame["function_id"], "publish");
                assert_eq!(frame["data"]["topic"], "iii-rs::released");
                break;
            }
            _ => panic!("unexpected {frame}"),
        }
    }
    unregistered.sort_by_key(|v| v.to_string());
    assert_eq!(unregistered, [json!("add"), json!("echo"), json!("slow")]);
    // Behind the hand-over, a ping: its pong says the engine read all of it.
    assert_eq!(peer.recv().await["type"], "ping");
    // An invocation the engine sent before it read the hand-over is still served.
    let late = peer.invoke("echo", json!(1)).await;
    assert_eq!(peer.result_of(&late).await["result"], 1);
    release.notify_one();
    let finished = peer.result_of(&slow).await;
    assert_eq!(finished["result"], "done");
    // Nothing runs, but the engine has not answered the ping: one more may be on its way.
    assert!(
        !peer.closed_within(Duration::from_millis(300)).await,
        "closed before the engine answered the hand-over's ping"
    );
    let later = peer.invoke("echo", json!(2)).await;
    assert_eq!(peer.result_of(&later).await["result"], 2);
    peer.send(json!({"type": "pong"})).await;
    assert!(
        peer.closed_within(Duration::from_secs(5)).await,
        "close frame"
    );
    tokio::time::timeout(Duration::from_secs(5), disconnect)
        .await
        .expect("disconnect returns")
        .expect("task");
    assert_eq!(worker.connection(), iii::ConnectionStatus::Closed);
    // Calls after shutdown fail at once.
    assert!(matches!(
        worker.invoke::<Value>("echo", json!(1)).await,
        Err(iii::Error::Shutdown)
    ));
}

#[tokio::test]
async fn an_engine_that_does_not_answer_the_hand_overs_ping_is_not_waited_for_long() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    // Ready (the handshake's last pong read): what it holds is handed over.
    let id = peer.invoke("echo", json!(0)).await;
    assert_eq!(peer.result_of(&id).await["result"], 0);
    let begun = std::time::Instant::now();
    let stopping = worker.clone();
    let disconnect = tokio::spawn(async move { stopping.disconnect().await });
    let handed_over = peer.until_ping_unanswered().await;
    assert!(
        handed_over
            .iter()
            .any(|frame| frame["type"] == "unregisterfunction"),
        "{handed_over:?}"
    );
    assert!(
        peer.closed_within(Duration::from_secs(10)).await,
        "closed without the pong"
    );
    // The fallback of a worker's start: two seconds.
    assert!(
        begun.elapsed() >= Duration::from_millis(1900),
        "{:?}",
        begun.elapsed()
    );
    tokio::time::timeout(Duration::from_secs(5), disconnect)
        .await
        .expect("disconnect returns")
        .expect("task");
}

#[tokio::test]
async fn the_grace_period_bounds_the_wait() {
    let engine = FakeEngine::bind().await;
    let mut config = crate::config(engine.url());
    config.shutdown_grace = Duration::from_millis(200);
    let worker = iii::Worker::with_config(config);
    let started = Arc::new(Notify::new());
    {
        let started = started.clone();
        worker
            .register_function("forever", move |_: Value| {
                let started = started.clone();
                async move {
                    started.notify_one();
                    tokio::time::sleep(Duration::from_secs(3600)).await;
                    Ok(json!(null))
                }
            })
            .expect("register");
    }
    let mut peer = crate::serve(&worker, &engine).await;
    let id = peer.invoke("forever", json!({})).await;
    started.notified().await;
    let begun = std::time::Instant::now();
    tokio::time::timeout(Duration::from_secs(10), worker.disconnect())
        .await
        .expect("disconnect returns after the grace period");
    assert!(begun.elapsed() >= Duration::from_millis(200));
    // The abandoned invocation was answered, not left for the engine to time out.
    let answer = peer.result_of(&id).await;
    assert_eq!(answer["error"]["code"], "shutdown");
}

#[tokio::test]
async fn running_handlers_may_still_call_out_while_draining() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let started = Arc::new(Notify::new());
    {
        let started = started.clone();
        worker
            .register_function(
                "relay",
                Function::with_context(move |_: Value, ctx: Context| {
                    let started = started.clone();
                    async move {
                        started.notify_one();
                        // Wait for the drain to begin, then call another function.
                        ctx.worker()
                            .wait_for_connection(|s| s == iii::ConnectionStatus::Draining)
                            .await?;
                        let v: Value = ctx.worker().invoke("downstream", json!({})).await?;
                        Ok(v)
                    }
                }),
            )
            .expect("register");
    }
    let mut peer = crate::serve(&worker, &engine).await;
    let id = peer.invoke("relay", json!({})).await;
    started.notified().await;
    let stopping = worker.clone();
    let disconnect = tokio::spawn(async move { stopping.disconnect().await });
    let call = loop {
        let frame = peer.recv().await;
        if frame["function_id"] == "downstream" {
            break frame;
        }
    };
    peer.send(json!({"type": "invocationresult", "invocation_id": call["invocation_id"], "function_id": "downstream", "result": "from downstream"}))
        .await;
    assert_eq!(peer.result_of(&id).await["result"], "from downstream");
    assert!(peer.closed_within(Duration::from_secs(5)).await);
    disconnect.await.expect("task");
}

#[tokio::test]
async fn dropping_every_handle_closes_the_connection_and_ends_the_service() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let mut changes = worker.connection_events();
    let mut peer = crate::serve(&worker, &engine).await;
    worker.ready().await.expect("ready");
    drop(worker);
    assert!(
        peer.closed_within(Duration::from_secs(5)).await,
        "close frame"
    );
    let closed = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(state) = changes.next().await {
            if state == iii::ConnectionStatus::Closed {
                return true;
            }
        }
        false
    })
    .await
    .expect("the service ends");
    assert!(closed);
}
