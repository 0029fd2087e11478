//! Who the worker says it is and how it gets in: its namespace in the announce and in every
//! call and trigger (protocol.md §3.3-§4.3), the handshake headers and bearer token, and the
//! trigger types it provides (the engine's forwarded bindings, answered in order).

use std::sync::{Arc, Mutex};
use std::time::Duration;

use iii::JsonSchema;
use iii::{Binding, Error, Handshake, Trigger, TriggerProvider};
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use crate::fake_engine::{FakeEngine, PATIENCE, Peer, uuid_v4};
use crate::{config, worker};

/// The next frame of type `ty` (others, such as JSON pings, skipped).
async fn next_of(peer: &mut Peer, ty: &str) -> Value {
    let deadline = tokio::time::Instant::now() + PATIENCE;
    loop {
        let left = deadline.saturating_duration_since(tokio::time::Instant::now());
        let frame = peer
            .try_recv(left)
            .await
            .unwrap_or_else(|| panic!("no {ty} frame within {PATIENCE:?}"));
        if frame["type"] == ty {
            return frame;
        }
    }
}

#[tokio::test]
async fn the_namespace_goes_in_the_announce_calls_and_triggers_and_headers_on_the_upgrade() {
    let engine = FakeEngine::bind().await;
    let mut cfg = config(engine.url());
    cfg.namespace = Some("shop".to_owned());
    cfg.description = Some("sells things".to_owned());
    cfg.project_name = Some("demo".to_owned());
    cfg.handshake = Handshake::default()
        .header("x-tenant", "acme")
        .token("s3cret");
    let worker = iii::Worker::with_config(cfg);
    worker.register_trigger(Trigger::cron("tick", "* * * * * *"));
    worker.register_trigger(Trigger::subscribe("tick", "t").namespace("other"));
    worker.start();

    let (mut peer, headers) = engine.accept_with_headers().await;
    assert_eq!(headers["authorization"], "Bearer s3cret");
    assert_eq!(headers["x-tenant"], "acme");
    let frames = peer.handshake("w-1").await;
    let announce = &frames[0];
    assert_eq!(announce["function_id"], "engine::workers::register");
    assert_eq!(announce["data"]["namespace"], "shop");
    assert_eq!(announce["data"]["description"], "sells things");
    assert_eq!(announce["data"]["version"], env!("CARGO_PKG_VERSION"));
    assert_eq!(announce["data"]["telemetry"]["project_name"], "demo");
    assert_eq!(frames[1]["namespace"], "shop", "{}", frames[1]);
    assert_eq!(frames[2]["namespace"], "other", "{}", frames[2]);
    worker.ready().await.expect("ready");

    // Calls resolve in the worker's namespace, the engine's own functions in `default`.
    for (function_id, namespace) in [
        ("shop.price", "shop"),
        ("engine::functions::list", "default"),
    ] {
        let w = worker.clone();
        let id = function_id.to_owned();
        let call = tokio::spawn(async move { w.invoke::<Value>(&id, json!({})).await });
        let frame = next_of(&mut peer, "invokefunction").await;
        assert_eq!(frame["function_id"], function_id);
        assert_eq!(frame["namespace"], namespace, "{frame}");
        peer.send(
            json!({"type": "invocationresult", "invocation_id": frame["invocation_id"],
                         "function_id": function_id, "result": 1}),
        )
        .await;
        assert_eq!(call.await.expect("call").expect("answered"), json!(1));
    }
    worker.disconnect().await;
}

#[tokio::test]
async fn a_blank_namespace_or_a_bad_header_is_refused_before_connecting() {
    let engine = FakeEngine::bind().await;
    let mut cfg = config(engine.url());
    cfg.namespace = Some(" ".to_owned());
    let e = iii::Worker::with_config(cfg)
        .connect()
        .await
        .expect_err("blank");
    assert!(e.to_string().contains("namespace is blank"), "{e}");
    let mut cfg = config(engine.url());
    cfg.handshake = Handshake::default().header("bad header", "x");
    let e = iii::Worker::with_config(cfg)
        .connect()
        .await
        .expect_err("header");
    assert!(e.to_string().contains("bad header"), "{e}");
}

#[derive(Debug, Clone, Deserialize, JsonSchema)]
struct HookConfig {
    path: String,
}

#[derive(Serialize, JsonSchema)]
struct Delivery {
    body: String,
}

/// A provider that records what it is asked, refuses the path `/no`, and fires each binding
/// once when it is registered.
#[derive(Clone, Default)]
struct Hooks {
    log: Arc<Mutex<Vec<String>>>,
}

impl TriggerProvider for Hooks {
    type Config = HookConfig;
    type Payload = Delivery;

    fn id(&self) -> &str {
        "webhook"
    }

