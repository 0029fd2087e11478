//! One target that stops answering (or reading) slows only the calls made to it.

use std::time::Duration;

use serde_json::json;

use crate::common::{self, Worker};

#[tokio::test]
async fn a_stalled_target_does_not_hold_up_its_callers_other_calls() {
    let mut config = common::config();
    config.max_calls_per_worker = 4;
    let engine = common::start_with(config).await;
    // Reads its frames but answers nothing, and then stops reading at all.
    let mut stalled = Worker::connect_small(&engine).await;
    stalled.register_function("stalled").await;
    stalled.sync().await;
    let mut other = Worker::connect(&engine).await;
    other.register_function("other").await;
    other.sync().await;
    let mut caller = Worker::connect(&engine).await;
    for i in 0..8 {
        caller
            .send(
                json!({"type": "invokefunction", "invocation_id": uuid::Uuid::new_v4(),
                         "function_id": "stalled", "data": {"i": i}}),
            )
            .await;
    }
    let id = uuid::Uuid::new_v4();
    caller
        .send(json!({"type": "invokefunction", "invocation_id": id,
                     "function_id": "other", "data": {}}))
        .await;
    let inv = other.expect_invoke().await;
    other.answer(&inv, json!("fine")).await;
    let r = caller.recv().await;
    assert_eq!(r["invocation_id"], id.to_string(), "{r}");
    assert_eq!(r["result"], "fine");
    // Builtins too, and the caller's own registrations.
    let got = caller
        .call("state::get", json!({"scope": "s", "key": "k"}))
        .await;
    assert!(got.get("error").is_none(), "{got}");
    caller.register_function("mine").await;
    caller.sync().await;
    // The stalled target got only its share of the caller's room; the rest wait in order.
    let mut seen = Vec::new();
    while let Some(inv) = stalled.try_recv(Duration::from_millis(300)).await {
        seen.push(inv["data"]["i"].as_i64().unwrap());
    }
    assert_eq!(seen, [0, 1]);
    engine.shutdown().await;
    stalled.abort();
}
