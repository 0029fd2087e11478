//! One worker cannot take over what the engine or another worker provides: builtin ids, HTTP
//! routes, and the bindings another worker made.

use std::time::Duration;

use http::StatusCode;
use serde_json::json;

use crate::common::{self, Worker, http};

/// How long a test waits to be sure that a frame does not come.
const QUIET: Duration = Duration::from_millis(300);

#[tokio::test]
async fn builtin_ids_are_refused_and_keep_serving_callers() {
    let engine = common::start().await;
    let mut thief = Worker::connect(&engine).await;
    for id in [
        "state::set",
        "state::get",
        "engine::workers::list",
        "publish",
    ] {
        thief.register_function(id).await;
        let refused = thief.recv().await;
        assert_eq!(refused["type"], "registrationrejected", "{id}: {refused}");
        assert_eq!(refused["code"], "FUNCTION_NAMESPACE_CONFLICT", "{refused}");
        assert_eq!(refused["function_id"], id);
        assert_eq!(refused["owner_worker_id"], "");
    }
    // Exact ids only: a custom stream provider's functions are its own.
    thief.register_function("stream::get(custom)").await;
    thief.sync().await;
    let mut other = Worker::connect(&engine).await;
    let set = other
        .call("state::set", json!({"scope": "s", "key": "k", "value": 7}))
        .await;
    assert!(set.get("error").is_none(), "{set}");
    let got = other
        .call("state::get", json!({"scope": "s", "key": "k"}))
        .await;
    assert_eq!(got["result"], 7, "the builtin answered, not the worker");
    assert!(
        thief.try_recv(QUIET).await.is_none(),
        "no builtin call reached the worker"
    );
    let listed = other
        .call("engine::functions::list", json!({"include_internal": true}))
        .await;
    let owners: Vec<(&str, &str)> = listed["result"]["functions"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| {
            (
                f["function_id"].as_str().unwrap(),
                f["worker_name"].as_str().unwrap(),
            )
        })
        .filter(|(id, _)| id.starts_with("state::set"))
        .collect();
    assert_eq!(owners, [("state::set", "iii-engine")]);
    // The custom provider's own function is routed to it.
    let id = uuid::Uuid::new_v4().to_string();
    other
        .send(json!({"type": "invokefunction", "invocation_id": id,
                     "function_id": "stream::get(custom)", "data": {}}))
        .await;
    let inv = thief.expect_invoke().await;
    assert_eq!(inv["function_id"], "stream::get(custom)");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_route_held_by_a_live_worker_is_not_taken_over() {
    let engine = common::start().await;
    let mut first = Worker::connect(&engine).await;
    first.route("first.f", "GET", "/shared/:id").await;
    let mut second = Worker::connect(&engine).await;
    second.register_function("second.f").await;
    for path in ["/shared/:id", "shared/:other"] {
        let id = second
            .register_trigger(
                "http",
                "second.f",
                json!({"api_path": path, "http_method": "get"}),
            )
            .await;
        let refused = second.recv().await;
        assert_eq!(refused["type"], "triggerregistrationresult", "{refused}");
        assert_eq!(refused["id"], id.as_str());
        assert_eq!(refused["error"]["code"], "trigger_registration_failed");
        let message = refused["error"]["message"].as_str().unwrap();
        assert!(message.contains(&first.id), "names the holder: {message}");
    }
    // Another method on the same path is another route.
    second
        .register_trigger(
            "http",
            "second.f",
            json!({"api_path": "/shared/:id", "http_method": "POST"}),
        )
        .await;
    second.sync().await;
    second.close().await;
    // The first worker still serves its route after the second one went away.
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/shared/1", &[], ""), async {
        let inv = first.expect_invoke().await;
        assert_eq!(inv["function_id"], "first.f");
        first.answer(&inv, json!({"body": "first"})).await;
    });
    assert_eq!((resp.status, resp.json()), (StatusCode::OK, json!("first")));
    engine.shutdown().await;
}

#[tokio::test]
async fn a_worker_re_registering_its_own_route_replaces_it() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("f").await;
    let trigger = json!({"type": "registertrigger", "id": "t1", "trigger_type": "http",
                         "function_id": "f", "config": {"api_path": "a", "http_method": "GET"}});
    w.send(trigger.clone()).await;
    w.send(trigger).await;
    w.sync().await;
    // A second trigger of the same worker on the same route is refused too: removing either
    // must never leave the other one listed but unreachable.
    w.send(
        json!({"type": "registertrigger", "id": "t2", "trigger_type": "http",
                  "function_id": "f", "config": {"api_path": "/a"}}),
    )
    .await;
    let refused = w.recv().await;
    assert_eq!(refused["id"], "t2", "{refused}");
    w.send(json!({"type": "unregistertrigger", "id": "t2"}))
        .await;
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/a", &[], ""), async {
        let inv = w.expect_invoke().await;
        w.answer(&inv, json!({"body": 1})).await;
    });
    assert_eq!(resp.status, StatusCode::OK);
    engine.shutdown().await;
}

