//! Interop with the official Python SDK (`iii-sdk` from PyPI, pinned in
//! `tests/python/requirements.txt`): worker scripts under `tests/python/` connect to the
//! development engine and are served, call Rust functions and are called by them, fire cron
//! triggers and publish to queues that Rust functions consume.
//!
//! Each test starts its own engine on free ports and stops everything it started. The Python
//! interpreter is `III_TEST_PYTHON` or `<workspace>/.venv/bin/python`; without it the tests
//! fail in CI and are skipped locally.

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use iii::prelude::*;
use iii_engine::EngineConfig;
use iii_tests::{engine, eventually, http, until_gone};

use crate::interop::{
    AddInput, AddOutput, MulInput, MulOutput, Rig, STARTUP, Script, invoke_when_registered, python,
    record, wait_for_triggers, workspace,
};
use serde_json::{Value, json};
use tokio::sync::mpsc;

/// The deprecation notice iii-sdk 0.25 logs once for `register_trigger` (kept on purpose:
/// our engine, like the 0.23 engine, does not speak `observe`).
const DEPRECATION: &str = "register_trigger is deprecated";

fn script(name: &str) -> PathBuf {
    workspace().join("tests/python").join(name)
}

/// A cron fire as the Python handler reports it.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Tick {
    trigger: String,
    job_id: String,
    scheduled_time: String,
    actual_time: String,
}

/// A message the Python publisher puts on the topic.
#[derive(Debug, Clone, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct Published {
    n: u32,
    from: String,
}

