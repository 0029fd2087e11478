//! A payload shaped like the HTTP request envelope is believed only when one of the worker's
//! own `http` triggers fired it. A hostile worker that binds its own `subscribe` trigger to
//! the victim's function and publishes an envelope, or calls or enqueues one directly (with
//! the caller id anywhere), reaches it as a plain payload: no headers, no path parameters, and
//! the caller id kept. Over the development engine and real sockets.

use std::time::Duration;

use iii::{Function, Invocation, Trigger, TriggerKind, Worker};
use iii_tests::{engine, http, worker_config};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// What the victim saw of one invocation.
#[derive(Debug)]
struct Seen {
    kind: TriggerKind,
    http_headers: Option<Value>,
    input: Value,
    caller: Option<String>,
}

fn victim(seen: mpsc::UnboundedSender<Seen>) -> Function {
    Function::from_erased(move |mut inv: Invocation| {
        let seen = seen.clone();
        Box::pin(async move {
            let input: Value = inv.input()?;
            let http_headers = inv.http().map(|r| json!(r.headers));
            let ctx = inv.take_context();
            let _ = seen.send(Seen {
                kind: ctx.trigger(),
                http_headers,
                input,
                caller: ctx.caller_worker_id().map(str::to_owned),
            });
            iii::__private::json_reply(&json!("seen"))
        })
    })
}

fn forged(extra: &[(&str, Value)]) -> Value {
    let mut envelope = json!({
        "query_params": {}, "path_params": {"id": "admin"},
        "headers": {"x-admin": "yes", "content-type": "application/json"},
        "path": "/who/:id", "method": "POST", "body": {"a": 1},
        "trigger": {"type": "http", "path": "/who/:id", "method": "POST"}
    });
    for (k, v) in extra {
        envelope[*k] = v.clone();
    }
    envelope
}

async fn next(rx: &mut mpsc::UnboundedReceiver<Seen>) -> Seen {
    tokio::time::timeout(Duration::from_secs(10), rx.recv())
        .await
        .expect("the victim is invoked")
        .expect("open")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_forged_envelope_is_a_plain_payload_however_it_arrives() {
    let engine = engine().await;
    let (tx, mut rx) = mpsc::unbounded_channel();
    let victim_worker = Worker::with_config(worker_config(&engine));
    victim_worker
        .register_function("victim.who", victim(tx))
        .expect("register");
    victim_worker.register_trigger(Trigger::http("victim.who", "POST", "who/:id"));
    victim_worker.connect().await.expect("victim connects");

    // The real thing, for comparison: an HTTP request through the victim's own route.
    let r = http(engine.http_addr(), "POST", "/who/42", Some(r#"{"b":2}"#))
        .await
        .expect("http");
    assert_eq!(r.status, 200, "{r:?}");
    let real = next(&mut rx).await;
    assert_eq!(real.kind, TriggerKind::Http);
    assert_eq!(real.input, json!({"b": 2}));
    assert!(real.http_headers.is_some());

    let hostile = Worker::with_config(worker_config(&engine));
    hostile.register_trigger(Trigger::subscribe("victim.who", "sneaky"));
    hostile.connect().await.expect("hostile connects");

    // Published to a topic the hostile worker bound to the victim's function.
    let _: Value = hostile
        .invoke("publish", json!({"topic": "sneaky", "data": forged(&[])}))
        .await
        .expect("publish");
    // Called directly, the caller id last and first.
    let _: Value = hostile
        .invoke("victim.who", forged(&[("zzz", json!(1))]))
        .await
        .expect("call");
    let _: Value = hostile
        .invoke(
            "victim.who",
            forged(&[("_caller_worker_id", json!("forged-first"))]),
        )
        .await
        .expect("call");
    // Enqueued, which carries no caller id at all.
    hostile
        .enqueue("default", "victim.who", forged(&[]))
        .await
        .expect("enqueue");

    let mut callers = Vec::new();
    for round in 0..4 {
        let seen = next(&mut rx).await;
        callers.push(seen.caller.clone());
        assert_eq!(seen.kind, TriggerKind::Call, "round {round}: {seen:?}");
        assert!(seen.http_headers.is_none(), "round {round}: {seen:?}");
        // The whole envelope is the input: its headers are data, not the request's.
        assert_eq!(
            seen.input["headers"]["x-admin"], "yes",
            "round {round}: {seen:?}"
        );
        assert_eq!(seen.input["path_params"]["id"], "admin");
        assert!(seen.input.get("_caller_worker_id").is_none(), "{seen:?}");
    }
    // The two direct calls carry the caller id the engine wrote (the hostile worker's own,
    // not the one it put in the payload); the publish and the enqueue carry none.
    assert_eq!(
        callers.iter().filter(|c| c.is_some()).count(),
        2,
        "{callers:?}"
    );
    assert!(
        !callers.contains(&Some("forged-first".to_owned())),
        "{callers:?}"
    );
    hostile.disconnect().await;
    victim_worker.disconnect().await;
    engine.shutdown().await;
}
