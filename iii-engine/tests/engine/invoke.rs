//! Invocations between workers: sync, void, not found, caller injection, disconnects.

use std::time::Duration;

use serde_json::json;

use crate::common::{self, Worker};

#[tokio::test]
async fn unknown_function_is_function_not_found() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    let r = w.call("no.such", json!({"a": 1})).await;
    assert_eq!(r["function_id"], "no.such");
    assert_eq!(r["error"]["code"], "function_not_found");
    assert_eq!(r["error"]["message"], "Function no.such not found");
    assert!(r.get("result").is_none());
    engine.shutdown().await;
}

#[tokio::test]
async fn worker_to_worker_sync_call_injects_the_caller_id() {
    let engine = common::start().await;
    let mut callee = Worker::connect(&engine).await;
    let mut caller = Worker::connect(&engine).await;
    callee.register_function("math.add").await;
    callee.sync().await;
    let id = uuid::Uuid::new_v4().to_string();
    caller
        .send(
            json!({"type":"invokefunction","invocation_id":id,"function_id":"math.add",
                     "data":{"a":1,"b":2},"metadata":{"tenant":"acme"},"traceparent":"00-x"}),
        )
        .await;
    let inv = callee.expect_invoke().await;
    assert_eq!(
        inv["invocation_id"],
        id.as_str(),
        "the caller's id is reused"
    );
    assert_eq!(
        inv["data"],
        json!({"_caller_worker_id": caller.id, "a": 1, "b": 2})
    );
    assert_eq!(inv["metadata"], json!({"tenant": "acme"}));
    assert_eq!(inv["traceparent"], "00-x");
    assert!(inv.get("action").is_none());
    callee.answer(&inv, json!({"sum": 3})).await;
    let r = caller.recv().await;
    assert_eq!(r["type"], "invocationresult");
    assert_eq!(r["invocation_id"], id.as_str());
    assert_eq!(r["result"], json!({"sum": 3}));
    // Empty objects and non-objects.
    caller
        .send(
            json!({"type":"invokefunction","invocation_id":uuid::Uuid::new_v4(),
                       "function_id":"math.add","data":{}}),
        )
        .await;
    let inv = callee.expect_invoke().await;
    assert_eq!(inv["data"], json!({"_caller_worker_id": caller.id}));
    callee.answer(&inv, json!(null)).await;
    assert_eq!(caller.recv().await["result"], json!(null));
    let task = tokio::spawn(async move { (caller.call("math.add", json!([1, 2])).await, caller) });
    let inv = callee.expect_invoke().await;
    assert_eq!(inv["data"], json!([1, 2]));
    callee.fail(&inv, "invocation_failed", "nope").await;
    let (r, _caller) = task.await.unwrap();
    assert_eq!(
        r["error"],
        json!({"code": "invocation_failed", "message": "nope"})
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn void_calls_are_delivered_with_a_fresh_id_and_never_answered() {
    let engine = common::start().await;
    let mut callee = Worker::connect(&engine).await;
    let mut caller = Worker::connect(&engine).await;
    callee.register_function("log").await;
    callee.sync().await;
    // Current spelling: action void, no id.
    caller
        .send(
            json!({"type":"invokefunction","function_id":"log","data":{"n":1},
                     "action":{"type":"void"}}),
        )
        .await;
    let inv = callee.expect_invoke().await;
    assert!(uuid::Uuid::parse_str(inv["invocation_id"].as_str().unwrap()).is_ok());
    assert_eq!(inv["data"]["n"], 1);
    callee.answer(&inv, json!("swallowed")).await;
    // Legacy spelling: no id, no action. And a void action with an id is still void.
    caller
        .send(
            json!({"type":"invokefunction","invocation_id":null,"function_id":"log",
                       "data":{"n":2}}),
        )
        .await;
    let inv = callee.expect_invoke().await;
    callee.answer(&inv, json!("swallowed")).await;
    caller
        .send(
            json!({"type":"invokefunction","invocation_id":uuid::Uuid::new_v4(),
                       "function_id":"log","data":{"n":3},"action":{"type":"void"}}),
        )
        .await;
    let inv = callee.expect_invoke().await;
    callee.answer(&inv, json!("swallowed")).await;
    // Void calls to unknown functions are not answered either.
    caller
        .send(
            json!({"type":"invokefunction","function_id":"nope","data":null,
                       "action":{"type":"void"}}),
        )
        .await;
    assert!(caller.try_recv(Duration::from_millis(300)).await.is_none());
    engine.shutdown().await;
}

#[tokio::test]
async fn worker_register_announce_is_never_answered_and_is_listed() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("svc.f").await;
    w.send(
        json!({"type":"invokefunction","function_id":"engine::workers::register",
                  "action":{"type":"void"},"data":{"runtime":"rust","version":"0.1.0",
                  "name":"tester","os":"linux","pid":1}}),
    )
    .await;
    w.send(
        json!({"type":"invokefunction","function_id":"engine.workers.register",
                  "data":{"name":"dotted"}}),
    )
    .await;
    assert!(w.try_recv(Duration::from_millis(200)).await.is_none());
    let r = w.call("engine::workers::list", json!({})).await;
    let workers = r["result"]["workers"].as_array().unwrap();
    assert_eq!(workers.len(), 1);
    assert_eq!(workers[0]["name"], "tester");
    assert_eq!(workers[0]["id"], w.id.as_str());
    assert_eq!(workers[0]["runtime"], "rust");
    assert_eq!(workers[0]["function_count"], 1);
    engine.shutdown().await;
}

#[tokio::test]
async fn callee_disconnect_answers_invocation_stopped() {
    let engine = common::start().await;
    let mut callee = Worker::connect(&engine).await;
    let mut caller = Worker::connect(&engine).await;
    callee.register_function("hang").await;
    callee.sync().await;
    let id = uuid::Uuid::new_v4();
    caller
        .send(
            json!({"type":"invokefunction","invocation_id":id,"function_id":"hang",
                       "data":{}}),
        )
        .await;
    callee.expect_invoke().await;
    callee.close().await;
    let r = caller.recv().await;
    assert_eq!(r["invocation_id"], id.to_string());
    assert_eq!(
        r["error"],
        json!({"code":"invocation_stopped","message":"Invocation stopped"})
    );
    // Its function is gone.
    let r = caller.call("hang", json!({})).await;
    assert_eq!(r["error"]["code"], "function_not_found");
    engine.shutdown().await;
}

#[tokio::test]
async fn caller_disconnect_drops_the_late_result() {
    let engine = common::start().await;
    let mut callee = Worker::connect(&engine).await;
    let mut caller = Worker::connect(&engine).await;
    callee.register_function("slow").await;
    callee.sync().await;
    caller
        .send(
            json!({"type":"invokefunction","invocation_id":uuid::Uuid::new_v4(),
                       "function_id":"slow","data":{}}),
        )
        .await;
    let inv = callee.expect_invoke().await;
    let active = |list: &serde_json::Value| {
        list["result"]["workers"]
            .as_array()
            .unwrap()
            .iter()
            .find(|w| w["function_count"] == 1)
            .unwrap()["active_invocations"]
            .clone()
    };
    let list = callee.call("engine::workers::list", json!(null)).await;
    assert_eq!(active(&list), 1, "{list}");
    // `close` returns once the engine has cleaned up after the caller: the call it made is
    // forgotten at once, not when the callee answers.
    caller.close().await;
    let list = callee.call("engine::workers::list", json!(null)).await;
    assert_eq!(active(&list), 0, "{list}");
    // The late answer goes nowhere: nothing comes back to the callee, nothing reaches a new
    // connection, and the engine keeps serving.
    callee.answer(&inv, json!(1)).await;
    callee.sync().await;
    let mut other = Worker::connect(&engine).await;
    other.sync().await;
    assert_eq!(
        other.call("engine::workers::list", json!(null)).await["result"]["workers"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn unregister_function_only_by_its_owner() {
    let engine = common::start().await;
    let mut a = Worker::connect(&engine).await;
    let mut b = Worker::connect(&engine).await;
    a.register_function("f").await;
    a.sync().await;
    b.send(json!({"type":"unregisterfunction","id":"f"})).await;
    b.sync().await;
    let list = b.call("engine::functions::list", json!(null)).await;
    let ids: Vec<_> = list["result"]["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["function_id"].as_str().unwrap().to_owned())
        .collect();
    assert!(ids.contains(&"f".to_owned()));
    a.send(json!({"type":"unregisterfunction","id":"f"})).await;
    a.sync().await;
    assert_eq!(
        b.call("f", json!({})).await["error"]["code"],
        "function_not_found"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn a_caller_id_spelled_with_escapes_cannot_be_forged() {
    let engine = common::start().await;
    let mut callee = Worker::connect(&engine).await;
    callee.register_function("who").await;
    callee.sync().await;
    let mut caller = Worker::connect(&engine).await;
    for data in [
        r#"{"_caller\u005fworker_id":"forged"}"#,
        r#"{"a":"\n","\u005f\u0063aller_worker_id":"forged","_caller_worker_id":"also"}"#,
    ] {
        let id = uuid::Uuid::new_v4();
        caller
            .send_text(&format!(
                r#"{{"type":"invokefunction","invocation_id":"{id}","function_id":"who","data":{data}}}"#
            ))
            .await;
        let inv = callee.expect_invoke().await;
        assert_eq!(
            inv["data"]["_caller_worker_id"],
            caller.id.as_str(),
            "{data}"
        );
        assert!(!inv.to_string().contains("forged"), "{inv}");
        callee.answer(&inv, json!(null)).await;
        assert_eq!(caller.recv().await["invocation_id"], id.to_string());
    }
    engine.shutdown().await;
}
