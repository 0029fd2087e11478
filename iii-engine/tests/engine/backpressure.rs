//! Workers that stop reading, or send more than they read: eviction, shutdown and the write
//! timeout still end them, their calls are bounded, and their answers are still taken in.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{self, Worker};

/// Makes `stuck` stop being read by the engine's writer: it calls its own function with large
/// payloads (the engine delivers them to a socket nobody reads), then sends pings whose pongs
/// fill the connection's outbound queue. The engine may drop the connection before the last
/// frame is sent (a short write timeout on a busy machine): that ends the wedge early.
async fn wedge(stuck: &mut Worker) {
    stuck.register_function("self").await;
    let blob = "y".repeat(1 << 20);
    for _ in 0..24 {
        let call = json!({"type": "invokefunction", "invocation_id": uuid::Uuid::new_v4(),
                          "function_id": "self", "data": {"b": blob}});
        if !stuck.try_send(call).await {
            return;
        }
    }
    for _ in 0..200 {
        if !stuck.try_send(json!({"type": "ping"})).await {
            return;
        }
    }
}

/// Polls `engine::workers::list` until `id` is gone.
async fn wait_gone(observer: &mut Worker, id: &str) {
    let deadline = tokio::time::Instant::now() + Duration::from_secs(20);
    while observer.worker_ids().await.iter().any(|w| w == id) {
        assert!(tokio::time::Instant::now() < deadline, "{id} still listed");
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
}

#[tokio::test]
async fn a_worker_that_never_reads_can_still_be_evicted() {
    let engine = common::start().await;
    let mut stuck = Worker::connect_small(&engine).await;
    wedge(&mut stuck).await;
    let mut fresh = Worker::connect(&engine).await;
    fresh
        .send(json!({"type": "reattach", "previous_worker_id": stuck.id,
                     "reattach_token": stuck.token}))
        .await;
    // The reattach waits for the old connection's cleanup before this ping is handled.
    fresh.sync().await;
    let ids = fresh.worker_ids().await;
    assert_eq!(ids, vec![fresh.id.clone()]);
    engine.shutdown().await;
    stuck.abort();
}

#[tokio::test]
async fn a_worker_that_never_reads_does_not_hold_up_shutdown() {
    let mut config = common::config();
    // Long enough that a connection stuck for good would be noticed below.
    config.shutdown_grace = Duration::from_secs(120);
    // And no write timeout to rescue it.
    config.write_timeout = Duration::from_secs(3600);
    let engine = common::start_with(config).await;
    let mut stuck = Worker::connect_small(&engine).await;
    wedge(&mut stuck).await;
    let mut other = Worker::connect(&engine).await;
    other.sync().await;
    tokio::time::timeout(Duration::from_secs(60), engine.shutdown())
        .await
        .expect("every task ended, the stuck connection's too");
    stuck.abort();
}

#[tokio::test]
async fn a_worker_that_stops_reading_is_disconnected_after_the_write_timeout() {
    let mut config = common::config();
    config.write_timeout = Duration::from_millis(200);
    let engine = common::start_with(config).await;
    let mut stuck = Worker::connect_small(&engine).await;
    wedge(&mut stuck).await;
    let mut observer = Worker::connect(&engine).await;
    wait_gone(&mut observer, &stuck.id.clone()).await;
    // Its calls to itself were stopped, and the engine still serves the others.
    observer.sync().await;
    engine.shutdown().await;
    stuck.abort();
}

#[tokio::test]
async fn calls_in_flight_per_worker_are_bounded_but_answers_still_flow() {
    let mut config = common::config();
    // Calls to one target take at most half of it: four in flight to `slow`.
    config.max_calls_per_worker = 8;
    let engine = common::start_with(config).await;
    let mut callee = Worker::connect(&engine).await;
    callee.register_function("slow").await;
    callee.sync().await;
    let mut caller = Worker::connect(&engine).await;
    caller.register_function("mine").await;
    caller.sync().await;
    for i in 0..10 {
        caller
            .send(
                json!({"type": "invokefunction", "invocation_id": uuid::Uuid::new_v4(),
                         "function_id": "slow", "data": {"i": i}}),
            )
            .await;
    }
    let mut held = Vec::new();
    for _ in 0..4 {
        held.push(callee.expect_invoke().await);
    }
    // The fifth waits for room: it is not delivered while four are in flight.
    assert!(callee.try_recv(Duration::from_millis(300)).await.is_none());
    // At its limit, the caller's answers to calls made to it are still taken in.
    let id = uuid::Uuid::new_v4();
    callee
        .send(json!({"type": "invokefunction", "invocation_id": id,
                     "function_id": "mine", "data": {}}))
        .await;
    let inv = caller.expect_invoke().await;
    caller.answer(&inv, json!("from mine")).await;
    let r = callee.recv().await;
    assert_eq!(r["invocation_id"], id.to_string(), "{r}");
    assert_eq!(r["result"], "from mine");
    // Answering one call makes room for the next.
    callee.answer(&held[0], json!(0)).await;
    let next = callee.expect_invoke().await;
    assert_eq!(next["data"]["i"], 4);
    held.remove(0);
    held.push(next);
    // Answer everything; all ten results reach the caller.
    let mut answered = 1;
    while answered < 10 {
        let inv = held.remove(0);
        callee.answer(&inv, inv["data"]["i"].clone()).await;
        answered += 1;
        if answered <= 6 {
            held.push(callee.expect_invoke().await);
        }
    }
    let mut results: Vec<i64> = Vec::new();
    for _ in 0..10 {
        let r = caller.recv().await;
        assert_eq!(r["type"], "invocationresult", "{r}");
        results.push(r["result"].as_i64().unwrap());
    }
    results.sort_unstable();
    assert_eq!(results, (0..10).collect::<Vec<_>>());
    engine.shutdown().await;
}

#[tokio::test]
async fn a_call_waiting_for_a_dead_workers_queue_is_answered_invocation_stopped() {
    let engine = common::start().await;
    let mut target = Worker::connect_small(&engine).await;
    target.register_function("sink").await;
    target.sync().await;
    let mut caller = Worker::connect(&engine).await;
    let blob = "z".repeat(64 * 1024);
    let n = 300;
    for _ in 0..n {
        caller
            .send(
                json!({"type": "invokefunction", "invocation_id": uuid::Uuid::new_v4(),
                         "function_id": "sink", "data": {"b": blob}}),
            )
            .await;
    }
    // Let the engine take them all in (the last ones wait for room in the target's queue).
    caller.sync().await;
    target.abort();
    for _ in 0..n {
        let r = caller.recv().await;
        assert_eq!(r["type"], "invocationresult", "{r}");
        assert_eq!(r["error"]["code"], "invocation_stopped", "{r}");
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn deliveries_to_one_subscriber_are_bounded_by_its_concurrency() {
    let mut config = common::config();
    config.delivery_concurrency = 2;
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("consume").await;
    w.register_trigger("durable:subscriber", "consume", json!({"topic": "jobs"}))
        .await;
    w.register_function("consume1").await;
    w.register_trigger(
        "durable:subscriber",
        "consume1",
        json!({"topic": "solo", "queue_config": {"concurrency": 1}}),
    )
    .await;
    w.sync().await;
    let mut publisher = Worker::connect(&engine).await;
    for i in 0..5 {
        publisher
            .call(
                "iii::durable::publish",
                json!({"topic": "jobs", "data": {"i": i}}),
            )
            .await;
    }
    let first = w.expect_invoke().await;
    let second = w.expect_invoke().await;
    assert!(w.try_recv(Duration::from_millis(300)).await.is_none());
    w.answer(&first, Value::Null).await;
    let third = w.expect_invoke().await;
    for inv in [second, third] {
        w.answer(&inv, Value::Null).await;
    }
    for _ in 0..2 {
        let inv = w.expect_invoke().await;
        w.answer(&inv, Value::Null).await;
    }
    // `queue_config.concurrency` wins over the default.
    for i in 0..2 {
        publisher
            .call(
                "iii::durable::publish",
                json!({"topic": "solo", "data": {"i": i}}),
            )
            .await;
    }
    let one = w.expect_invoke().await;
    assert_eq!(one["function_id"], "consume1");
    assert!(w.try_recv(Duration::from_millis(300)).await.is_none());
    w.answer(&one, Value::Null).await;
    let two = w.expect_invoke().await;
    w.answer(&two, Value::Null).await;
    w.sync().await;
    engine.shutdown().await;
}