    fn description(&self) -> &str {
        "Inbound webhooks"
    }

    async fn register(&self, binding: Binding<HookConfig, Delivery>) -> iii::Result<()> {
        if binding.config.path == "/no" {
            return Err(Error::bad_request("path /no is taken"));
        }
        self.log
            .lock()
            .expect("log")
            .push(format!("+{} {}", binding.id, binding.config.path));
        let fired = binding.clone();
        tokio::spawn(async move {
            let delivery = Delivery {
                body: format!("hello {}", fired.config.path),
            };
            let _ = fired.fire_async(&delivery).await;
        });
        Ok(())
    }

    async fn unregister(&self, id: String) -> iii::Result<()> {
        self.log.lock().expect("log").push(format!("-{id}"));
        Ok(())
    }
}

fn forwarded(id: &str, config: Value) -> Value {
    json!({"type": "registertrigger", "id": id, "trigger_type": "webhook",
           "function_id": "hooks.on", "config": config, "metadata": {"m": 1}})
}

#[tokio::test]
async fn a_provided_trigger_type_is_announced_and_answers_the_bindings_in_order() {
    let engine = FakeEngine::bind().await;
    let worker = worker(engine.url());
    let hooks = Hooks::default();
    worker
        .provide_trigger_type(hooks.clone())
        .expect("provided");
    worker.start();
    let mut peer = engine.accept().await;
    let frames = peer.handshake("w-1").await;
    let announced = frames
        .iter()
        .find(|f| f["type"] == "registertriggertype")
        .unwrap_or_else(|| panic!("no registertriggertype in {frames:?}"));
    assert_eq!(announced["id"], "webhook");
    assert_eq!(announced["description"], "Inbound webhooks");
    assert_eq!(
        announced["trigger_request_format"]["properties"]["path"]["type"],
        "string"
    );
    assert!(announced["call_request_format"]["properties"]["body"].is_object());
    worker.ready().await.expect("ready");

    let ok = uuid_v4();
    peer.send(forwarded(&ok, json!({"path": "/gh"}))).await;
    let result = next_of(&mut peer, "triggerregistrationresult").await;
    assert_eq!(result["id"], ok.as_str());
    assert!(result.get("error").is_none(), "{result}");
    // The provider fires the bound function, with the binding's metadata.
    let fire = next_of(&mut peer, "invokefunction").await;
    assert_eq!(fire["function_id"], "hooks.on");
    assert_eq!(fire["data"], json!({"body": "hello /gh"}));
    assert_eq!(fire["metadata"], json!({"m": 1}));
    assert_eq!(fire["action"], json!({"type": "void"}));

    for (config, expected) in [
        (json!({"path": "/no"}), "path /no is taken"),
        (
            json!({"path": 7}),
            "invalid config for trigger type `webhook` at `path`",
        ),
    ] {
        let id = uuid_v4();
        peer.send(forwarded(&id, config)).await;
        let result = next_of(&mut peer, "triggerregistrationresult").await;
        assert_eq!(result["id"], id.as_str());
        assert_eq!(result["error"]["code"], "trigger_registration_failed");
        let message = result["error"]["message"].as_str().unwrap_or("");
        assert!(message.contains(expected), "{result}");
    }
    let other = uuid_v4();
    peer.send(
        json!({"type": "registertrigger", "id": other, "trigger_type": "sms",
                     "function_id": "x", "config": {}}),
    )
    .await;
    let result = next_of(&mut peer, "triggerregistrationresult").await;
    assert_eq!(result["error"]["code"], "trigger_type_not_found");

    // A binding registered and removed at once is registered, then removed, in that order.
    let brief = uuid_v4();
    peer.send(forwarded(&brief, json!({"path": "/brief"})))
        .await;
    peer.send(json!({"type": "unregistertrigger", "id": brief, "trigger_type": "webhook"}))
        .await;
    next_of(&mut peer, "triggerregistrationresult").await;
    // The engine forgets bindings when the connection drops: so does the provider, and the
    // type is announced again on the next connection.
    peer.kill();
    let mut peer = engine.accept().await;
    let frames = peer.handshake("w-2").await;
    assert!(
        frames.iter().any(|f| f["type"] == "registertriggertype"),
        "{frames:?}"
    );
    let log = hooks.log.clone();
    iii_test_support::wait::until(Duration::from_secs(5), || {
        let done = log.lock().expect("log").len() >= 4;
        async move { done }
    })
    .await
    .expect("the provider heard of every change");
    let log = hooks.log.lock().expect("log").clone();
    assert_eq!(
        log,
        [
            format!("+{ok} /gh"),
            format!("+{brief} /brief"),
            format!("-{brief}"),
            format!("-{ok}"),
        ]
    );
    worker.disconnect().await;
}
