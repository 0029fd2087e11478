//! `stream::*` builtins and `stream` triggers.

use std::time::Duration;

use serde_json::{Value, json};

use crate::common::{self, Worker};

fn key(item: &str) -> Value {
    json!({"stream_name": "presence", "group_id": "room-1", "item_id": item})
}

fn with(mut base: Value, k: &str, v: Value) -> Value {
    base[k] = v;
    base
}

#[tokio::test]
async fn stream_set_get_update_delete_and_lists() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    let r = w
        .call("stream::set", with(key("u1"), "data", json!({"n": 1})))
        .await;
    assert_eq!(
        r["result"],
        json!({"old_value": null, "new_value": {"n": 1}})
    );
    w.call("stream::set", with(key("u2"), "data", json!("x")))
        .await;
    assert_eq!(
        w.call("stream::get", key("u1")).await["result"],
        json!({"n": 1})
    );
    assert_eq!(
        w.call("stream::get", key("none")).await["result"],
        Value::Null
    );
    let ops = json!([{"type": "increment", "path": "n", "by": 2}]);
    let r = w.call("stream::update", with(key("u1"), "ops", ops)).await;
    assert_eq!(
        r["result"],
        json!({"old_value": {"n": 1}, "new_value": {"n": 3}})
    );
    let r = w
        .call(
            "stream::list",
            json!({"stream_name": "presence", "group_id": "room-1"}),
        )
        .await;
    assert_eq!(r["result"], json!([{"n": 3}, "x"]));
    let r = w
        .call("stream::list_groups", json!({"stream_name": "presence"}))
        .await;
    assert_eq!(r["result"], json!(["room-1"]));
    let r = w.call("stream::list_all", json!({})).await;
    assert_eq!(
        r["result"],
        json!({"stream": [{"id": "presence", "groups": ["room-1"]}], "count": 1})
    );
    let r = w.call("stream::delete", key("u1")).await;
    assert_eq!(r["result"], json!({"old_value": {"n": 3}}));
    let send = json!({"stream_name": "presence", "group_id": "room-1", "type": "ping", "data": 1});
    assert!(w.call("stream::send", send).await["error"].is_null());
    let r = w.call("stream::set", json!({"stream_name": "s"})).await;
    assert_eq!(r["error"]["code"], "deserialization_error");
    engine.shutdown().await;
}

#[tokio::test]
async fn stream_triggers_fire_with_the_engine_payload_and_filters() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("on.any").await;
    w.register_function("on.u1").await;
    w.register_trigger("stream", "on.any", json!({"stream_name": "presence"}))
        .await;
    w.register_trigger(
        "stream",
        "on.u1",
        json!({"stream_name": "presence", "group_id": "room-1", "item_id": "u1"}),
    )
    .await;
    // A missing stream_name is refused, not a crash.
    let bad = w.register_trigger("stream", "on.any", json!({})).await;
    let refusal = w.recv().await;
    assert_eq!(refusal["type"], "triggerregistrationresult");
    assert_eq!(refusal["id"], bad.as_str());
    assert_eq!(refusal["error"]["code"], "trigger_registration_failed");
    let mut caller = Worker::connect(&engine).await;
    caller
        .call("stream::set", with(key("u2"), "data", json!(1)))
        .await;
    let inv = w.expect_invoke().await;
    assert_eq!(inv["function_id"], "on.any");
    let data = &inv["data"];
    assert!(data["timestamp"].as_i64().unwrap() > 1_700_000_000_000);
    assert_eq!(
        with(data.clone(), "timestamp", json!(0)),
        json!({"type": "stream", "timestamp": 0, "streamName": "presence", "groupId": "room-1",
               "id": "u2", "event": {"type": "create", "data": 1}})
    );
    w.answer(&inv, Value::Null).await;
    caller.call("stream::delete", key("u2")).await;
    let inv = w.expect_invoke().await;
    assert_eq!(inv["data"]["event"], json!({"type": "delete", "data": 1}));
    w.answer(&inv, Value::Null).await;
    caller
        .call("stream::set", with(key("u1"), "data", json!(2)))
        .await;
    let mut fired = Vec::new();
    for _ in 0..2 {
        let inv = w.expect_invoke().await;
        fired.push(inv["function_id"].as_str().unwrap().to_owned());
        w.answer(&inv, Value::Null).await;
    }
    fired.sort();
    assert_eq!(fired, ["on.any", "on.u1"]);
    // `stream::send` stores nothing but fires the stream's triggers with the event.
    let send = json!({"stream_name": "presence", "group_id": "room-2", "type": "typing",
                      "data": {"who": "ada"}});
    caller.call("stream::send", send).await;
    let inv = w.expect_invoke().await;
    assert_eq!(inv["function_id"], "on.any");
    assert_eq!(
        inv["data"]["event"],
        json!({"type": "event", "data": {"type": "typing", "data": {"who": "ada"}}})
    );
    w.answer(&inv, Value::Null).await;
    // Other streams fire nothing.
    caller
        .call(
            "stream::set",
            json!({"stream_name": "other", "group_id": "g", "item_id": "i", "data": 1}),
        )
        .await;
    assert!(w.try_recv(Duration::from_millis(200)).await.is_none());
    engine.shutdown().await;
}
