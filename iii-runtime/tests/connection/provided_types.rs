//! When the trigger types a worker provides go out: after the first pong, in the order the
//! official SDKs use (types before the bindings that may use them); held back while the
//! engine refuses the worker a function (the engine would make the refused copy the type's
//! provider over the live one) and announced once it takes everything over; at once when
//! provided later; withdrawn when the worker hands its work over. Custom types' bindings are
//! not stamped, since the engine forwards their metadata to the type's provider.

use iii::{Binding, Trigger, Worker};
use serde_json::{Value, json};

use crate::fake_engine::{FakeEngine, Peer};
use crate::replicas::refusal;
use crate::{config, register_basics};

/// Provides the type `webhook` on `worker`, accepting every binding.
fn provide_webhook(worker: &Worker) {
    worker
        .register_trigger_type(
            "webhook",
            "Inbound webhooks",
            |_: Binding<Value, Value>| async { Ok(()) },
            |_| async { Ok(()) },
        )
        .expect("provided");
}

fn of_type<'a>(frames: &'a [Value], ty: &str) -> Vec<&'a Value> {
    frames.iter().filter(|f| f["type"] == ty).collect()
}

/// Reads frames, answering pings, until one of type `ty`; returns the frames before it and
/// that frame.
async fn until_type(peer: &mut Peer, ty: &str) -> (Vec<Value>, Value) {
    let mut before = Vec::new();
    loop {
        let frame = peer.recv().await;
        if frame["type"] == "ping" {
            peer.send(json!({"type": "pong"})).await;
        } else if frame["type"] == ty {
            return (before, frame);
        } else {
            before.push(frame);
        }
    }
}

#[tokio::test]
async fn types_follow_the_first_pong_and_precede_the_bindings_which_are_not_stamped() {
    let engine = FakeEngine::bind().await;
    let worker = Worker::with_config(config(engine.url()));
    register_basics(&worker);
    provide_webhook(&worker);
    worker.register_trigger(Trigger::new("webhook", "echo", json!({"path": "/gh"})));
    worker.register_trigger(Trigger::cron("echo", "*/5 * * * * *"));
    worker.start();
    let mut peer = engine.accept().await;
    peer.send(json!({"type": "workerregistered", "worker_id": "w-1"}))
        .await;
    let first = peer.until_ping().await;
    assert!(
        of_type(&first, "registertriggertype").is_empty(),
        "{first:?}"
    );
    let second = peer.until_ping().await;
    let at = |pred: &dyn Fn(&Value) -> bool| second.iter().position(pred);
    let announced = at(&|f| f["type"] == "registertriggertype" && f["id"] == "webhook");
    let bound = at(&|f| f["type"] == "registertrigger" && f["trigger_type"] == "webhook");
    assert!(
        announced.is_some() && announced < bound,
        "the type, then its binding: {second:?}"
    );
    let triggers = of_type(&second, "registertrigger");
    let webhook = triggers.iter().find(|t| t["trigger_type"] == "webhook");
    let cron = triggers.iter().find(|t| t["trigger_type"] == "cron");
    assert!(
        webhook.is_some_and(|t| t.get("metadata").is_none_or(Value::is_null)),
        "a custom type's binding carries no stamp: {second:?}"
    );
    assert!(
        cron.is_some_and(|t| t["metadata"]["__iii"].is_object()),
        "an engine type's binding is stamped: {second:?}"
    );
    worker.ready().await.expect("ready");
    worker.disconnect().await;
}

#[tokio::test]
async fn a_type_provided_after_the_start_is_announced_at_once() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    worker.ready().await.expect("ready");
    provide_webhook(&worker);
    let (_, announced) = until_type(&mut peer, "registertriggertype").await;
    assert_eq!(announced["id"], "webhook");
    worker.disconnect().await;
}

#[tokio::test]
async fn a_refused_standby_announces_its_types_only_once_it_takes_over() {
    let engine = FakeEngine::bind().await;
    let mut config = config(engine.url());
    config.standby = true;
    let worker = Worker::with_config(config);
    register_basics(&worker);
    provide_webhook(&worker);
    worker.start();
    let mut peer = engine.accept().await;
    peer.send(json!({"type": "workerregistered", "worker_id": "w-1"}))
        .await;
    let first = peer.until_ping_unanswered().await;
    assert!(of_type(&first, "registerfunction").len() == 2, "{first:?}");
    peer.send(refusal("add", "w-9")).await;
    peer.send(json!({"type": "pong"})).await;
    // Refused, the standby binds its hidden function to the engine's events and waits,
    // claiming `add` again on its backoff (refused again here).
    let mut watcher = String::new();
    let mut waited = Vec::new();
    loop {
        let frame = peer.recv().await;
        match frame["type"].as_str() {
            Some("ping") => peer.send(json!({"type": "pong"})).await,
            Some("registerfunction") if frame["id"] == "add" => {
                peer.send(refusal("add", "w-9")).await;
            }
            Some("registerfunction") => {
                watcher = frame["id"].as_str().unwrap_or_default().to_owned();
            }
            Some("registertrigger") if frame["trigger_type"] == "subscribe" => break,
            _ => {}
        }
        waited.push(frame);
    }
    worker.ready().await.expect("a standby is ready");
    assert!(
        of_type(&waited, "registertriggertype").is_empty(),
        "no type while refused: {waited:?}"
    );
    // The holder is gone: the standby claims `add`, holds it, and provides its types.
    let hint = peer
        .invoke(
            &watcher,
            json!({"event": "worker_disconnected", "worker_id": "w-9"}),
        )
        .await;
    let (before, announced) = until_type(&mut peer, "registertriggertype").await;
    assert_eq!(announced["id"], "webhook");
    assert!(
        before
            .iter()
            .any(|f| f["type"] == "registerfunction" && f["id"] == "add"),
        "{before:?}"
    );
    assert!(
        before.iter().any(|f| f["invocation_id"] == hint.as_str()),
        "{before:?}"
    );
    assert!(worker.refusals().is_empty());
    worker.disconnect().await;
}

#[tokio::test]
async fn handing_over_withdraws_the_types() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    provide_webhook(&worker);
    let mut peer = crate::serve(&worker, &engine).await;
    worker.ready().await.expect("ready");
    let stopping = worker.clone();
    let disconnect = tokio::spawn(async move { stopping.disconnect().await });
    let (before, notice) = until_type(&mut peer, "invokefunction").await;
    assert_eq!(notice["data"]["topic"], "iii-rs::released");
    let withdrawn = of_type(&before, "unregistertriggertype");
    assert_eq!(withdrawn.len(), 1, "{before:?}");
    assert_eq!(withdrawn[0]["id"], "webhook");
    disconnect.await.expect("disconnect returns");
}
