//! Trigger firing with a slow subscriber: the other subscribers are served as if it were not
//! there, and what waits for it is bounded by its delivery queue.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{self, Worker};

/// One delivery in flight and four waiting per target.
fn tight() -> iii_engine::EngineConfig {
    let mut config = common::config();
    config.delivery_concurrency = 1;
    config.delivery_queue = 4;
    config
}

/// Connects a worker with `function_id` bound by a trigger of `ty` with `config`.
async fn subscriber(
    engine: &iii_engine::EngineHandle,
    function_id: &str,
    ty: &str,
    config: Value,
) -> Worker {
    let mut w = Worker::connect(engine).await;
    w.register_function(function_id).await;
    w.register_trigger(ty, function_id, config).await;
    w.sync().await;
    w
}

/// Answers every invocation that reaches `w` until none comes for a while; returns their data.
async fn answer_all(w: &mut Worker) -> Vec<Value> {
    let mut seen = Vec::new();
    while let Some(inv) = w.try_recv(Duration::from_millis(500)).await {
        assert_eq!(inv["type"], "invokefunction", "{inv}");
        seen.push(inv["data"].clone());
        w.answer(&inv, Value::Null).await;
    }
    seen
}

#[tokio::test]
async fn a_slow_subscriber_does_not_delay_another_subscribers_deliveries() {
    let engine = common::start_with(tight()).await;
    let scope = json!({"scope": "s"});
    // Never answers: its one delivery in flight never ends.
    let mut slow = subscriber(&engine, "slow.on_state", "state", scope.clone()).await;
    let mut fast = subscriber(&engine, "fast.on_state", "state", scope).await;
    let mut writer = Worker::connect(&engine).await;
    for n in 0..20 {
        writer
            .call("state::set", json!({"scope": "s", "key": "k", "value": n}))
            .await;
        // Each change reaches the fast subscriber while the slow one sits on its first.
        let inv = fast.expect_invoke().await;
        assert_eq!(inv["data"]["new_value"], n, "{inv}");
        fast.answer(&inv, Value::Null).await;
    }
    let first = slow.expect_invoke().await;
    assert_eq!(first["data"]["new_value"], 0);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_fast_publisher_meets_a_slow_subscriber_with_a_bounded_queue() {
    let engine = common::start_with(tight()).await;
    let topic = json!({"topic": "jobs", "queue_config": {"maxRetries": 0}});
    let mut slow = subscriber(&engine, "slow.job", "durable:subscriber", topic.clone()).await;
    let mut fast = subscriber(&engine, "fast.job", "durable:subscriber", topic).await;
    let mut publisher = Worker::connect(&engine).await;
    let published = 20;
    for n in 0..published {
        publisher
            .call("iii::durable::publish", json!({"topic": "jobs", "data": n}))
            .await;
        // The fast subscriber's delivery proves the publish was fanned out.
        let inv = fast.expect_invoke().await;
        assert_eq!(inv["data"], n);
        fast.answer(&inv, Value::Null).await;
    }
    // The slow subscriber took one delivery and its queue held four more (one fewer when the
    // queue filled before its task took the first out); nothing else was kept for it.
    let delivered = answer_all(&mut slow).await;
    assert!(
        (4..=5).contains(&delivered.len()),
        "one in flight plus a queue of four, got {delivered:?}"
    );
    let expected: Vec<Value> = (0..delivered.len()).map(|n| json!(n)).collect();
    assert_eq!(delivered, expected, "the oldest messages, in order");
    // What did not fit was dead-lettered, not lost silently.
    let dlq = publisher
        .call("engine::queue::dlq_messages", json!({"topic": "jobs"}))
        .await;
    let messages = dlq["result"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), published - delivered.len(), "{dlq}");
    assert!(
        messages
            .iter()
            .all(|m| m["error"]["code"] == "delivery_queue_full" && m["function_id"] == "slow.job"),
        "{dlq}"
    );
    engine.shutdown().await;
}
