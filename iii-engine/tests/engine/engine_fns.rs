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
    // Only its maker may remove it, and the maker is gone.
    let r = other
        .call("engine::unregister_trigger", json!({"id": id}))
        .await;
    assert_eq!(r["error"]["code"], "FORBIDDEN", "{r}");
    engine.shutdown().await;
}

/// The next fire of `function_id` carrying `event`, answering (and skipping) any other fire.
async fn next_event(watcher: &mut Worker, function_id: &str, event: &str) -> Value {
    loop {
        let inv = watcher.expect_invoke().await;
        watcher.answer(&inv, Value::Null).await;
        if inv["function_id"] == function_id && inv["data"]["event"] == event {
            return inv["data"].clone();
        }
    }
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
    watcher.sync().await;
    let mut w = Worker::connect(&engine).await;
    let data = next_event(&mut watcher, "watch.workers", "worker_connected").await;
    assert_eq!(data["worker_id"], w.id.as_str());
    w.register_function("new.fn").await;
    // The watcher's own registrations make a change too, which fires once its binding is
    // there: when the engine is slow, that fire (without `new.fn`) comes first, alone.
    loop {
        let data = next_event(&mut watcher, "watch.functions", "functions_changed").await;
        let ids: Vec<&str> = data["functions"]
            .as_array()
            .unwrap()
            .iter()
            .filter_map(|f| f["function_id"].as_str())
            .collect();
        if ids.contains(&"new.fn") {
            break;
        }
        assert!(
            ids.contains(&"watch.functions") && ids.contains(&"watch.workers"),
            "only the watcher's own change comes before: {ids:?}"
        );
    }
    w.send(
        json!({"type": "invokefunction", "function_id": "engine::workers::register",
                  "action": {"type": "void"}, "data": {"name": "w2", "runtime": "python"}}),
    )
    .await;
    let data = next_event(&mut watcher, "watch.workers", "worker_metadata_updated").await;
    assert_eq!(data["worker_id"], w.id.as_str());
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
    // Both fire, in either order.
    let (mut disconnected, mut changed) = (None, None);
    while disconnected.is_none() || changed.is_none() {
        let inv = watcher.expect_invoke().await;
        watcher.answer(&inv, Value::Null).await;
        match inv["data"]["event"].as_str() {
            Some("worker_disconnected") => disconnected = Some(inv["data"].clone()),
            Some("functions_changed") => changed = Some(inv["data"].clone()),
            _ => {}
        }
    }
    assert_eq!(disconnected.unwrap()["worker_id"], gone.as_str());
    let functions = changed.unwrap()["functions"].clone();
    assert!(
        !functions
            .as_array()
            .unwrap()
            .iter()
            .any(|f| f["function_id"] == "new.fn")
    );
    engine.shutdown().await;
}
