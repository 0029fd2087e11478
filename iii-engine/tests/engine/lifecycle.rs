//! Reattach eviction and frame size limits.

use serde_json::json;

use crate::common::{self, Worker};

#[tokio::test]
async fn reattach_with_the_right_token_evicts_the_old_connection() {
    let engine = common::start().await;
    let mut old = Worker::connect(&engine).await;
    old.route("f", "GET", "f").await;
    old.register_trigger("cron", "f", json!({"expression": "@yearly"}))
        .await;
    old.sync().await;
    let mut new = Worker::connect(&engine).await;
    new.send(json!({"type":"reattach","previous_worker_id":old.id,"reattach_token":old.token}))
        .await;
    // The replay right after the reattach is not undone by the old connection's cleanup.
    new.route("f", "GET", "f").await;
    assert!(
        old.closed().await,
        "old connection closed with a Close frame"
    );
    let e = &engine;
    let (resp, ()) = tokio::join!(crate::common::http(e, "GET", "/f", &[], ""), async {
        let inv = new.expect_invoke().await;
        new.answer(&inv, json!({"body": "new"})).await;
    });
    assert_eq!(resp.json(), json!("new"));
    engine.shutdown().await;
}

#[tokio::test]
async fn reattach_with_a_bad_token_or_unknown_id_is_ignored() {
    let engine = common::start().await;
    let mut old = Worker::connect(&engine).await;
    let mut new = Worker::connect(&engine).await;
    for frame in [
        json!({"type":"reattach","previous_worker_id":old.id,"reattach_token":"wrong"}),
        json!({"type":"reattach","previous_worker_id":uuid::Uuid::new_v4(),
               "reattach_token":old.token}),
        json!({"type":"reattach","previous_worker_id":"not-a-uuid","reattach_token":old.token}),
        json!({"type":"reattach","previous_worker_id":new.id,"reattach_token":new.token}),
    ] {
        new.send(frame).await;
    }
    new.sync().await;
    old.sync().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn messages_over_the_size_limit_close_the_connection() {
    let mut config = common::config();
    config.max_message_bytes = 64 * 1024;
    config.max_frame_bytes = 64 * 1024;
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    let big = format!(
        r#"{{"type":"registerfunction","id":"{}"}}"#,
        "x".repeat(128 * 1024)
    );
    w.send_text(&big).await;
    // The engine drops the connection (with or without a Close frame) instead of reading on.
    w.closed().await;
    // A message within the limit is fine.
    let mut w = Worker::connect(&engine).await;
    let ok = format!(
        r#"{{"type":"registerfunction","id":"{}"}}"#,
        "y".repeat(1024)
    );
    w.send_text(&ok).await;
    w.sync().await;
    engine.shutdown().await;
}
