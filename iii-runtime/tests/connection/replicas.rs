//! Two copies of one worker: the engine refuses a function another live worker holds. The
//! refused function's triggers never go out; the refusal is reported (`ready`, the refusal
//! stream), or, for a standby or after a reconnect, the function is claimed again and taken
//! over once its holder is gone.

use std::time::Duration;

use iii::{ConnectionStatus, Error, Trigger, Worker};
use serde_json::{Value, json};

use crate::fake_engine::{FakeEngine, Peer};
use crate::{config, register_basics};

/// A worker with `echo` (a cron trigger) and `add` (an HTTP route).
fn replica(url: &str, standby: bool) -> Worker {
    let mut config = config(url);
    config.standby = standby;
    let worker = Worker::with_config(config);
    register_basics(&worker);
    worker.register_trigger(Trigger::cron("echo", "*/5 * * * * *"));
    worker.register_trigger(Trigger::http("add", "POST", "add"));
    worker
}

/// The engine's refusal of `function_id`, held by worker `owner`.
pub(crate) fn refusal(function_id: &str, owner: &str) -> Value {
    json!({"type": "registrationrejected", "code": "FUNCTION_NAMESPACE_CONFLICT",
           "namespace": "default", "function_id": function_id, "owner_worker_id": owner})
}

/// Plays an engine on which `add` is held by worker `w-9` while `held` is true: refuses each
/// registration of `add`, answers pings, and returns the other frames, until `until` says
/// stop (or the patience runs out).
async fn engine_loop(
    peer: &mut Peer,
    held: &mut bool,
    mut until: impl FnMut(&Value, &mut bool) -> bool,
) -> Vec<Value> {
    let mut frames = Vec::new();
    loop {
        let frame = peer.recv().await;
        match frame["type"].as_str() {
            Some("ping") => peer.send(json!({"type": "pong"})).await,
            Some("registerfunction") if frame["id"] == "add" && *held => {
                peer.send(refusal("add", "w-9")).await;
            }
            _ => {}
        }
        let stop = until(&frame, held);
        frames.push(frame);
        if stop {
            return frames;
        }
    }
}

fn triggers_of<'a>(frames: &'a [Value], function_id: &str) -> Vec<&'a Value> {
    frames
        .iter()
        .filter(|f| f["type"] == "registertrigger" && f["function_id"] == function_id)
        .collect()
}

#[tokio::test]
async fn a_refused_functions_triggers_never_go_out_and_ready_reports_the_refusal() {
    let engine = FakeEngine::bind().await;
    let worker = replica(engine.url(), false);
    let mut refusals = worker.refusal_changes();
    assert_eq!(refusals.next().await, Some(vec![]));
    worker.start();
    let mut peer = engine.accept().await;
    peer.send(json!({"type": "workerregistered", "worker_id": "w-1"}))
        .await;
    // The announce and both functions, then the ping that settles them: refuse `add`.
    let first = peer.until_ping_unanswered().await;
    assert_eq!(first.len(), 3, "{first:?}");
    peer.send(refusal("add", "w-9")).await;
    peer.send(json!({"type": "pong"})).await;
    // Only the trigger of the function held follows.
    let second = peer.until_ping().await;
    assert_eq!(triggers_of(&second, "echo").len(), 1, "{second:?}");
    assert!(triggers_of(&second, "add").is_empty(), "{second:?}");

    match worker.ready().await {
        Err(Error::Refused(refused)) => {
            assert_eq!(refused.len(), 1);
            assert_eq!(refused[0].function_id, "add");
            assert_eq!(refused[0].owner_worker_id, "w-9");
            let message = Error::Refused(refused).to_string();
            assert!(message.contains("`add` is held by worker w-9"), "{message}");
            assert!(message.contains("III_STANDBY=1"), "{message}");
        }
        other => panic!("expected a refusal, got {other:?}"),
    }
    assert_eq!(worker.connection(), ConnectionStatus::Ready);
    let seen = refusals.next().await.expect("a change");
    assert_eq!(seen[0].function_id, "add");
    // Not a standby, first connection: no retry, and never the route.
    let later = peer.try_recv(Duration::from_millis(600)).await;
    assert!(later.is_none(), "{later:?}");
    // The function held is served.
    let id = peer.invoke("echo", json!(7)).await;
    assert_eq!(peer.result_of(&id).await["result"], 7);
    worker.disconnect().await;
}

