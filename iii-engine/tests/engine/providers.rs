//! What workers provide: trigger types (`registertriggertype`, bindings forwarded to the
//! provider, parked without one) and streams (`stream::<op>(<name>)` functions serving a
//! stream's `stream::*` calls, with the stream's triggers fired).

use serde_json::{Value, json};

use crate::common::{self, Worker};

/// The next frame of type `ty`, skipping nothing else: the provider sees only what the test
/// expects.
async fn expect(w: &mut Worker, ty: &str) -> Value {
    let frame = w.recv().await;
    assert_eq!(frame["type"], ty, "{frame}");
    frame
}

fn trigger_type(id: &str) -> Value {
    json!({"type": "registertriggertype", "id": id, "description": "test type",
           "trigger_request_format": {"type": "object"}})
}

async fn listed_status(w: &mut Worker, id: &str) -> Value {
    let listed = w
        .call(
            "engine::registered-triggers::list",
            json!({"include_pending": true}),
        )
        .await;
    let rows = listed["result"]["registered_triggers"].as_array().cloned();
    rows.unwrap_or_default()
        .into_iter()
        .find(|t| t["id"] == id)
        .map_or(Value::Null, |t| t["status"].clone())
}

#[tokio::test]
async fn bindings_of_a_provided_type_go_to_its_provider_and_back() {
    let engine = common::start().await;
    let mut provider = Worker::connect(&engine).await;
    let mut user = Worker::connect(&engine).await;

    // A binding made before anyone provides the type is parked…
    user.register_function("hooks.early").await;
    let early = user
        .register_trigger("webhook", "hooks.early", json!({"path": "/a"}))
        .await;
    user.sync().await;
    assert_eq!(listed_status(&mut user, &early).await, "pending");

    // …and forwarded once a provider registers the type.
    provider.send(trigger_type("webhook")).await;
    let forwarded = expect(&mut provider, "registertrigger").await;
    assert_eq!(forwarded["id"], early.as_str());
    assert_eq!(forwarded["function_id"], "hooks.early");
    assert_eq!(forwarded["config"], json!({"path": "/a"}));
    assert_eq!(listed_status(&mut user, &early).await, "active");

    // A binding made now goes straight to the provider, metadata and all.
    user.register_function("hooks.late").await;
    let late = iii_test_support::frames::new_id();
    user.send(
        json!({"type": "registertrigger", "id": late, "trigger_type": "webhook",
                     "function_id": "hooks.late", "config": {"path": "/b"},
                     "metadata": {"team": "a"}}),
    )
    .await;
    let forwarded = expect(&mut provider, "registertrigger").await;
    assert_eq!(forwarded["id"], late.as_str());
    assert_eq!(forwarded["metadata"], json!({"team": "a"}));
    provider
        .send(json!({"type": "triggerregistrationresult", "id": late,
                     "trigger_type": "webhook", "function_id": "hooks.late"}))
        .await;

    // The provider fires by invoking the bound function.
    let call = tokio::spawn(async move {
        let r = provider.call("hooks.late", json!({"delivery": 1})).await;
        (provider, r)
    });
    let invoke = user.expect_invoke().await;
    assert_eq!(invoke["function_id"], "hooks.late");
    user.answer(&invoke, json!("ok")).await;
    let (mut provider, fired) = call.await.unwrap();
    assert_eq!(fired["result"], "ok");

    // Unregistering tells the provider, with the type it needs to decode the frame.
    user.send(json!({"type": "unregistertrigger", "id": late}))
        .await;
    let gone = expect(&mut provider, "unregistertrigger").await;
    assert_eq!(gone["id"], late.as_str());
    assert_eq!(gone["trigger_type"], "webhook");

    // When the user goes, the provider hears about its remaining binding.
    user.close().await;
    let gone = expect(&mut provider, "unregistertrigger").await;
    assert_eq!(gone["id"], early.as_str());
    engine.shutdown().await;
}