/// The ids of the listed bindings.
async fn listed(w: &mut Worker) -> Vec<String> {
    let list = w
        .call(
            "engine::registered-triggers::list",
            json!({"include_internal": true}),
        )
        .await;
    list["result"]["registered_triggers"]
        .as_array()
        .unwrap()
        .iter()
        .map(|t| t["id"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn engine_unregister_trigger_checks_ownership() {
    let engine = common::start().await;
    let mut maker = Worker::connect(&engine).await;
    maker.register_function("on.state").await;
    maker.sync().await;
    let made = maker
        .call(
            "engine::register_trigger",
            json!({"trigger_type": "state", "function_id": "on.state", "config": {}}),
        )
        .await;
    let made = made["result"]["id"].as_str().unwrap().to_owned();
    let own = maker
        .register_trigger(
            "cron",
            "on.state",
            json!({"expression": "0 0 0 1 1 * 2099"}),
        )
        .await;
    maker.sync().await;
    let mut intruder = Worker::connect(&engine).await;
    for id in [&made, &own] {
        let r = intruder
            .call("engine::unregister_trigger", json!({"id": id}))
            .await;
        assert_eq!(r["error"]["code"], "FORBIDDEN", "{r}");
        intruder
            .send(json!({"type": "unregistertrigger", "id": id}))
            .await;
    }
    intruder.sync().await;
    let ids = listed(&mut intruder).await;
    assert!(ids.contains(&made) && ids.contains(&own), "{ids:?}");
    let unknown = intruder
        .call("engine::unregister_trigger", json!({"id": "nope"}))
        .await;
    assert_eq!(unknown["result"], json!({"removed": false}));
    // The maker removes both, by either way.
    let r = maker
        .call("engine::unregister_trigger", json!({"id": made}))
        .await;
    assert_eq!(r["result"], json!({"removed": true}), "{r}");
    let r = maker
        .call("engine::unregister_trigger", json!({"id": own}))
        .await;
    assert_eq!(r["result"], json!({"removed": true}), "{r}");
    assert!(listed(&mut intruder).await.is_empty());
    engine.shutdown().await;
}

#[tokio::test]
async fn a_reattached_worker_keeps_the_right_to_remove_what_it_made() {
    let engine = common::start().await;
    let mut maker = Worker::connect(&engine).await;
    maker.register_function("on.state").await;
    maker.sync().await;
    let made = maker
        .call(
            "engine::register_trigger",
            json!({"trigger_type": "state", "function_id": "on.state", "config": {}}),
        )
        .await;
    let made = made["result"]["id"].as_str().unwrap().to_owned();
    let mut again = Worker::connect(&engine).await;
    again
        .send(json!({"type": "reattach", "previous_worker_id": maker.id,
                     "reattach_token": maker.token}))
        .await;
    again.sync().await;
    let r = again
        .call("engine::unregister_trigger", json!({"id": made}))
        .await;
    assert_eq!(r["result"], json!({"removed": true}), "{r}");
    drop(maker);
    engine.shutdown().await;
}

#[tokio::test]
async fn engine_bindings_outlive_their_maker_but_not_its_rights() {
    let engine = common::start().await;
    let mut maker = Worker::connect(&engine).await;
    let made = maker
        .call(
            "engine::register_trigger",
            json!({"trigger_type": "subscribe", "function_id": "x", "config": {"topic": "t"}}),
        )
        .await;
    let made = made["result"]["id"].as_str().unwrap().to_owned();
    maker.close().await;
    let mut other = Worker::connect(&engine).await;
    assert_eq!(listed(&mut other).await, std::slice::from_ref(&made));
    let r = other
        .call("engine::unregister_trigger", json!({"id": made}))
        .await;
    assert_eq!(r["error"]["code"], "FORBIDDEN", "{r}");
    assert_eq!(listed(&mut other).await, [made]);
    engine.shutdown().await;
}

#[tokio::test]
async fn the_engines_own_trigger_types_cannot_be_provided_by_a_worker() {
    let engine = common::start().await;
    let mut owner = Worker::connect(&engine).await;
    owner.route("owner.f", "GET", "/mine").await;
    owner.register_function("owner.tick").await;
    owner
        .register_trigger(
            "cron",
            "owner.tick",
            json!({"expression": "0 0 0 1 1 * 2099"}),
        )
        .await;
    // A type the real engine implements and this one parks is reserved all the same.
    owner
        .register_trigger("log", "owner.tick", json!({"level": "all"}))
        .await;
    owner.sync().await;
    let mut thief = Worker::connect(&engine).await;
    for ty in [
        "http",
        "cron",
        "subscribe",
        "state",
        "stream",
        "durable:subscriber",
        "log",
    ] {
        thief
            .send(json!({"type": "registertriggertype", "id": ty, "description": "mine now"}))
            .await;
    }
    thief.sync().await;
    assert!(
        thief.try_recv(QUIET).await.is_none(),
        "no binding of the engine's types is handed to the worker"
    );
    // The route is still the engine's, served by its worker.
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/mine", &[], ""), async {
        let inv = owner.expect_invoke().await;
        assert_eq!(inv["function_id"], "owner.f");
        owner.answer(&inv, json!({"body": "still mine"})).await;
    });
    assert_eq!(
        (resp.status, resp.json()),
        (StatusCode::OK, json!("still mine"))
    );
    // A binding made afterwards is the engine's too.
    owner.route("owner.g", "GET", "/later").await;
    owner.sync().await;
    assert!(thief.try_recv(QUIET).await.is_none());
    engine.shutdown().await;
}
