//! Durable queues, the enqueue action, dead letters and pub/sub.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{self, Worker};

#[tokio::test]
async fn durable_publish_fans_out_to_each_subscribed_function() {
    let engine = common::start().await;
    let mut a = Worker::connect(&engine).await;
    let mut b = Worker::connect(&engine).await;
    a.register_function("orders.bill").await;
    a.register_trigger(
        "durable:subscriber",
        "orders.bill",
        json!({"topic": "orders"}),
    )
    .await;
    // The same function twice still gets one copy.
    a.register_trigger("queue", "orders.bill", json!({"topic": "orders"}))
        .await;
    a.sync().await;
    b.register_function("orders.ship").await;
    b.register_trigger("queue", "orders.ship", json!({"topic": "orders"}))
        .await;
    b.sync().await;
    let mut p = Worker::connect(&engine).await;
    let r = p
        .call(
            "iii::durable::publish",
            json!({"topic": "orders", "data": {"id": 7}}),
        )
        .await;
    assert!(r.get("error").is_none(), "{r}");
    assert_eq!(r["result"], Value::Null);
    let inv = a.expect_invoke().await;
    assert_eq!(inv["function_id"], "orders.bill");
    assert_eq!(inv["data"], json!({"id": 7}), "the raw data, no envelope");
    a.answer(&inv, json!(null)).await;
    let inv = b.expect_invoke().await;
    assert_eq!(inv["function_id"], "orders.ship");
    b.answer(&inv, json!(null)).await;
    assert!(a.try_recv(Duration::from_millis(200)).await.is_none());
    // The legacy producer name works too.
    p.call("enqueue", json!({"topic": "orders", "data": 1}))
        .await;
    let inv = a.expect_invoke().await;
    assert_eq!(inv["data"], 1);
    a.answer(&inv, json!(null)).await;
    // An empty topic is an error.
    let r = p
        .call("iii::durable::publish", json!({"topic": "", "data": 1}))
        .await;
    assert_eq!(r["error"]["code"], "topic_not_set");
    let r = p.call("iii::durable::publish", json!("nope")).await;
    assert_eq!(r["error"]["code"], "deserialization_error");
    engine.shutdown().await;
}

#[tokio::test]
async fn failed_deliveries_are_retried_then_dead_lettered() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("flaky").await;
    w.register_trigger(
        "durable:subscriber",
        "flaky",
        json!({"topic": "t", "queue_config": {"maxRetries": 2, "backoffDelayMs": 20}}),
    )
    .await;
    w.sync().await;
    let mut p = Worker::connect(&engine).await;
    p.call(
        "iii::durable::publish",
        json!({"topic": "t", "data": {"n": 1}}),
    )
    .await;
    // First delivery fails, the retry succeeds: at-least-once.
    let inv = w.expect_invoke().await;
    w.fail(&inv, "invocation_failed", "try again").await;
    let retry = w.expect_invoke().await;
    assert_eq!(retry["data"], json!({"n": 1}));
    w.answer(&retry, json!(null)).await;
    // Now fail every attempt: 1 + maxRetries = 3 attempts, then the DLQ.
    p.call(
        "iii::durable::publish",
        json!({"topic": "t", "data": {"n": 2}}),
    )
    .await;
    for _ in 0..3 {
        let inv = w.expect_invoke().await;
        assert_eq!(inv["data"], json!({"n": 2}));
        w.fail(&inv, "invocation_failed", "always").await;
    }
    assert!(w.try_recv(Duration::from_millis(300)).await.is_none());
    let dlq = p
        .call("engine::queue::dlq_messages", json!({"topic": "t"}))
        .await;
    let messages = dlq["result"]["messages"].as_array().unwrap();
    assert_eq!(messages.len(), 1, "{dlq}");
    assert_eq!(messages[0]["data"], json!({"n": 2}));
    assert_eq!(messages[0]["function_id"], "flaky");
    assert_eq!(messages[0]["attempts"], 3);
    assert_eq!(messages[0]["error"]["message"], "always");
    let other = p
        .call("engine::queue::dlq_messages", json!({"topic": "other"}))
        .await;
    assert_eq!(other["result"]["messages"], json!([]));
    engine.shutdown().await;
}

#[tokio::test]
async fn enqueue_action_answers_a_receipt_at_once_and_delivers_later() {
    let engine = common::start().await;
    let mut target = Worker::connect(&engine).await;
    target.register_function("work").await;
    target.sync().await;
    let mut caller = Worker::connect(&engine).await;
    let id = uuid::Uuid::new_v4();
    caller
        .send(
            json!({"type":"invokefunction","invocation_id":id,"function_id":"work",
                       "data":{"job":1},"action":{"type":"enqueue","queue":"default"}}),
        )
        .await;
    let r = caller.recv().await;
    assert_eq!(r["invocation_id"], id.to_string());
    let receipt = r["result"]["messageReceiptId"].as_str().unwrap();
    assert!(uuid::Uuid::parse_str(receipt).is_ok());
    let inv = target.expect_invoke().await;
    assert_eq!(
        inv["data"],
        json!({"job": 1}),
        "no _caller_worker_id for enqueue"
    );
    target.answer(&inv, json!("ignored")).await;
    assert!(caller.try_recv(Duration::from_millis(200)).await.is_none());
    engine.shutdown().await;
}

#[tokio::test]
async fn pubsub_publish_reaches_each_subscriber_once_without_retries() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("on.news").await;
    w.send(
        json!({"type":"registertrigger","id":"s1","trigger_type":"subscribe",
                  "function_id":"on.news","config":{"topic":"news"},"metadata":{"m":1}}),
    )
    .await;
    w.sync().await;
    let mut p = Worker::connect(&engine).await;
    let r = p
        .call("publish", json!({"topic": "news", "data": "hello"}))
        .await;
    assert_eq!(r["result"], Value::Null);
    let inv = w.expect_invoke().await;
    assert_eq!(inv["data"], "hello");
    assert_eq!(inv["metadata"], json!({"m": 1}));
    w.fail(&inv, "x", "no retry for pub/sub").await;
    assert!(w.try_recv(Duration::from_millis(300)).await.is_none());
    // Durable subscribers are not pub/sub subscribers.
    p.call("publish", json!({"topic": "orders", "data": 1}))
        .await;
    assert!(w.try_recv(Duration::from_millis(200)).await.is_none());
    engine.shutdown().await;
}
