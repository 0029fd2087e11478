//! HTTP extras: HEAD, CORS preflight, condition and middleware functions.

use http::StatusCode;
use serde_json::json;

use crate::common::{self, Worker, http};

#[tokio::test]
async fn head_uses_the_get_route_without_a_body() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("page", "GET", "page").await;
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "HEAD", "/page", &[], ""), async {
        let inv = w.expect_invoke().await;
        assert_eq!(inv["data"]["method"], "HEAD");
        w.answer(&inv, json!({"body": {"big": "body"}})).await;
    });
    assert_eq!(resp.status, StatusCode::OK);
    assert!(resp.body.is_empty());
    engine.shutdown().await;
}

#[tokio::test]
async fn options_preflight_is_answered_with_permissive_cors() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("f", "POST", "api/items").await;
    let resp = http(
        &engine,
        "OPTIONS",
        "/api/items",
        &[
            ("origin", "http://x"),
            ("access-control-request-method", "POST"),
        ],
        "",
    )
    .await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    assert_eq!(resp.headers["access-control-allow-origin"], "*");
    assert!(
        resp.headers["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    // An explicit OPTIONS route wins over the preflight.
    w.route("opt", "OPTIONS", "api/items").await;
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "OPTIONS", "/api/items", &[], ""), async {
        let inv = w.expect_invoke().await;
        assert_eq!(inv["function_id"], "opt");
        w.answer(&inv, json!({"status_code": 200, "body": "mine"}))
            .await;
    });
    assert_eq!(resp.json(), json!("mine"));
    // A preflight is answered on any path, routed or not, like the permissive CORS default.
    let resp = http(e, "OPTIONS", "/nothing", &[("origin", "http://x")], "").await;
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    assert_eq!(resp.headers["access-control-allow-origin"], "*");
    // Every response exposes its headers to scripts, errors included.
    let resp = http(e, "GET", "/nothing", &[], "").await;
    assert_eq!(resp.status, StatusCode::NOT_FOUND);
    assert_eq!(resp.headers["access-control-expose-headers"], "*");
    engine.shutdown().await;
}

#[tokio::test]
async fn informational_status_codes_fall_back_to_200() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("odd", "GET", "odd").await;
    let e = &engine;
    for code in [101, 100, 600] {
        let (resp, ()) = tokio::join!(http(e, "GET", "/odd", &[], ""), async {
            let inv = w.expect_invoke().await;
            w.answer(&inv, json!({"status_code": code, "body": {"n": code}}))
                .await;
        });
        assert_eq!(resp.status, StatusCode::OK, "{code}");
        assert_eq!(resp.json(), json!({"n": code}));
        assert_eq!(resp.headers["access-control-expose-headers"], "*");
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn condition_false_is_422_and_errors_are_500() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("gate").await;
    w.register_function("guarded").await;
    w.send(
        json!({"type":"registertrigger","id":"t","trigger_type":"http","function_id":"guarded",
        "config":{"api_path":"g","condition_function_id":"gate"},"metadata":{"k":"v"}}),
    )
    .await;
    w.sync().await;
    let e = &engine;
    let (resp, ()) = tokio::join!(http(e, "GET", "/g?x=1", &[], ""), async {
        let inv = w.expect_invoke().await;
        assert_eq!(inv["function_id"], "gate");
        assert_eq!(inv["data"]["query_params"], json!({"x": "1"}));
        assert_eq!(inv["metadata"], json!({"k": "v"}));
        w.answer(&inv, json!(false)).await;
    });
    assert_eq!(resp.status, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(
        resp.json(),
        json!({"error": {"code": "CONDITION_NOT_MET",
        "message": "Request condition not met"}, "skipped": true})
    );
    let (resp, ()) = tokio::join!(http(e, "GET", "/g", &[], ""), async {
        let inv = w.expect_invoke().await;
        w.fail(&inv, "gate_broken", "bad gate").await;
    });
    assert_eq!(resp.status, StatusCode::INTERNAL_SERVER_ERROR);
    assert_eq!(resp.json()["error"]["code"], "gate_broken");
    let (resp, ()) = tokio::join!(http(e, "GET", "/g", &[], ""), async {
        let gate = w.expect_invoke().await;
        w.answer(&gate, json!(null)).await;
        let inv = w.expect_invoke().await;
        assert_eq!(inv["function_id"], "guarded");
        assert_eq!(inv["metadata"], json!({"k": "v"}));
        w.answer(&inv, json!({"body": "through"})).await;
    });
    assert_eq!(resp.json(), json!("through"));
    engine.shutdown().await;
}

#[tokio::test]
async fn middleware_runs_in_order_and_can_respond() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    for f in ["auth", "log", "handler"] {
        w.register_function(f).await;
    }
    w.register_trigger(
        "http",
        "handler",
        json!({"api_path": "m/:id", "http_method": "POST",
        "middleware_function_ids": ["log", "auth"]}),
    )
    .await;
    w.sync().await;
    let e = &engine;
    let (resp, ()) = tokio::join!(
        http(
            e,
            "POST",
            "/m/1",
            &[
                ("content-type", "application/json"),
                ("authorization", "no")
            ],
            "{\"secret\":1}"
        ),
        async {
            let log = w.expect_invoke().await;
            assert_eq!(log["function_id"], "log");
            let data = &log["data"];
            assert_eq!(data["phase"], "preHandler");
            assert_eq!(data["request"]["path_params"], json!({"id": "1"}));
            assert_eq!(data["request"]["method"], "POST");
            assert_eq!(data["request"]["headers"]["authorization"], "no");
            assert!(data["request"].get("body").is_none());
            assert_eq!(data["context"], json!({}));
            w.answer(&log, json!({"action": "continue"})).await;
            let auth = w.expect_invoke().await;
            assert_eq!(auth["function_id"], "auth");
            w.answer(
                &auth,
                json!({"action": "respond", "response": {
                "status_code": 401, "headers": {"x-why": "token"}, "body": {"denied": true}}}),
            )
            .await;
        }
    );
    assert_eq!(resp.status, StatusCode::UNAUTHORIZED);
    assert_eq!(resp.headers["x-why"], "token");
    assert_eq!(resp.json(), json!({"denied": true}));
    let (resp, ()) = tokio::join!(http(e, "POST", "/m/2", &[], ""), async {
        for _ in 0..2 {
            let mw = w.expect_invoke().await;
            w.answer(&mw, json!(null)).await;
        }
        let inv = w.expect_invoke().await;
        assert_eq!(inv["function_id"], "handler");
        w.answer(&inv, json!({"status_code": 202})).await;
    });
    assert_eq!(
        (resp.status, resp.json()),
        (StatusCode::ACCEPTED, json!({}))
    );
    engine.shutdown().await;
}
