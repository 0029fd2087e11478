//! The engine's trigger functions and trigger types: `engine::register_trigger`,
//! `engine::unregister_trigger`, `engine::registered-triggers::list`, `engine::workers::info`,
//! `engine::workers-available` and `engine::functions-available`.

use serde_json::{Value, json};

use crate::common::{self, Worker};

#[tokio::test]
async fn register_trigger_function_binding_outlives_its_caller() {
    let engine = common::start().await;
    let mut target = Worker::connect(&engine).await;
    target.register_function("on.state").await;
    target.sync().await;
    let mut caller = Worker::connect(&engine).await;
    let r = caller
        .call(
            "engine::register_trigger",
            json!({"trigger_type": "state", "function_id": "on.state", "config": {"scope": "s"}}),
        )
        .await;
    let id = r["result"]["id"].as_str().expect("an id").to_owned();
    let bad = caller
        .call(
            "engine::register_trigger",
            json!({"trigger_type": "cron", "function_id": "on.state", "config": {"expression": "* * * * *"}}),
        )
        .await;
    assert_eq!(bad["error"]["code"], "trigger_registration_failed");
    caller.close().await;
    let mut other = Worker::connect(&engine).await;
    other
        .call("state::set", json!({"scope": "s", "key": "k", "value": 1}))
        .await;
    let inv = target.expect_invoke().await;
    assert_eq!(inv["function_id"], "on.state");
    target.answer(&inv, Value::Null).await;
    let list = other
        .call("engine::registered-triggers::list", Value::Null)
        .await;
    let rows = list["result"]["registered_triggers"]
        .as_array()
        .unwrap()
        .clone();
    assert_eq!(rows.len(), 1, "{list}");
    assert_eq!(rows[0]["id"], id.as_str());
    assert_eq!(rows[0]["trigger_type"], "state");
    assert_eq!(rows[0]["worker_name"], "iii-engine");
    assert_eq!(rows[0]["status"], "active");
    assert_eq!(rows[0]["config_summary"], r#"{"scope":"s"}"#);
    let filtered = other
        .call(
            "engine::registered-triggers::list",
            json!({"trigger_type": "http"}),
        )
        .await;
    assert_eq!(filtered["result"]["registered_triggers"], json!([]));
    let r = other
        .call("engine::unregister_trigger", json!({"id": id}))
        .await;
    assert_eq!(r["result"], json!({"removed": true}));
    let r = other
        .call("engine::unregister_trigger", json!({"id": id}))
        .await;
    assert_eq!(r["result"], json!({"removed": false}));
    engine.shutdown().await;
}

#[tokio::test]
async fn workers_available_and_functions_available_fire() {
    let engine = common::start().await;
    let mut watcher = Worker::connect(&engine).await;
    watcher.register_function("watch.workers").await;
    watcher.register_function("watch.functions").await;
    watcher
        .register_trigger("engine::workers-available", "watch.workers", Value::Null)
        .await;
    watcher
        .register_trigger(
            "engine::functions-available",
            "watch.functions",
            Value::Null,
        )
        .await;
    // The watcher's own registrations may fire once; let that settle.
    watcher.sync().await;
    if let Some(inv) = watcher
        .try_recv(std::time::Duration::from_millis(300))
        .await
    {
        watcher.answer(&inv, Value::Null).await;
    }
    let mut w = Worker::connect(&engine).await;
    let inv = watcher.expect_invoke().await;
    assert_eq!(inv["function_id"], "watch.workers");
    assert_eq!(
        inv["data"],
        json!({"event": "worker_connected", "worker_id": w.id})
    );
    watcher.answer(&inv, Value::Null).await;
    w.register_function("new.fn").await;
    w.send(
        json!({"type": "invokefunction", "function_id": "engine::workers::register",
                  "action": {"type": "void"}, "data": {"name": "w2", "runtime": "python"}}),
    )
    .await;
    let mut seen = Vec::new();
    for _ in 0..2 {
        let inv = watcher.expect_invoke().await;
        seen.push(inv.clone());
        watcher.answer(&inv, Value::Null).await;
    }
    seen.sort_by_key(|i| i["function_id"].as_str().unwrap().to_owned());
    assert_eq!(seen[0]["data"]["event"], "functions_changed");
    let ids: Vec<&str> = seen[0]["data"]["functions"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|f| f["function_id"].as_str())
        .collect();
    assert!(ids.contains(&"new.fn"), "{ids:?}");
    assert_eq!(
        seen[1]["data"],
        json!({"event": "worker_metadata_updated", "worker_id": w.id})
    );
    let info = watcher
        .call("engine::workers::info", json!({"name": "w2"}))
        .await;
    let info = &info["result"];
    assert_eq!(info["worker"]["id"], w.id.as_str(), "{info}");
    assert_eq!(info["worker"]["runtime"], "python");
    assert_eq!(info["functions"][0]["function_id"], "new.fn");
    let missing = watcher
        .call("engine::workers::info", json!({"name": "nobody"}))
        .await;
    assert_eq!(missing["error"]["code"], "NOT_FOUND");
    let gone = w.id.clone();
    w.close().await;
    let mut events = Vec::new();
    for _ in 0..2 {
        let inv = watcher.expect_invoke().await;
        events.push(inv["data"]["event"].as_str().unwrap().to_owned());
        if inv["function_id"] == "watch.workers" {
            assert_eq!(inv["data"]["worker_id"], gone.as_str());
        }
        watcher.answer(&inv, Value::Null).await;
    }
    events.sort();
    assert_eq!(events, ["functions_changed", "worker_disconnected"]);
    engine.shutdown().await;
}
