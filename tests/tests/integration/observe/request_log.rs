//! The request log: one line per invocation, target `iii::request`, with the HTTP request's
//! method, its path rebuilt from the route and its parameters, the status, the error's code
//! and message, at the levels `RequestLog` chooses.

use std::time::Duration;

use iii::observe::{Level, REQUEST_TARGET, RequestLog};
use iii::{Error, Trigger, Worker};
use iii_tests::{engine, eventually, http, worker_config};
use serde_json::{Value, json};

use super::capture::{Line, capture};

const PATIENCE: Duration = Duration::from_secs(10);

/// A worker for `engine` with `users.get` (`GET users/:id`), `boiler.fire` (`POST boiler`,
/// a 500), `users.missing` (`GET missing/:id`, a 404), all with the request log `log`.
async fn worker(engine: &iii_engine::EngineHandle, log: RequestLog) -> Worker {
    let worker = Worker::with_config(iii::WorkerConfig {
        request_log: log,
        ..worker_config(engine)
    });
    worker
        .register_function("users.get", |_: Value| async move {
            Ok::<_, Error>(json!({"name": "Ada"}))
        })
        .expect("register");
    worker
        .register_function("boiler.fire", |_: Value| async move {
            Err::<Value, _>(Error::new("exploded", 500, "the boiler exploded"))
        })
        .expect("register");
    worker
        .register_function("users.missing", |_: Value| async move {
            Err::<Value, _>(Error::not_found("no such user"))
        })
        .expect("register");
    worker.register_trigger(Trigger::http("users.get", "GET", "users/:id"));
    worker.register_trigger(Trigger::http("boiler.fire", "POST", "boiler"));
    worker.register_trigger(Trigger::http("users.missing", "GET", "missing/:id"));
    worker.connect().await.expect("connect");
    worker
}

fn only(lines: Vec<Line>) -> Line {
    assert_eq!(lines.len(), 1, "one line per invocation: {lines:#?}");
    lines.into_iter().next().expect("one line")
}

#[tokio::test]
async fn a_served_http_request_is_one_info_line_with_its_path_and_status() {
    let (log, _guard) = capture(REQUEST_TARGET);
    let engine = engine().await;
    let worker = worker(&engine, RequestLog::default()).await;
    let addr = engine.http_addr();

    let r = eventually(PATIENCE, || http(addr, "GET", "/users/42?tab=a", None)).await;
    assert_eq!(r.status, 200, "{r:?}");

    let line = only(log.of("users.get"));
    assert_eq!(line.level, Level::INFO, "{line:?}");
    assert_eq!(line.message, "served");
    assert_eq!(line.field("trigger"), Some("http"));
    assert_eq!(line.field("method"), Some("GET"));
    assert_eq!(
        line.field("path"),
        Some("/users/42"),
        "route with its parameter"
    );
    assert_eq!(line.field("status"), Some("200"));
    assert_eq!(line.field("code"), None);
    let id = line.field("invocation_id").expect("invocation id");
    assert!(uuid_like(id), "{id}");
    let micros: u64 = line
        .field("duration_us")
        .and_then(|d| d.parse().ok())
        .expect("duration_us");
    assert!(micros < 10_000_000, "{micros}");
    worker.disconnect().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn a_failure_is_a_warn_line_with_its_code_and_message_and_a_4xx_stays_at_info() {
    let (log, _guard) = capture(REQUEST_TARGET);
    let engine = engine().await;
    let worker = worker(&engine, RequestLog::default()).await;
    let addr = engine.http_addr();

    let r = eventually(PATIENCE, || http(addr, "POST", "/boiler", Some("{}"))).await;
    assert_eq!(r.status, 500, "{r:?}");
    let line = only(log.of("boiler.fire"));
    assert_eq!(line.level, Level::WARN, "{line:?}");
    assert_eq!(line.message, "failed");
    assert_eq!(line.field("status"), Some("500"));
    assert_eq!(line.field("code"), Some("exploded"));
    assert!(
        line.field("error")
            .is_some_and(|e| e.contains("the boiler exploded")),
        "{line:?}"
    );
    assert_eq!(line.field("path"), Some("/boiler"));

    let r = eventually(PATIENCE, || async {
        // The route answers 404 itself: wait on a route that exists first.
        http(addr, "GET", "/users/1", None).await
    })
    .await;
    assert_eq!(r.status, 200);
    let r = http(addr, "GET", "/missing/7", None).await.expect("http");
    assert_eq!(r.status, 404, "{r:?}");
    let line = only(log.of("users.missing"));
    assert_eq!(
        line.level,
        Level::INFO,
        "a client error is an answer: {line:?}"
    );
    assert_eq!(line.message, "rejected");
    assert_eq!(line.field("code"), Some("not_found"));
    assert_eq!(line.field("path"), Some("/missing/7"));
    assert_eq!(line.field("status"), Some("404"));
    worker.disconnect().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn a_direct_call_is_a_debug_line_without_http_fields() {
    let (log, _guard) = capture(REQUEST_TARGET);
    let engine = engine().await;
    let worker = worker(&engine, RequestLog::default()).await;

    let out: Value = worker
        .invoke("users.get", json!({"id": 1}))
        .await
        .expect("call");
    assert_eq!(out, json!({"name": "Ada"}));
    let line = only(log.of("users.get"));
    assert_eq!(line.level, Level::DEBUG, "{line:?}");
    assert_eq!(line.field("trigger"), Some("call"));
    for absent in ["method", "path", "status", "code"] {
        assert_eq!(line.field(absent), None, "{absent}: {line:?}");
    }

    // A direct call that fails is a failure like any other.
    let e = worker
        .invoke::<Value>("boiler.fire", json!({}))
        .await
        .expect_err("fails");
    assert_eq!(e.code(), "exploded");
    let line = only(log.of("boiler.fire"));
    assert_eq!(line.level, Level::WARN, "{line:?}");
    assert_eq!(line.field("code"), Some("exploded"));
    worker.disconnect().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn the_levels_are_configurable_and_the_log_can_be_turned_off() {
    let (log, _guard) = capture(REQUEST_TARGET);
    let engine = engine().await;
    let quiet = worker(&engine, RequestLog::off().failures(Level::ERROR)).await;
    let addr = engine.http_addr();

    let r = eventually(PATIENCE, || http(addr, "GET", "/users/3", None)).await;
    assert_eq!(r.status, 200);
    let _: Value = quiet.invoke("users.get", json!({})).await.expect("call");
    let e = quiet.invoke::<Value>("boiler.fire", json!({})).await;
    assert!(e.is_err());

    assert!(log.of("users.get").is_empty(), "{:#?}", log.lines());
    let failure = only(log.of("boiler.fire"));
    assert_eq!(failure.level, Level::ERROR, "{failure:?}");
    quiet.disconnect().await;
    engine.shutdown().await;
}

fn uuid_like(s: &str) -> bool {
    s.len() == 36 && s.chars().filter(|c| *c == '-').count() == 4
}
