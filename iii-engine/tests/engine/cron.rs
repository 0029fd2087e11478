//! Cron triggers: payload, metadata, overlap skipping, validation and removal.

use std::time::Duration;

use serde_json::json;

use crate::common::{self, Worker};

#[tokio::test]
async fn cron_fires_with_the_payload_and_trigger_metadata() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("tick").await;
    w.send(
        json!({"type":"registertrigger","id":"job-1","trigger_type":"cron",
                  "function_id":"tick","config":{"expression":"* * * * * *"},
                  "metadata":{"team":"ops"}}),
    )
    .await;
    w.sync().await;
    let inv = w.expect_invoke().await;
    assert_eq!(inv["function_id"], "tick");
    assert_eq!(inv["metadata"], json!({"team": "ops"}));
    let data = &inv["data"];
    assert_eq!(data["trigger"], "cron");
    assert_eq!(data["job_id"], "job-1");
    let scheduled = data["scheduled_time"].as_str().unwrap();
    let actual = data["actual_time"].as_str().unwrap();
    assert!(
        scheduled.ends_with("+00:00") && !scheduled.contains('.'),
        "{scheduled}"
    );
    assert!(
        actual.ends_with("+00:00") && actual.contains('.'),
        "{actual}"
    );
    let s = chrono::DateTime::parse_from_rfc3339(scheduled).unwrap();
    let a = chrono::DateTime::parse_from_rfc3339(actual).unwrap();
    assert!(a >= s);
    w.answer(&inv, json!(null)).await;
    // Fires again next second with a fresh id.
    let next = w.expect_invoke().await;
    assert_ne!(next["invocation_id"], inv["invocation_id"]);
    w.answer(&next, json!(null)).await;
    engine.shutdown().await;
}

#[tokio::test]
async fn overlapping_ticks_are_skipped_while_a_run_is_unanswered() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("slow").await;
    w.register_trigger("cron", "slow", json!({"expression": "* * * * * *"}))
        .await;
    w.sync().await;
    let first = w.expect_invoke().await;
    assert!(
        w.try_recv(Duration::from_millis(2300)).await.is_none(),
        "no overlap"
    );
    w.answer(&first, json!(null)).await;
    let second = w.expect_invoke().await;
    assert_eq!(second["data"]["trigger"], "cron");
    engine.shutdown().await;
}

#[tokio::test]
async fn five_field_and_invalid_expressions_are_refused() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    for expr in [
        json!("*/5 * * * *"),
        json!("bogus bogus bogus bogus bogus bogus"),
        json!(""),
        json!(5),
    ] {
        let id = w
            .register_trigger("cron", "f", json!({"expression": expr}))
            .await;
        let r = w.recv().await;
        assert_eq!(r["type"], "triggerregistrationresult", "{expr}");
        assert_eq!(r["id"], id.as_str());
        assert_eq!(r["error"]["code"], "trigger_registration_failed");
    }
    w.register_trigger("cron", "f", json!({"expression": "@daily"}))
        .await;
    w.register_trigger("cron", "f", json!({"expression": "0 0 9 * * MON-FRI 2099"}))
        .await;
    w.sync().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn unregistered_cron_stops_firing() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("tick").await;
    let id = w
        .register_trigger("cron", "tick", json!({"expression": "* * * * * *"}))
        .await;
    w.sync().await;
    let inv = w.expect_invoke().await;
    w.send(json!({"type":"unregistertrigger","id":id,"trigger_type":"cron"}))
        .await;
    w.answer(&inv, json!(null)).await;
    w.sync().await;
    assert!(w.try_recv(Duration::from_millis(1500)).await.is_none());
    engine.shutdown().await;
}

#[tokio::test]
async fn cron_condition_false_skips_the_fire() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("tick").await;
    w.register_function("gate").await;
    w.register_trigger(
        "cron",
        "tick",
        json!({"expression": "* * * * * *", "condition_function_id": "gate"}),
    )
    .await;
    w.sync().await;
    let gate = w.expect_invoke().await;
    assert_eq!(gate["function_id"], "gate");
    assert_eq!(gate["data"]["trigger"], "cron");
    w.answer(&gate, json!(false)).await;
    let next = w.expect_invoke().await;
    assert_eq!(
        next["function_id"], "gate",
        "the skipped tick never reached tick"
    );
    w.answer(&next, json!(true)).await;
    let fired = w.expect_invoke().await;
    assert_eq!(fired["function_id"], "tick");
    engine.shutdown().await;
}