#[tokio::test]
async fn a_standby_takes_the_function_over_when_its_holder_is_gone() {
    let engine = FakeEngine::bind().await;
    let worker = replica(engine.url(), true);
    worker.start();
    let mut peer = engine.accept().await;
    peer.send(json!({"type": "workerregistered", "worker_id": "w-1"}))
        .await;
    let mut held = true;
    // Refused, the standby registers its hidden function and binds it to the engine's events
    // (and retries on its own backoff meanwhile).
    let mut watcher = String::new();
    let frames = engine_loop(&mut peer, &mut held, |f, _| {
        if f["type"] == "registerfunction"
            && let Some(id) = f["id"]
                .as_str()
                .filter(|id| id.starts_with("iii-rs::standby::"))
        {
            watcher = id.to_owned();
        }
        triggers_of(std::slice::from_ref(f), &watcher).len() == 1
            && f["trigger_type"] == "subscribe"
    })
    .await;
    worker.ready().await.expect("a standby is ready");
    assert_eq!(worker.refusals()[0].function_id, "add");
    assert!(triggers_of(&frames, "add").is_empty(), "{frames:?}");
    let types: Vec<&str> = triggers_of(&frames, &watcher)
        .iter()
        .filter_map(|t| t["trigger_type"].as_str())
        .collect();
    assert_eq!(
        types,
        [
            "engine::workers-available",
            "engine::functions-available",
            "subscribe"
        ]
    );

    // The holder disconnects: the engine fires `engine::workers-available` at the watcher.
    held = false;
    let hint = peer
        .invoke(
            &watcher,
            json!({"event": "worker_disconnected", "worker_id": "w-9"}),
        )
        .await;
    // The standby claims `add` at once; held, its route goes out, and the watcher goes away.
    let frames = engine_loop(&mut peer, &mut held, |f, _| {
        f["type"] == "registertrigger" && f["function_id"] == "add"
    })
    .await;
    assert!(
        frames.iter().any(|f| f["invocation_id"] == hint.as_str()),
        "the hint is answered: {frames:?}"
    );
    assert!(
        frames
            .iter()
            .any(|f| f["type"] == "unregisterfunction" && f["id"] == watcher.as_str()),
        "{frames:?}"
    );
    assert_eq!(
        frames
            .iter()
            .filter(|f| f["type"] == "unregistertrigger")
            .count(),
        3,
        "{frames:?}"
    );
    assert!(worker.refusals().is_empty());
    worker.disconnect().await;
}

#[tokio::test]
async fn after_a_reconnect_a_refused_function_is_claimed_again() {
    let engine = FakeEngine::bind().await;
    let worker = replica(engine.url(), false);
    worker.start();
    let mut first = engine.accept().await;
    first.handshake("w-1").await;
    worker.ready().await.expect("ready");
    first.kill();

    // The engine has not reaped the first connection yet: it still holds `add`.
    let mut second = engine.accept().await;
    second
        .send(json!({"type": "workerregistered", "worker_id": "w-2"}))
        .await;
    let mut held = true;
    let mut claims = 0;
    let frames = engine_loop(&mut second, &mut held, |f, held| {
        if f["type"] == "registerfunction" && f["id"] == "add" {
            claims += 1;
            // The old connection is gone after the second claim.
            if claims == 2 {
                *held = false;
            }
        }
        f["type"] == "registertrigger" && f["function_id"] == "add"
    })
    .await;
    assert!(claims >= 2, "{frames:?}");
    assert_eq!(triggers_of(&frames, "add").len(), 1);
    worker.ready().await.expect("ready again, nothing refused");
    worker.disconnect().await;
}
