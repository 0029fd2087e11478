//! HTTP triggers: routing, the request envelope, result mapping and engine errors.

use std::time::Duration;

use http::StatusCode;
use serde_json::json;

use crate::common::{self, Worker, http, post_json};

#[tokio::test]
async fn post_is_routed_with_the_envelope_and_the_answer_is_mapped() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("math.add", "post", "add").await;
    let url = format!("{}/add?x=1&y=a%20b", engine.http_url());
    let engine_ref = &engine;
    let request = async {
        http(
            engine_ref,
            "POST",
            &url,
            &[("content-type", "application/json"), ("X-Custom", "v")],
            r#"{"a":2,"b":3}"#,
        )
        .await
    };
    let worker = async {
        let inv = w.expect_invoke().await;
        assert_eq!(inv["function_id"], "math.add");
        assert!(uuid::Uuid::parse_str(inv["invocation_id"].as_str().unwrap()).is_ok());
        let data = &inv["data"];
        assert_eq!(data["body"], json!({"a": 2, "b": 3}));
        assert_eq!(data["query_params"], json!({"x": "1", "y": "a b"}));
        assert_eq!(data["path_params"], json!({}));
        assert_eq!(data["headers"]["x-custom"], "v");
        assert_eq!(data["headers"]["content-type"], "application/json");
        assert_eq!(data["path"], "add");
        assert_eq!(data["method"], "POST");
        assert_eq!(
            data["trigger"],
            json!({"type": "http", "path": "add", "method": "POST"})
        );
        assert!(data.get("_caller_worker_id").is_none());
        w.answer(
            &inv,
            json!({"status_code": 201, "headers": {"x-sum": "5"}, "body": {"sum": 5}}),
        )
        .await;
    };
    let (resp, ()) = tokio::join!(request, worker);
    assert_eq!(resp.status, StatusCode::CREATED);
    assert_eq!(resp.headers["x-sum"], "5");
    assert_eq!(resp.headers["content-type"], "application/json");
    assert_eq!(resp.headers["access-control-allow-origin"], "*");
    assert_eq!(resp.json(), json!({"sum": 5}));
    engine.shutdown().await;
}

#[tokio::test]
async fn path_params_non_json_bodies_and_plain_results() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("users.get", "GET", "/users/:id").await;
    w.route("echo", "PUT", "/echo").await;
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/users/42", &[], ""), async {
        let inv = w.expect_invoke().await;
        assert_eq!(inv["data"]["path_params"], json!({"id": "42"}));
        assert_eq!(inv["data"]["path"], "/users/:id");
        assert_eq!(inv["data"]["body"], json!(null));
        // A plain object is not an envelope: 200 {}.
        w.answer(&inv, json!({"hello": "world"})).await;
    });
    assert_eq!((resp.status, resp.json()), (StatusCode::OK, json!({})));
    let (resp, ()) = tokio::join!(
        http(
            e,
            "PUT",
            "/echo",
            &[("content-type", "text/plain")],
            "{\"a\":1}"
        ),
        async {
            let inv = w.expect_invoke().await;
            assert_eq!(
                inv["data"]["body"],
                json!(null),
                "only JSON content types are parsed"
            );
            w.answer(
                &inv,
                json!({"headers": ["Content-Type: text/plain"], "body": "raw"}),
            )
            .await;
        }
    );
    assert_eq!((resp.status, resp.text().as_str()), (StatusCode::OK, "raw"));
    assert_eq!(resp.headers["content-type"], "text/plain");
    // Invalid JSON with a JSON content type reads as null; a null result is 200 and empty.
    let (resp, ()) = tokio::join!(
        http(
            e,
            "PUT",
            "/echo",
            &[("content-type", "application/json; charset=utf-8")],
            "{oops"
        ),
        async {
            let inv = w.expect_invoke().await;
            assert_eq!(inv["data"]["body"], json!(null));
            w.answer(&inv, json!(null)).await;
        }
    );
    assert_eq!((resp.status, resp.text().as_str()), (StatusCode::OK, ""));
    engine.shutdown().await;
}

