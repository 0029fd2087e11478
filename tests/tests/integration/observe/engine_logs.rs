//! Logs forwarded to the engine: a handler's `tracing` events at or above the chosen level
//! become fire-and-forget calls of `engine::log::{level}` carrying the message, the fields and
//! the invocation's trace and span ids; a full queue drops events instead of waiting. A
//! scripted engine reads what the worker sends.

use std::time::{Duration, Instant};

use iii::observe::{EngineLogLayer, Level, dropped_logs};
use iii::{Backoff, Error, Worker};
use iii_test_support::fake_engine::FakeEngine;
use iii_test_support::frames;
use iii_tests::worker_config_url;
use serde_json::{Value, json};
use tracing_subscriber::layer::SubscriberExt;

const TRACE_ID: &str = "4bf92f3577b34da6a3ce929d0e0e4736";
const PARENT_ID: &str = "00f067aa0ba902b7";

#[tokio::test]
async fn events_at_the_level_reach_the_engine_with_the_invocations_trace_and_overflow_is_dropped() {
    let subscriber = tracing_subscriber::registry().with(EngineLogLayer::default());
    let _guard = tracing::subscriber::set_default(subscriber);
    let engine = FakeEngine::bind().await;
    let worker = Worker::with_config(iii::WorkerConfig {
        name: "log-worker".to_owned(),
        backoff: Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(200),
            jitter: 0.0,
        },
        ..worker_config_url(engine.url())
    });
    worker
        .register_function("noisy", |_: Value| async move {
            tracing::info!("below the level: stays here");
            tracing::warn!(order = 7, item = "tea", "stock is low");
            Ok::<_, Error>(json!("ok"))
        })
        .expect("register");
    worker.start();
    worker.forward_logs(Level::WARN);
    let mut peer = engine.accept().await;
    peer.handshake("w-1").await;

    let id = frames::new_id();
    let mut invoke = frames::invoke(&id, "noisy", json!({}));
    invoke["traceparent"] = json!(format!("00-{TRACE_ID}-{PARENT_ID}-01"));
    peer.send(invoke).await;

    let mut logs = Vec::new();
    let mut answered = false;
    while logs.is_empty() || !answered {
        let frame = peer.recv().await;
        match frame["type"].as_str() {
            Some("invocationresult") if frame["invocation_id"] == id.as_str() => answered = true,
            Some("invokefunction") => logs.push(frame),
            _ => {}
        }
    }
    assert_eq!(logs.len(), 1, "only the WARN event: {logs:#?}");
    let log = &logs[0];
    assert_eq!(log["function_id"], "engine::log::warn");
    assert_eq!(
        log["action"],
        json!({"type": "void"}),
        "fire and forget: {log}"
    );
    assert!(log.get("invocation_id").is_none_or(Value::is_null), "{log}");
    let data = &log["data"];
    assert_eq!(data["message"], "stock is low");
    assert_eq!(data["data"]["order"], 7);
    assert_eq!(data["data"]["item"], "tea");
    assert!(data["data"]["target"].is_string(), "{data}");
    assert_eq!(data["trace_id"], TRACE_ID);
    assert_eq!(data["span_id"], PARENT_ID);
    assert_eq!(data["service_name"], "log-worker");

    // Without a connection the forwarder waits; the queue fills and further events are
    // dropped at once rather than waiting for it.
    drop(peer);
    let before = dropped_logs();
    let started = Instant::now();
    for i in 0..1500 {
        tracing::error!(i, "while the engine is away");
    }
    let took = started.elapsed();
    let dropped = dropped_logs() - before;
    assert!(
        dropped >= 1500 - 1024 - 1,
        "{dropped} dropped of 1500 with room for 1024"
    );
    assert!(took < Duration::from_secs(2), "logging waited: {took:?}");
    worker.disconnect().await;
}
