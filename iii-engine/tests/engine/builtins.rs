//! State builtins and triggers, and introspection.

use serde_json::{Value, json};

use crate::common::{self, Worker};

#[tokio::test]
async fn state_set_get_update_delete_list() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    let r = w
        .call(
            "state::set",
            json!({"scope": "users", "key": "42", "value": {"n": 1}}),
        )
        .await;
    assert_eq!(
        r["result"],
        json!({"old_value": null, "new_value": {"n": 1}})
    );
    let r = w
        .call("state::get", json!({"scope": "users", "key": "42"}))
        .await;
    assert_eq!(r["result"], json!({"n": 1}));
    let r = w
        .call(
            "state::update",
            json!({"scope": "users", "key": "42",
        "ops": [{"type": "increment", "path": "n", "by": 2},
                {"type": "set", "path": "name", "value": "Ada"}]}),
        )
        .await;
    assert_eq!(r["result"]["old_value"], json!({"n": 1}));
    assert_eq!(r["result"]["new_value"], json!({"n": 3, "name": "Ada"}));
    w.call(
        "state::set",
        json!({"scope": "users", "key": "7", "value": 7}),
    )
    .await;
    w.call(
        "state::set",
        json!({"scope": "carts", "key": "1", "value": []}),
    )
    .await;
    let r = w.call("state::list", json!({"scope": "users"})).await;
    assert_eq!(r["result"].as_array().unwrap().len(), 2);
    let r = w.call("state::list_groups", json!({})).await;
    assert_eq!(r["result"], json!({"groups": ["carts", "users"]}));
    let r = w
        .call("state::delete", json!({"scope": "users", "key": "42"}))
        .await;
    assert_eq!(r["result"], json!({"n": 3, "name": "Ada"}));
    let r = w
        .call("state::get", json!({"scope": "users", "key": "42"}))
        .await;
    assert_eq!(r["result"], Value::Null);
    let r = w.call("state::get", json!({"scope": "users"})).await;
    assert_eq!(r["error"]["code"], "deserialization_error");
    engine.shutdown().await;
}

#[tokio::test]
async fn state_triggers_fire_on_matching_changes() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("on.user").await;
    w.register_trigger("state", "on.user", json!({"scope": "users"}))
        .await;
    w.sync().await;
    let mut c = Worker::connect(&engine).await;
    c.call(
        "state::set",
        json!({"scope": "other", "key": "1", "value": 1}),
    )
    .await;
    c.call(
        "state::set",
        json!({"scope": "users", "key": "1", "value": {"a": 1}}),
    )
    .await;
    let inv = w.expect_invoke().await;
    assert_eq!(
        inv["data"],
        json!({"type": "state", "event_type": "state:created",
        "scope": "users", "key": "1", "old_value": null, "new_value": {"a": 1}})
    );
    w.answer(&inv, json!(null)).await;
    c.call(
        "state::set",
        json!({"scope": "users", "key": "1", "value": 2}),
    )
    .await;
    let inv = w.expect_invoke().await;
    assert_eq!(inv["data"]["event_type"], "state:updated");
    assert_eq!(inv["data"]["old_value"], json!({"a": 1}));
    w.answer(&inv, json!(null)).await;
    c.call("state::delete", json!({"scope": "users", "key": "1"}))
        .await;
    let inv = w.expect_invoke().await;
    assert_eq!(inv["data"]["event_type"], "state:deleted");
    assert_eq!(inv["data"]["new_value"], Value::Null);
    w.answer(&inv, json!(null)).await;
    engine.shutdown().await;
}

#[tokio::test]
async fn functions_list_and_info() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.send(
        json!({"type":"registerfunction","id":"math.add","description":"Adds",
                  "request_format":{"type":"object"},"metadata":{"owner":"a"}}),
    )
    .await;
    w.send(json!({"type":"registerfunction","id":"secret","metadata":{"internal":true}}))
        .await;
    let trigger = w
        .register_trigger("http", "math.add", json!({"api_path": "add"}))
        .await;
    w.sync().await;
    let r = w.call("engine::functions::list", json!({})).await;
    let functions = r["result"]["functions"].as_array().unwrap();
    let ids: Vec<&str> = functions
        .iter()
        .map(|f| f["function_id"].as_str().unwrap())
        .collect();
    assert!(ids.contains(&"math.add"));
    assert!(ids.contains(&"state::set"));
    assert!(!ids.contains(&"secret"));
    assert!(!ids.contains(&"engine::workers::list"));
    let add = functions
        .iter()
        .find(|f| f["function_id"] == "math.add")
        .unwrap();
    assert_eq!(add["description"], "Adds");
    assert_eq!(add["namespace"], "default");
    let r = w
        .call(
            "engine::functions::list",
            json!({"include_internal": true,
                                                     "prefix": "sec"}),
        )
        .await;
    assert_eq!(r["result"]["functions"][0]["function_id"], "secret");
    let r = w
        .call(
            "engine::functions::info",
            json!({"function_id": "math.add"}),
        )
        .await;
    let info = &r["result"];
    assert_eq!(info["request_schema"], json!({"type": "object"}));
    assert_eq!(info["registered_triggers"][0]["id"], trigger.as_str());
    assert_eq!(info["registered_triggers"][0]["trigger_type"], "http");
    let r = w
        .call("engine::functions::info", json!({"function_id": "nope"}))
        .await;
    assert_eq!(r["error"]["code"], "NOT_FOUND");
    engine.shutdown().await;
}

#[tokio::test]
async fn worker_names_and_descriptions_are_sanitized() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    let long = "n".repeat(400);
    w.call(
        "engine::workers::register",
        json!({"name": "evil\n2026-01-01 INFO forged\u{202E}txt\u{1b}[0m",
               "description": long, "runtime": "rust"}),
    )
    .await;
    let r = w.call("engine::workers::list", Value::Null).await;
    let row = &r["result"]["workers"][0];
    assert_eq!(row["name"], "evil2026-01-01 INFO forgedtxt[0m", "{row}");
    assert_eq!(row["description"].as_str().unwrap().chars().count(), 280);
    assert_eq!(row["runtime"], "rust");
    engine.shutdown().await;
}
