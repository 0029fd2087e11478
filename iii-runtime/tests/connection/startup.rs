//! What the worker sends when a connection opens, and in which order.

use iii::{ConnectionStatus, Trigger};
use serde_json::json;

use crate::fake_engine::FakeEngine;
use crate::worker;

#[tokio::test]
async fn announce_first_then_functions_then_triggers_then_ready() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    worker.register_trigger(Trigger::http("add", "post", "add"));
    worker.register_trigger(Trigger::cron("echo", "*/5 * * * * *"));
    worker.start();

    let mut peer = engine.accept().await;
    let frames = peer.handshake("w-1").await;
    let types: Vec<_> = frames
        .iter()
        .map(|f| f["type"].as_str().unwrap_or(""))
        .collect();
    assert_eq!(
        types,
        [
            "invokefunction",
            "registerfunction",
            "registerfunction",
            "registertrigger",
            "registertrigger"
        ]
    );
    // The announce is a void call, so the engine applies the registrations at once.
    let announce = &frames[0];
    assert_eq!(announce["function_id"], "engine::workers::register");
    assert_eq!(announce["action"], json!({"type": "void"}));
    assert!(announce.get("invocation_id").is_none());
    assert_eq!(announce["data"]["runtime"], "rust");
    assert_eq!(announce["data"]["name"], "test-worker");
    assert_eq!(announce["data"]["telemetry"]["framework"], "iii-rs");
    assert_eq!(frames[1]["id"], "echo");
    assert_eq!(frames[2]["id"], "add");
    assert_eq!(frames[3]["trigger_type"], "http");
    assert_eq!(
        frames[3]["config"],
        json!({"api_path": "add", "http_method": "POST"})
    );
    assert_eq!(frames[3]["function_id"], "add");
    assert_eq!(frames[4]["trigger_type"], "cron");
    // Trigger ids are fresh UUIDs.
    assert_eq!(frames[3]["id"].as_str().map(str::len), Some(36));

    // The pong to the worker's ping is what makes it ready.
    worker.ready().await.expect("ready");
    assert_eq!(worker.connection(), ConnectionStatus::Ready);
    worker.disconnect().await;
}

#[tokio::test]
async fn registrations_after_ready_go_out_in_order_and_unregister_works() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    worker.ready().await.expect("ready");

    let f = worker
        .register_function("late", |v: serde_json::Value| async move { Ok(v) })
        .expect("register");
    let frame = peer.recv().await;
    assert_eq!(frame["type"], "registerfunction");
    assert_eq!(frame["id"], "late");

    // The trigger waits for the pong that says the engine did not refuse the function.
    let t = worker.register_trigger(Trigger::queue("late", "orders"));
    assert_eq!(peer.until_ping().await, Vec::<serde_json::Value>::new());
    let frame = peer.recv().await;
    assert_eq!(frame["type"], "registertrigger");
    assert_eq!(frame["trigger_type"], "durable:subscriber");
    assert_eq!(frame["config"], json!({"topic": "orders"}));
    let trigger_id = t.id().to_owned();

    t.unregister();
    let frame = peer.recv().await;
    assert_eq!(
        frame,
        json!({"type": "unregistertrigger", "id": trigger_id, "trigger_type": "durable:subscriber"})
    );
    f.unregister();
    assert_eq!(
        peer.recv().await,
        json!({"type": "unregisterfunction", "id": "late"})
    );
    worker.disconnect().await;
}

#[tokio::test]
async fn blank_function_ids_are_refused() {
    let worker = iii::Worker::new("ws://127.0.0.1:9");
    let err = worker
        .register_function("  ", |v: serde_json::Value| async move { Ok(v) })
        .expect_err("blank id");
    assert_eq!(err.code(), "registration_failed");
}

#[tokio::test]
async fn connect_times_out_with_a_typed_error() {
    // Nothing listens on this port once the listener is dropped.
    let url = {
        let engine = FakeEngine::bind().await;
        engine.url().to_owned()
    };
    let mut config = crate::config(&url);
    config.connect_timeout = std::time::Duration::from_millis(300);
    let worker = iii::Worker::with_config(config);
    match worker.connect().await {
        Err(iii::Error::Connect { url: u, .. }) => assert_eq!(u, url),
        other => panic!("unexpected {other:?}"),
    }
    assert!(matches!(
        worker.connection(),
        ConnectionStatus::Reconnecting { .. } | ConnectionStatus::Connecting
    ));
    worker.disconnect().await;
    assert_eq!(worker.connection(), ConnectionStatus::Closed);
}

