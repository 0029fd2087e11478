//! Serving invocations: results, errors, panics, the in-flight limit, timeouts, trace context.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use iii::{CallOptions, Context, Function, Trigger};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::fake_engine::{FakeEngine, envelope, trigger_metadata};

#[tokio::test]
async fn results_errors_and_unknown_functions() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    worker
        .register_function("fails", |_: Value| async move {
            Err::<Value, _>(iii::Error::conflict("already there"))
        })
        .expect("register");
    let mut peer = crate::serve(&worker, &engine).await;

    let id = peer.invoke("add", json!({"a": 2, "b": 3})).await;
    let result = peer.result_of(&id).await;
    assert_eq!(result["function_id"], "add");
    assert_eq!(result["result"], json!({"sum": 5}));
    assert!(result.get("error").is_none());

    let id = peer.invoke("fails", json!({})).await;
    let result = peer.result_of(&id).await;
    assert_eq!(
        result["error"],
        json!({"code": "conflict", "message": "already there"})
    );

    let id = peer.invoke("nope", json!({})).await;
    let result = peer.result_of(&id).await;
    assert_eq!(result["error"]["code"], "function_not_found");

    // No id: the handler runs, nothing is answered.
    peer.send(json!({"type": "invokefunction", "function_id": "echo", "data": 1}))
        .await;
    let id = peer.invoke("echo", json!(2)).await;
    let next = peer.recv().await;
    assert_eq!(
        next["invocation_id"],
        id.as_str(),
        "only the call with an id is answered"
    );
    worker.disconnect().await;
}

#[tokio::test]
async fn a_panicking_handler_answers_an_error_and_the_worker_keeps_serving() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    worker
        .register_function("boom", |_: Value| async move {
            if true {
                panic!("kaboom");
            }
            Ok(json!(null))
        })
        .expect("register");
    worker
        .register_function(
            "boom.sync",
            Function::blocking(|_: Value| -> iii::Result<Value> { panic!("sync kaboom") }),
        )
        .expect("register");
    let mut peer = crate::serve(&worker, &engine).await;

    for (function, text) in [("boom", "kaboom"), ("boom.sync", "sync kaboom")] {
        let id = peer.invoke(function, json!({})).await;
        let result = peer.result_of(&id).await;
        assert_eq!(result["error"]["code"], "invocation_failed");
        assert!(
            result["error"]["message"]
                .as_str()
                .is_some_and(|m| m.contains(text)),
            "{result}"
        );
    }
    let id = peer.invoke("add", json!({"a": 1, "b": 1})).await;
    assert_eq!(peer.result_of(&id).await["result"], json!({"sum": 2}));
    worker.disconnect().await;
}

#[tokio::test]
async fn the_in_flight_limit_holds_and_overflow_is_refused() {
    let engine = FakeEngine::bind().await;
    let mut config = crate::config(engine.url());
    config.max_in_flight = 2;
    let worker = iii::Worker::with_config(config);
    let gate = Arc::new(Semaphore::new(0));
    let running = Arc::new(AtomicUsize::new(0));
    let peak = Arc::new(AtomicUsize::new(0));
    {
        let (gate, running, peak) = (gate.clone(), running.clone(), peak.clone());
        worker
            .register_function("gated", move |n: u32| {
                let (gate, running, peak) = (gate.clone(), running.clone(), peak.clone());
                async move {
                    let now = running.fetch_add(1, Ordering::SeqCst) + 1;
                    peak.fetch_max(now, Ordering::SeqCst);
                    let _permit = gate.acquire().await.map_err(iii::Error::from_source)?;
                    running.fetch_sub(1, Ordering::SeqCst);
                    Ok(n)
                }
            })
            .expect("register");
    }
    let mut peer = crate::serve(&worker, &engine).await;

    // 2 run, 2 wait in the backlog, the fifth is refused at once.
    let mut ids = Vec::new();
    for n in 0..5 {
        ids.push(peer.invoke("gated", json!(n)).await);
    }
    let refused = peer.result_of(&ids[4]).await;
    assert_eq!(refused["error"]["code"], "overloaded");
    assert_eq!(running.load(Ordering::SeqCst), 2);

    gate.add_permits(4);
    for (n, id) in ids.iter().take(4).enumerate() {
        assert_eq!(peer.result_of(id).await["result"], json!(n));
    }
    assert_eq!(
        peak.load(Ordering::SeqCst),
        2,
        "never more than the limit at once"
    );
    worker.disconnect().await;
}