#[tokio::test]
async fn unknown_route_is_404_with_the_engine_body() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("f", "GET", "known").await;
    // (`POST /known`, a known path with another method, is 405: see `http_guard`.)
    for (method, path) in [("GET", "/nope"), ("GET", "/known/")] {
        let resp = http(&engine, method, path, &[], "").await;
        assert_eq!(resp.status, StatusCode::NOT_FOUND, "{method} {path}");
        assert_eq!(
            resp.json(),
            json!({"error": {"code": "NOT_FOUND", "message": "Not Found"}})
        );
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn function_error_is_500_with_code_message_and_error_id() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("boom", "GET", "boom").await;
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/boom", &[], ""), async {
        let inv = w.expect_invoke().await;
        w.fail(&inv, "invocation_failed", "division by zero").await;
    });
    assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
    let body = resp.json();
    assert_eq!(body["error"]["code"], "invocation_failed");
    assert_eq!(body["error"]["message"], "division by zero");
    let error_id = body["error"]["error_id"].as_str().unwrap();
    assert!(!error_id.is_empty() && error_id.chars().all(|c| c.is_ascii_hexdigit()));
    // A route whose function is gone answers function_not_found as a 500.
    w.register_trigger("http", "missing.fn", json!({"api_path": "ghost"}))
        .await;
    w.sync().await;
    let resp = http(e, "GET", "/ghost", &[], "").await;
    assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(resp.json()["error"]["code"], "function_not_found");
    assert_eq!(
        resp.json()["error"]["message"],
        "Function missing.fn not found"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn slow_function_is_504_with_an_empty_body() {
    let mut config = common::config();
    config.http_timeout = Duration::from_millis(300);
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    w.route("slow", "GET", "slow").await;
    let e = &engine;
    let (resp, inv) = tokio::join!(http(e, "GET", "/slow", &[], ""), w.expect_invoke());
    assert_eq!(resp.status, StatusCode::GATEWAY_TIMEOUT);
    assert!(resp.body.is_empty());
    // The late answer is dropped silently and the worker is still served.
    w.answer(&inv, json!({"body": 1})).await;
    w.sync().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn oversized_body_is_413() {
    let mut config = common::config();
    config.max_body_bytes = 1024;
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    w.route("big", "POST", "big").await;
    let big = "x".repeat(4096);
    let resp = http(
        &engine,
        "POST",
        "/big",
        &[("content-type", "text/plain")],
        big,
    )
    .await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
    assert_eq!(resp.json()["error"]["code"], "PAYLOAD_TOO_LARGE");
    // Nothing reached the worker.
    assert!(w.try_recv(Duration::from_millis(200)).await.is_none());
    engine.shutdown().await;
}

#[tokio::test]
async fn worker_disconnect_mid_request_is_500_invocation_stopped_at_once() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("hang", "POST", "hang").await;
    let started = tokio::time::Instant::now();
    let e = &engine;
    let empty = json!({});
    let (resp, ()) = tokio::join!(post_json(e, "/hang", &empty), async {
        w.expect_invoke().await;
        let w = std::mem::replace(&mut w, Worker::connect(e).await);
        w.close().await;
    });
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(resp.json()["error"]["code"], "invocation_stopped");
    assert_eq!(resp.json()["error"]["message"], "Invocation stopped");
    // The route went away with its worker.
    assert_eq!(
        post_json(e, "/hang", &json!({})).await.status,
        StatusCode::NOT_FOUND
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn same_method_and_path_under_another_trigger_is_refused() {
    let engine = common::start().await;
    let mut a = Worker::connect(&engine).await;
    a.route("one", "GET", "r").await;
    a.register_function("two").await;
    a.register_trigger(
        "http",
        "two",
        json!({"api_path": "/r", "http_method": "get"}),
    )
    .await;
    let refused = a.recv().await;
    assert_eq!(refused["type"], "triggerregistrationresult", "{refused}");
    assert_eq!(refused["function_id"], "two");
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/r", &[], ""), async {
        let inv = a.expect_invoke().await;
        assert_eq!(inv["function_id"], "one");
        a.answer(&inv, json!({"body": "ok"})).await;
    });
    assert_eq!(resp.json(), json!("ok"));
    engine.shutdown().await;
}

/// Registers an `http` trigger under a chosen id.
async fn trigger(w: &mut Worker, id: &str, function_id: &str, method: &str, path: &str) {
    w.send(
        json!({"type": "registertrigger", "id": id, "trigger_type": "http",
                  "function_id": function_id,
                  "config": {"api_path": path, "http_method": method}}),
    )
    .await;
}

/// Serves one request on `path` and returns the id of the function `w` was invoked for.
async fn served_by(e: &iii_engine::EngineHandle, w: &mut Worker, path: &str) -> String {
    let (resp, id) = tokio::join!(http(e, "GET", path, &[], ""), async {
        let inv = w.expect_invoke().await;
        w.answer(&inv, json!({"body": "ok"})).await;
        inv["function_id"].as_str().unwrap().to_owned()
    });
    assert_eq!(resp.status, StatusCode::OK);
    id
}

#[tokio::test]
async fn a_conflicting_re_registration_keeps_the_old_route() {
    let engine = common::start().await;
    let mut a = Worker::connect(&engine).await;
    a.register_function("f").await;
    trigger(&mut a, "t1", "f", "GET", "x/:id").await;
    trigger(&mut a, "t2", "f", "GET", "y/:id").await;
    a.sync().await;
    // t1 moved onto t2's path with another parameter name: refused, and t1 still serves /x.
    trigger(&mut a, "t1", "f", "GET", "y/:other").await;
    let r = a.recv().await;
    assert_eq!(r["type"], "triggerregistrationresult", "{r}");
    assert_eq!(r["error"]["code"], "trigger_registration_failed");
    assert_eq!(served_by(&engine, &mut a, "/x/1").await, "f");
    // Re-registering the same id with the same parameter name is fine.
    trigger(&mut a, "t1", "f", "GET", "x/:id").await;
    a.sync().await;
    assert_eq!(served_by(&engine, &mut a, "/x/2").await, "f");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_live_workers_trigger_id_cannot_be_taken_over() {
    let engine = common::start().await;
    let mut a = Worker::connect(&engine).await;
    a.register_function("mine").await;
    trigger(&mut a, "t1", "mine", "GET", "a").await;
    a.sync().await;
    let mut b = Worker::connect(&engine).await;
    b.register_function("theirs").await;
    trigger(&mut b, "t1", "theirs", "GET", "b").await;
    let r = b.recv().await;
    assert_eq!(r["type"], "triggerregistrationresult", "{r}");
    assert_eq!(r["error"]["code"], "trigger_registration_failed");
    assert_eq!(served_by(&engine, &mut a, "/a").await, "mine");
    assert_eq!(
        http(&engine, "GET", "/b", &[], "").await.status,
        StatusCode::NOT_FOUND
    );
    // Nor an engine-owned binding.
    let made = b
        .call(
            "engine::register_trigger",
            json!({"trigger_type": "http", "function_id": "theirs",
                     "config": {"api_path": "kept", "http_method": "GET"}}),
        )
        .await;
    let engine_id = made["result"]["id"].as_str().unwrap().to_owned();
    trigger(&mut a, &engine_id, "mine", "GET", "stolen").await;
    let r = a.recv().await;
    assert_eq!(r["error"]["code"], "trigger_registration_failed", "{r}");
    assert_eq!(served_by(&engine, &mut b, "/kept").await, "theirs");
    // Once its owner is gone, the id may be reused (a reconnect replaying its triggers).
    a.close().await;
    trigger(&mut b, "t1", "theirs", "GET", "b").await;
    b.sync().await;
    assert_eq!(served_by(&engine, &mut b, "/b").await, "theirs");
    engine.shutdown().await;
}