#[tokio::test]
async fn connection_events_report_the_lifecycle() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    let mut changes = worker.connection_events();
    assert_eq!(changes.next().await, Some(ConnectionStatus::Idle));
    let _peer = crate::serve(&worker, &engine).await;
    let mut seen = Vec::new();
    while let Some(state) = changes.next().await {
        seen.push(state);
        if state == ConnectionStatus::Ready {
            break;
        }
    }
    assert_eq!(seen.last(), Some(&ConnectionStatus::Ready), "{seen:?}");
    worker.disconnect().await;
    let mut last = None;
    while let Some(state) = changes.next().await {
        last = Some(state);
        if state == ConnectionStatus::Closed {
            break;
        }
    }
    assert_eq!(last, Some(ConnectionStatus::Closed));
}

#[tokio::test]
async fn a_refused_function_is_logged_and_the_worker_keeps_serving() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    peer.send(json!({"type": "registrationrejected", "code": "FUNCTION_NAMESPACE_CONFLICT", "namespace": "default", "function_id": "add", "owner_worker_id": "w-0"}))
        .await;
    let id = peer.invoke("echo", json!("still here")).await;
    assert_eq!(peer.result_of(&id).await["result"], "still here");
    assert_eq!(worker.connection(), ConnectionStatus::Ready);
    worker.disconnect().await;
}

#[tokio::test]
async fn a_rejected_worker_stops_for_good() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    peer.send(json!({"type": "registrationrejected", "code": "WORKER_NAMESPACE_CONFLICT", "namespace": "default", "worker_name": "test-worker", "owner_worker_id": "w-0"}))
        .await;
    let state = tokio::time::timeout(
        std::time::Duration::from_secs(5),
        worker.wait_for_connection(|s| s == ConnectionStatus::Closed),
    )
    .await
    .expect("closes");
    assert_eq!(state.ok(), Some(ConnectionStatus::Closed));
    assert!(peer.closed_within(std::time::Duration::from_secs(5)).await);
    // No reconnect attempt follows.
    let retry =
        tokio::time::timeout(std::time::Duration::from_millis(500), engine.try_accept()).await;
    assert!(
        retry.is_err(),
        "the worker must not reconnect after a fatal rejection"
    );
}

#[tokio::test]
async fn a_malformed_url_fails_at_once_without_retrying() {
    let worker = iii::Worker::new("localhost:1234");
    match worker.connect().await {
        Err(iii::Error::Connect { url, source }) => {
            assert_eq!(url, "localhost:1234");
            assert!(source.to_string().contains("ws://"), "{source}");
        }
        other => panic!("unexpected {other:?}"),
    }
    worker.start();
    assert_eq!(worker.connection(), ConnectionStatus::Closed);
    assert!(worker.fatal_error().is_some_and(|e| e.contains("ws://")));
}

#[tokio::test]
async fn an_engine_that_never_answers_the_ping_is_assumed_ready_after_a_while() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    worker.start();
    let mut peer = engine.accept().await;
    peer.send(json!({"type": "workerregistered", "worker_id": "w-1"}))
        .await;
    // Read the registrations and the ping, and never answer it.
    loop {
        if peer.recv().await["type"] == "ping" {
            break;
        }
    }
    assert_ne!(worker.connection(), ConnectionStatus::Ready);
    let started = std::time::Instant::now();
    tokio::time::timeout(std::time::Duration::from_secs(10), worker.ready())
        .await
        .expect("ready after the fallback")
        .expect("ready");
    // The fallback is 2 s after the connection opened; it may not come much sooner.
    assert!(started.elapsed() >= std::time::Duration::from_millis(1500));
    worker.disconnect().await;
}

#[tokio::test]
async fn connect_without_an_engine_fails_at_once_with_the_cause_and_what_to_do() {
    let url = {
        let engine = FakeEngine::bind().await;
        engine.url().to_owned()
    };
    let mut config = crate::config(&url);
    config.connect_timeout = std::time::Duration::from_secs(10);
    let worker = iii::Worker::with_config(config);
    let begun = std::time::Instant::now();
    let e = worker.connect().await.expect_err("no engine");
    assert!(
        begun.elapsed() < std::time::Duration::from_secs(3),
        "took {:?}",
        begun.elapsed()
    );
    let message = e.to_string();
    assert!(message.contains(&url), "{message}");
    assert!(message.contains("refused"), "{message}");
    assert!(message.contains("III_URL"), "{message}");
    assert!(message.contains("start_dev_engine_if_needed"), "{message}");
    worker.disconnect().await;
}