#[tokio::test]
async fn a_refusal_parks_the_binding_and_reaches_its_worker_and_a_lost_provider_parks_all() {
    let engine = common::start().await;
    let mut provider = Worker::connect(&engine).await;
    let mut user = Worker::connect(&engine).await;
    provider.send(trigger_type("webhook")).await;
    provider.sync().await;
    user.register_function("hooks.bad").await;
    let bad = user
        .register_trigger("webhook", "hooks.bad", json!({"path": 7}))
        .await;
    let forwarded = expect(&mut provider, "registertrigger").await;
    // Only the provider's answer counts: another worker cannot refuse the binding.
    user.send(
        json!({"type": "triggerregistrationresult", "id": bad, "trigger_type": "webhook",
                     "function_id": "hooks.bad",
                     "error": {"code": "x", "message": "forged"}}),
    )
    .await;
    user.sync().await;
    assert_eq!(listed_status(&mut user, &bad).await, "active");
    provider
        .send(
            json!({"type": "triggerregistrationresult", "id": forwarded["id"],
                     "trigger_type": "webhook", "function_id": "hooks.bad",
                     "error": {"code": "trigger_registration_failed",
                               "message": "path must be a string"}}),
        )
        .await;
    let refused = expect(&mut user, "triggerregistrationresult").await;
    assert_eq!(refused["id"], bad.as_str());
    assert_eq!(refused["error"]["message"], "path must be a string");
    assert_eq!(listed_status(&mut user, &bad).await, "pending");

    let good = user
        .register_trigger("webhook", "hooks.bad", json!({"path": "/ok"}))
        .await;
    expect(&mut provider, "registertrigger").await;
    user.sync().await;
    assert_eq!(listed_status(&mut user, &good).await, "active");
    provider.close().await;
    assert_eq!(listed_status(&mut user, &good).await, "pending");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_provided_stream_serves_stream_calls_and_fires_its_triggers() {
    let engine = common::start().await;
    let mut provider = Worker::connect(&engine).await;
    let mut user = Worker::connect(&engine).await;
    for op in ["get", "set", "delete"] {
        provider
            .register_function(&format!("stream::{op}(mem)"))
            .await;
    }
    provider.sync().await;
    user.register_function("on.mem").await;
    user.register_trigger("stream", "on.mem", json!({"stream_name": "mem"}))
        .await;
    user.sync().await;

    let item = json!({"stream_name": "mem", "group_id": "g", "item_id": "i"});
    let set = {
        let mut data = item.clone();
        data["data"] = json!({"n": 1});
        data
    };
    let call = tokio::spawn(async move {
        let r = user.call("stream::set", set).await;
        (user, r)
    });
    let invoke = provider.expect_invoke().await;
    assert_eq!(invoke["function_id"], "stream::set(mem)");
    // The provider gets the call's input without the engine's caller id.
    assert_eq!(
        invoke["data"],
        json!({"stream_name": "mem", "group_id": "g", "item_id": "i", "data": {"n": 1}})
    );
    provider
        .answer(&invoke, json!({"old_value": null, "new_value": {"n": 1}}))
        .await;
    let (mut user, r) = call.await.unwrap();
    assert_eq!(
        r["result"],
        json!({"old_value": null, "new_value": {"n": 1}})
    );
    let fired = user.expect_invoke().await;
    assert_eq!(fired["function_id"], "on.mem");
    assert_eq!(fired["data"]["streamName"], "mem");
    assert_eq!(
        fired["data"]["event"],
        json!({"type": "create", "data": {"n": 1}})
    );
    user.answer(&fired, Value::Null).await;

    // Reads pass the provider's answer on; a write answered with another shape is an error.
    let call = tokio::spawn(async move {
        let got = user.call("stream::get", item.clone()).await;
        let deleted = user.call("stream::delete", item).await;
        (got, deleted)
    });
    let invoke = provider.expect_invoke().await;
    assert_eq!(invoke["function_id"], "stream::get(mem)");
    provider.answer(&invoke, json!({"n": 9})).await;
    let invoke = provider.expect_invoke().await;
    assert_eq!(invoke["function_id"], "stream::delete(mem)");
    provider.answer(&invoke, json!("not an object")).await;
    let (got, deleted) = call.await.unwrap();
    assert_eq!(got["result"], json!({"n": 9}));
    assert_eq!(deleted["error"]["code"], "JSON_ERROR", "{deleted}");

    // A stream nobody provides stays the engine's.
    let r = provider
        .call(
            "stream::get",
            json!({"stream_name": "other", "group_id": "g", "item_id": "i"}),
        )
        .await;
    assert_eq!(r["result"], Value::Null);
    engine.shutdown().await;
}

#[tokio::test]
async fn only_the_maker_of_an_engine_binding_of_a_provided_type_removes_it() {
    let engine = common::start().await;
    let mut provider = Worker::connect(&engine).await;
    provider.send(trigger_type("webhook")).await;
    provider.sync().await;
    let mut maker = Worker::connect(&engine).await;
    maker.register_function("hooks.kept").await;
    maker.sync().await;
    let made = maker
        .call(
            "engine::register_trigger",
            json!({"trigger_type": "webhook", "function_id": "hooks.kept",
                   "config": {"path": "/kept"}}),
        )
        .await;
    let made = made["result"]["id"].as_str().unwrap().to_owned();
    let forwarded = expect(&mut provider, "registertrigger").await;
    assert_eq!(forwarded["id"], made.as_str());

    // Another worker is refused, and the provider hears nothing.
    let mut intruder = Worker::connect(&engine).await;
    let r = intruder
        .call("engine::unregister_trigger", json!({"id": made}))
        .await;
    assert_eq!(r["error"]["code"], "FORBIDDEN", "{r}");
    provider.sync().await;
    assert_eq!(listed_status(&mut intruder, &made).await, "active");

    // The maker removes it, and the provider is told.
    let r = maker
        .call("engine::unregister_trigger", json!({"id": made}))
        .await;
    assert_eq!(r["result"], json!({"removed": true}), "{r}");
    let gone = expect(&mut provider, "unregistertrigger").await;
    assert_eq!(gone["id"], made.as_str());
    assert_eq!(gone["trigger_type"], "webhook");
    engine.shutdown().await;
}