#[tokio::test]
async fn per_function_timeout_answers_with_a_timeout_error() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    worker
        .register_function(
            "slow",
            Function::new(|_: Value| async move {
                tokio::time::sleep(Duration::from_secs(30)).await;
                Ok(json!(null))
            })
            .timeout(Duration::from_millis(100)),
        )
        .expect("register");
    let mut peer = crate::serve(&worker, &engine).await;
    let id = peer.invoke("slow", json!({})).await;
    let result = peer.result_of(&id).await;
    assert_eq!(result["error"]["code"], "timeout");
    worker.disconnect().await;
}

#[tokio::test]
async fn outbound_calls_time_out_and_late_results_are_ignored() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    let options = CallOptions {
        timeout: Some(Duration::from_millis(200)),
        ..Default::default()
    };
    match worker
        .invoke_with::<Value>("remote", json!({}), options)
        .await
    {
        Err(iii::Error::Timeout { function_id, after }) => {
            assert_eq!(function_id, "remote");
            assert_eq!(after, Duration::from_millis(200));
        }
        other => panic!("unexpected {other:?}"),
    }
    let frame = peer.recv().await;
    // A late answer is dropped quietly; the worker still serves.
    peer.send(json!({"type": "invocationresult", "invocation_id": frame["invocation_id"], "function_id": "remote", "result": 1}))
        .await;
    let id = peer.invoke("echo", json!("ok")).await;
    assert_eq!(peer.result_of(&id).await["result"], "ok");
    worker.disconnect().await;
}

#[tokio::test]
async fn caller_id_metadata_and_trace_context_reach_the_handler_and_flow_on() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    worker
        .register_function(
            "relay",
            Function::with_context(|input: Value, ctx: Context| async move {
                let seen = json!({
                    "caller": ctx.caller_worker_id(),
                    "metadata": ctx.metadata(),
                    "input": input,
                });
                let _: Value = ctx.worker().invoke("downstream", json!({})).await?;
                Ok(seen)
            }),
        )
        .expect("register");
    let mut peer = crate::serve(&worker, &engine).await;
    let id = crate::fake_engine::uuid_v4();
    peer.send(json!({
        "type": "invokefunction", "invocation_id": id, "function_id": "relay",
        "data": {"x": 1, "_caller_worker_id": "w-9"},
        "metadata": {"tenant": "acme"},
        "traceparent": "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01",
        "baggage": "k=v"
    }))
    .await;
    let downstream = peer.recv().await;
    assert_eq!(downstream["function_id"], "downstream");
    assert_eq!(
        downstream["traceparent"],
        "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01"
    );
    assert_eq!(downstream["baggage"], "k=v");
    peer.send(json!({"type": "invocationresult", "invocation_id": downstream["invocation_id"], "function_id": "downstream", "result": null}))
        .await;
    let result = peer.result_of(&id).await;
    assert_eq!(
        result["result"],
        json!({"caller": "w-9", "metadata": {"tenant": "acme"}, "input": {"x": 1}})
    );
    worker.disconnect().await;
}

#[tokio::test]
async fn a_function_registered_after_ready_is_registered_before_it_is_called() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    worker.ready().await.expect("ready");
    for n in 0..50 {
        let id = format!("late.{n}");
        worker
            .register_function(id.as_str(), |v: Value| async move { Ok(v) })
            .expect("register");
        let caller = worker.clone();
        let target = id.clone();
        tokio::spawn(async move { caller.invoke_async(&target, json!(n)).await });
        let first = peer.recv().await;
        assert_eq!(first["type"], "registerfunction", "round {n}: {first}");
        assert_eq!(first["id"], id.as_str());
        let mut second = peer.recv().await;
        // The ping that settles the registration may come between.
        if second["type"] == "ping" {
            second = peer.recv().await;
        }
        assert_eq!(second["type"], "invokefunction", "round {n}: {second}");
        assert_eq!(second["function_id"], id.as_str());
    }
    worker.disconnect().await;
}

#[tokio::test]
async fn an_http_body_cannot_pose_as_the_caller() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    worker
        .register_function(
            "who",
            Function::with_context(|_: Value, ctx: Context| async move {
                Ok(json!({ "caller": ctx.caller_worker_id() }))
            }),
        )
        .expect("register");
    worker.register_trigger(Trigger::http("who", "POST", "who"));
    worker.start();
    let mut peer = engine.accept().await;
    let frames = peer.handshake("w-1").await;
    let stamp = trigger_metadata(&frames, "http");
    let request = envelope("POST", "/who", json!({"_caller_worker_id": "admin-worker"}));
    let id = peer.fire("who", request, &stamp).await;
    let result = peer.result_of(&id).await;
    assert_eq!(
        result["result"]["body"],
        json!({"caller": null}),
        "{result}"
    );
    worker.disconnect().await;
}