/// (a) The seed quickstart, on the current SDK, is served through our engine's HTTP server.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_http_route_is_served() {
    let Some(python) = python() else { return };
    let engine = engine().await;
    let addr = engine.http_addr();
    let py = Script::start(&python, &script("http_worker.py"), &engine, &[]).await;

    let sum = eventually(STARTUP, || {
        http(addr, "POST", "/add", Some(r#"{"a":2,"b":3}"#))
    })
    .await;
    assert_eq!(sum.status, 200, "{sum:?}");
    assert_eq!(sum.json(), json!({"sum": 5}));
    assert_eq!(sum.header("content-type"), Some("application/json"));

    let quotient = eventually(STARTUP, || {
        http(addr, "POST", "/divide", Some(r#"{"a":9,"b":2}"#))
    })
    .await;
    assert_eq!(quotient.status, 200, "{quotient:?}");
    assert_eq!(quotient.json(), json!({"quotient": 4.5}));

    // A Python exception is the engine's 500 envelope with the handler's message.
    let failed = http(addr, "POST", "/divide", Some(r#"{"a":1,"b":0}"#))
        .await
        .expect("http");
    assert_eq!(failed.status, 500, "{failed:?}");
    assert_eq!(failed.json()["error"]["code"], "invocation_failed");
    assert_eq!(failed.json()["error"]["message"], "Division by zero");
    assert!(failed.json()["error"]["error_id"].is_string(), "{failed:?}");

    let stopped = py
        .stop_quiet(&[DEPRECATION, "Error in handler math.divide"])
        .await;
    assert_eq!(stopped.stdout, ["READY", "STOPPED"]);

    // The worker's routes went with it.
    until_gone(STARTUP, || {
        http(addr, "POST", "/add", Some(r#"{"a":2,"b":3}"#))
    })
    .await;
    engine.shutdown().await;
}

/// (b) A Rust worker calls Python functions and gets typed results and typed errors; the
/// Python worker's `engine::workers::register` metadata is visible to introspection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_calls_python_function() {
    let Some(python) = python() else { return };
    let rig = Rig::start().await;
    let worker = &rig.worker;
    rig.connect().await;
    let py = rig.run(&python, &script("functions_worker.py"), &[]).await;

    let out: AddOutput = invoke_when_registered(worker, "py.add", json!({"a": 2, "b": 40}))
        .await
        .expect("py.add answers");
    assert_eq!(out, AddOutput { sum: 42 });

    // A typed input serializes as the Python model expects it.
    let out: AddOutput = worker
        .invoke("py.add", AddInput { a: -7, b: 3 })
        .await
        .expect("py.add answers");
    assert_eq!(out.sum, -4);

    match worker
        .invoke::<AddOutput>("py.add", json!({"a": "two", "b": 1}))
        .await
    {
        Err(Error::Remote { body, .. }) => {
            assert_eq!(body.code, "invocation_failed");
            assert!(body.message.contains("validation error"), "{body:?}");
        }
        other => panic!("expected a pydantic validation error, got {other:?}"),
    }

    match worker
        .invoke::<Value>("py.fail", json!({"what": "this"}))
        .await
    {
        Err(Error::Remote { function_id, body }) => {
            assert_eq!(function_id, "py.fail");
            assert_eq!(body.code, "invocation_failed");
            assert_eq!(body.message, "python says no to this");
            assert!(
                body.stacktrace
                    .as_deref()
                    .is_some_and(|s| s.contains("RuntimeError")),
                "{body:?}"
            );
        }
        other => panic!("expected py.fail to fail, got {other:?}"),
    }

    // The SDK derives the schemas from the handler's pydantic type hints.
    let info = wait_for_triggers(worker, "py.add", 0).await;
    assert_eq!(info["worker_name"], "interop-python-functions", "{info:#}");
    assert_eq!(
        info["description"], "Adds two integers (Python)",
        "{info:#}"
    );
    assert_eq!(
        info["request_schema"]["properties"]["a"]["type"], "integer",
        "{info:#}"
    );
    assert_eq!(
        info["response_schema"]["properties"]["sum"]["type"], "integer",
        "{info:#}"
    );

    let workers: Value = worker
        .invoke("engine::workers::list", json!({}))
        .await
        .expect("engine::workers::list");
    let listed = workers["workers"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["name"] == "interop-python-functions"))
        .unwrap_or_else(|| panic!("the Python worker is listed: {workers:#}"));
    assert_eq!(listed["runtime"], "python", "{listed:#}");
    assert_eq!(listed["version"], "0.25.0", "{listed:#}");

    py.stop_quiet(&[DEPRECATION, "Error in handler py."]).await;
    rig.shutdown().await;
}

/// (c) A Python worker calls a Rust function and checks the typed result with pydantic; the
/// result reaches the test through the Python worker's HTTP route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_calls_rust_function() {
    let Some(python) = python() else { return };
    let rig = Rig::start().await;
    let (callers, mut caller_ids) = mpsc::unbounded_channel();
    rig.worker
        .register_function(
            "rs.mul",
            iii::Function::with_context(move |input: MulInput, ctx: Context| {
                let callers = callers.clone();
                async move {
                    let _ = callers.send(ctx.caller_worker_id().map(str::to_owned));
                    Ok(MulOutput {
                        product: input.a * input.b,
                    })
                }
            }),
        )
        .expect("registers");
    rig.connect().await;
    let py = rig.run(&python, &script("functions_worker.py"), &[]).await;

    let addr = rig.engine.http_addr();
    let product = eventually(STARTUP, || {
        http(addr, "POST", "/py/mul", Some(r#"{"a":6,"b":7}"#))
    })
    .await;
    assert_eq!(product.status, 200, "{product:?}");
    assert_eq!(product.json(), json!({"product": 42, "type": "int"}));
    let caller = caller_ids.recv().await.expect("rs.mul ran");
    assert!(
        caller.as_deref().is_some_and(|id| !id.is_empty()),
        "the engine names the Python caller: {caller:?}"
    );

    // A Rust input error reaches Python as an InvocationError, and the client as a 500.
    let bad = http(addr, "POST", "/py/mul", Some(r#"{"a":6}"#))
        .await
        .expect("http");
    assert_eq!(bad.status, 500, "{bad:?}");
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("missing field `b`")),
        "{bad:?}"
    );

    py.stop_quiet(&[DEPRECATION, "Error in handler py.mul"])
        .await;
    rig.shutdown().await;
}

/// (d) A cron trigger registered by Python fires every second; each fire calls a Rust
/// function with the engine's cron payload.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_cron_trigger_fires() {
    let Some(python) = python() else { return };
    let rig = Rig::start().await;
    let mut ticks = record::<Tick>(&rig.worker, "rs.tick");
    rig.connect().await;
    let py = rig
        .run(
            &python,
            &script("cron_worker.py"),
            &[("INTEROP_CRON", "* * * * * *".to_owned())],
        )
        .await;

    let fires = ticks
        .take(2, "the cron job fires within the deadline")
        .await;
    for tick in &fires {
        assert_eq!(tick.trigger, "cron", "{tick:?}");
        assert!(tick.scheduled_time.contains('T'), "{tick:?}");
        assert!(tick.actual_time.contains('T'), "{tick:?}");
    }
    assert!(!fires[0].job_id.is_empty(), "{fires:?}");
    assert_eq!(fires[0].job_id, fires[1].job_id, "one job: {fires:?}");
    assert_ne!(
        fires[0].scheduled_time, fires[1].scheduled_time,
        "two different seconds: {fires:?}"
    );

    py.stop_quiet(&[DEPRECATION]).await;
    rig.shutdown().await;
}

/// (e) A Python worker publishes to a durable topic with `iii::durable::publish`; a Rust
/// queue function consumes every message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_publishes_to_rust_queue() {
    const COUNT: u32 = 3;
    let Some(python) = python() else { return };
    let rig = Rig::start().await;
    let mut messages = record::<Published>(&rig.worker, "rs.consume");
    rig.worker
        .register_trigger(Trigger::queue("rs.consume", "interop.orders"));
    rig.connect().await;

    let py = rig
        .run(
            &python,
            &script("publisher.py"),
            &[
                ("INTEROP_TOPIC", "interop.orders".to_owned()),
                ("INTEROP_COUNT", COUNT.to_string()),
            ],
        )
        .await;
    // `iii::durable::publish` answers null, which the SDK returns as `None`.
    let published: Vec<String> = py
        .lines()
        .into_iter()
        .filter(|l| l.starts_with("PUBLISHED"))
        .collect();
    assert_eq!(
        published,
        ["PUBLISHED 0 None", "PUBLISHED 1 None", "PUBLISHED 2 None"]
    );

    let mut seen = BTreeSet::new();
    while seen.len() < COUNT as usize {
        let message = messages
            .next("every message is delivered within the deadline")
            .await;
        assert_eq!(message.from, "python", "{message:?}");
        seen.insert(message.n);
    }
    assert_eq!(seen, (0..COUNT).collect::<BTreeSet<_>>());

    py.stop_quiet(&[DEPRECATION]).await;
    rig.shutdown().await;
}

/// A message as the Python consumers report it to `rs.record`.
#[derive(Debug, Clone, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
struct Record {
    via: String,
    data: Value,
}

/// A Rust worker publishes to a durable topic and to a pub/sub topic of the same name; the
/// Python `durable:subscriber` and `subscribe` functions each get their own message.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_publishes_to_python_consumers() {
    let Some(python) = python() else { return };
    let rig = Rig::start().await;
    let worker = &rig.worker;
    let mut records = record::<Record>(worker, "rs.record");
    rig.connect().await;
    let mut py = rig
        .run(
            &python,
            &script("consumer.py"),
            &[("INTEROP_TOPIC", "interop.events".to_owned())],
        )
        .await;
    let queue = wait_for_triggers(worker, "py.on_queue", 1).await;
    assert_eq!(
        queue["registered_triggers"][0]["trigger_type"], "durable:subscriber",
        "{queue:#}"
    );
    wait_for_triggers(worker, "py.on_event", 1).await;

    let _: Value = worker
        .invoke(
            "iii::durable::publish",
            json!({"topic": "interop.events", "data": {"n": 1}}),
        )
        .await
        .expect("durable publish");
    let _: Value = worker
        .invoke(
            "publish",
            json!({"topic": "interop.events", "data": {"n": 2}}),
        )
        .await
        .expect("pub/sub publish");

    let mut got = records
        .take(2, "both messages are delivered within the deadline")
        .await;
    got.sort_by(|x, y| x.via.cmp(&y.via));
    assert_eq!(
        got,
        [
            Record {
                via: "durable:subscriber".to_owned(),
                data: json!({"n": 1})
            },
            Record {
                via: "subscribe".to_owned(),
                data: json!({"n": 2})
            },
        ]
    );

    // Both handlers got `rs.record`'s answer before the worker is stopped.
    py.wait_for_line("DONE durable:subscriber", STARTUP).await;
    py.wait_for_line("DONE subscribe", STARTUP).await;
    py.stop_quiet(&[DEPRECATION]).await;
    rig.shutdown().await;
}

/// Killing a Python worker while it handles an HTTP request answers the client at once with
/// `invocation_stopped`, long before the engine's HTTP timeout (protocol.md §3.6).
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killing_python_worker_mid_request_answers_at_once() {
    let Some(python) = python() else { return };
    let rig = Rig::start_with(|c| c.http_timeout = Duration::from_secs(300)).await;
    rig.connect().await;
    let mut py = rig.run(&python, &script("slow_worker.py"), &[]).await;
    wait_for_triggers(&rig.worker, "py.slow", 1).await;

    let addr = rig.engine.http_addr();
    let request =
        tokio::spawn(async move { http(addr, "POST", "/slow", Some(r#"{"n":1}"#)).await });
    py.wait_for_line("SLOW STARTED 1", STARTUP).await;
    py.kill().await;

    let answer = tokio::time::timeout(STARTUP, request)
        .await
        .expect("answered well before the 300 s HTTP timeout")
        .expect("request task")
        .expect("http");
    assert_eq!(answer.status, 500, "{answer:?}");
    assert_eq!(
        answer.json()["error"]["code"],
        "invocation_stopped",
        "{answer:?}"
    );

    rig.shutdown().await;
}

/// The Python worker outlives an engine restart: it reconnects (sending `reattach` with an id
/// the new engine never issued, which must be ignored), replays its registrations, and its
/// route is served again.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_worker_reconnects_after_engine_restart() {
    let Some(python) = python() else { return };
    let first = engine().await;
    let (ws_port, http_port) = (first.ws_addr().port(), first.http_addr().port());
    let addr = first.http_addr();
    let py = Script::start(&python, &script("http_worker.py"), &first, &[]).await;
    let sum = eventually(STARTUP, || {
        http(addr, "POST", "/add", Some(r#"{"a":1,"b":1}"#))
    })
    .await;
    assert_eq!(sum.json(), json!({"sum": 2}));
    first.shutdown().await;

    // Same ports, so that the worker finds it; another process may hold one for a moment.
    let config = EngineConfig {
        ws_port,
        http_port,
        ..EngineConfig::default()
    };
    let second = iii_test_support::engine::start_retrying(config, STARTUP).await;
    let sum = eventually(STARTUP, || {
        http(addr, "POST", "/add", Some(r#"{"a":20,"b":22}"#))
    })
    .await;
    assert_eq!(sum.status, 200, "{sum:?}");
    assert_eq!(sum.json(), json!({"sum": 42}));

    // Reconnect attempts while no engine listens are logged as warnings; nothing else is.
    py.stop_quiet(&[DEPRECATION, "Connection failed", "OTel WS disconnected"])
        .await;
    second.shutdown().await;
}

/// A Rust worker writes a stream item and a state value; the Python `stream` and `state`
/// triggers fire with the engine's payloads (protocol.md §6.6, §6.7), and Python reads the
/// state value back with `state::get`.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_stream_and_state_triggers_fire() {
    let Some(python) = python() else { return };
    let rig = Rig::start().await;
    let worker = &rig.worker;
    let mut records = record::<Record>(worker, "rs.record");
    rig.connect().await;
    let mut py = rig
        .run(
            &python,
            &script("events_worker.py"),
            &[
                ("INTEROP_STREAM", "presence".to_owned()),
                ("INTEROP_SCOPE", "users".to_owned()),
            ],
        )
        .await;
    wait_for_triggers(worker, "py.on_stream", 1).await;
    wait_for_triggers(worker, "py.on_state", 1).await;

    let _: Value = worker
        .invoke(
            "stream::set",
            json!({"stream_name": "presence", "group_id": "room-1", "item_id": "ada",
                   "data": {"online": true}}),
        )
        .await
        .expect("stream::set");
    let _: Value = worker
        .invoke(
            "state::set",
            json!({"scope": "users", "key": "42", "value": {"name": "Ada"}}),
        )
        .await
        .expect("state::set");

    let mut got = records
        .take(2, "both triggers fire within the deadline")
        .await;
    got.sort_by(|x, y| x.via.cmp(&y.via));

    let state = &got[0];
    assert_eq!(state.via, "state");
    assert_eq!(
        state.data,
        json!({
            "event": {"type": "state", "event_type": "state:created", "scope": "users",
                      "key": "42", "old_value": null, "new_value": {"name": "Ada"}},
            "stored": {"name": "Ada"},
        })
    );

    let stream = &got[1];
    assert_eq!(stream.via, "stream");
    assert_eq!(stream.data["type"], "stream", "{stream:?}");
    assert_eq!(stream.data["streamName"], "presence", "{stream:?}");
    assert_eq!(stream.data["groupId"], "room-1", "{stream:?}");
    assert_eq!(stream.data["id"], "ada", "{stream:?}");
    assert_eq!(
        stream.data["event"],
        json!({"type": "create", "data": {"online": true}}),
        "{stream:?}"
    );
    assert!(stream.data["timestamp"].is_u64(), "{stream:?}");

    py.wait_for_line("DONE stream", STARTUP).await;
    py.wait_for_line("DONE state", STARTUP).await;
    py.stop_quiet(&[DEPRECATION]).await;
    rig.shutdown().await;
}