#[tokio::test]
async fn sync_closures_register_directly_and_run_on_the_blocking_pool() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    worker
        .register_function("sync.double", |n: i64| -> iii::Result<i64> {
            // Blocking here is fine: this runs on the blocking pool.
            std::thread::sleep(Duration::from_millis(10));
            Ok(n * 2)
        })
        .expect("register");
    let mut peer = crate::serve(&worker, &engine).await;
    let id = peer.invoke("sync.double", json!(21)).await;
    assert_eq!(peer.result_of(&id).await["result"], 42);
    worker.disconnect().await;
}

#[tokio::test]
async fn http_invocations_refused_without_a_handler_get_an_http_answer() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    // A running invocation keeps the drain (and the connection) open.
    let release = Arc::new(tokio::sync::Notify::new());
    let started = Arc::new(tokio::sync::Notify::new());
    {
        let (release, started) = (release.clone(), started.clone());
        worker
            .register_function("hold", move |_: Value| {
                let (release, started) = (release.clone(), started.clone());
                async move {
                    started.notify_one();
                    release.notified().await;
                    Ok(json!(null))
                }
            })
            .expect("register");
    }
    worker.register_trigger(Trigger::http("echo", "POST", "echo"));
    worker.start();
    let mut peer = engine.accept().await;
    let frames = peer.handshake("w-1").await;
    let stamp = trigger_metadata(&frames, "http");
    // The function a stale route of this worker points at is gone.
    let id = peer
        .fire("gone", envelope("GET", "/gone", json!(null)), &stamp)
        .await;
    let result = peer.result_of(&id).await;
    assert_eq!(result["result"]["status_code"], 404, "{result}");
    assert_eq!(
        result["result"]["body"]["error"]["code"],
        "function_not_found"
    );

    let held = peer.invoke("hold", json!({})).await;
    started.notified().await;
    let stopping = worker.clone();
    let disconnect = tokio::spawn(async move { stopping.disconnect().await });
    worker
        .wait_for_connection(|s| s == iii::ConnectionStatus::Draining)
        .await
        .expect("draining");
    // The worker handed its functions over before draining: what the engine sent before it
    // read that is still served, as HTTP.
    let id = peer
        .fire(
            "echo",
            envelope("POST", "/echo", json!({"late": true})),
            &stamp,
        )
        .await;
    let result = peer.result_of(&id).await;
    assert_eq!(result["result"]["status_code"], 200, "{result}");
    assert_eq!(result["result"]["body"], json!({"late": true}));
    release.notify_one();
    assert_eq!(peer.result_of(&held).await["result"], json!(null));
    disconnect.await.expect("task");
}

/// With no inline budget every invocation gets a task of its own: a handler that blocks its
/// thread before its first await does not hold up the connection's reader, which goes on to
/// read the call that unblocks it. (Within the default budget the first of them would run
/// on the reader, and the second would not be read until it returned.)
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_an_inline_budget_a_blocking_handler_does_not_hold_up_the_reader() {
    let engine = FakeEngine::bind().await;
    let mut config = crate::config(engine.url());
    config.inline_budget = Duration::ZERO;
    let worker = iii::Worker::with_config(config);
    let (unblock, blocked) = std::sync::mpsc::sync_channel::<()>(1);
    let blocked = Arc::new(std::sync::Mutex::new(blocked));
    worker
        .register_function("blocks", move |_: Value| {
            let blocked = Arc::clone(&blocked);
            async move {
                // Blocks the thread, not just the task, until `unblocks` runs.
                let waited = blocked
                    .lock()
                    .map_err(|_| iii::Error::internal("poisoned"))?
                    .recv_timeout(crate::fake_engine::PATIENCE);
                Ok::<_, iii::Error>(waited.is_ok())
            }
        })
        .expect("register blocks");
    worker
        .register_function("unblocks", move |_: Value| {
            let unblock = unblock.clone();
            async move { Ok::<_, iii::Error>(unblock.try_send(()).is_ok()) }
        })
        .expect("register unblocks");
    let mut peer = crate::serve(&worker, &engine).await;

    let first = peer.invoke("blocks", json!(null)).await;
    let second = peer.invoke("unblocks", json!(null)).await;
    let mut results = std::collections::HashMap::new();
    while results.len() < 2 {
        let frame = peer.recv().await;
        if frame["type"] == "invocationresult" {
            let id = frame["invocation_id"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            results.insert(id, frame["result"].clone());
        }
    }
    assert_eq!(
        results[&second],
        json!(true),
        "the second call was read and ran"
    );
    assert_eq!(
        results[&first],
        json!(true),
        "the first was unblocked by it, not timed out"
    );
    worker.disconnect().await;
}
