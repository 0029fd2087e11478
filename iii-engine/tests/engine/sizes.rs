//! What the engine sends a worker fits what a worker accepts: no frame over the frame limit
//! (larger messages go fragmented), no message over the message limit (the sender is told).

use http::StatusCode;
use serde_json::json;

use crate::common::{self, Worker, http};
use crate::raw::{self, next_json, send_json};

#[tokio::test]
async fn messages_over_the_frame_limit_are_sent_fragmented() {
    let mut config = common::config();
    config.max_frame_bytes = 64 * 1024;
    let engine = common::start_with(config).await;
    // A client that, like the SDKs, takes no frame over the limit (but larger messages).
    let (mut ws, _) = raw::worker_with_frame_limit(&engine, 64 * 1024).await;
    send_json(&mut ws, &json!({"type": "registerfunction", "id": "big"})).await;
    send_json(
        &mut ws,
        &json!({"type": "registertrigger", "id": "t", "trigger_type": "http",
                "function_id": "big", "config": {"api_path": "big", "http_method": "POST"}}),
    )
    .await;
    send_json(&mut ws, &json!({"type": "ping"})).await;
    assert_eq!(next_json(&mut ws).await.unwrap()["type"], "pong");
    let body = json!({"text": "é".repeat(100_000)}).to_string();
    let e = &engine;
    let request = http(
        e,
        "POST",
        "/big",
        &[("content-type", "application/json")],
        body,
    );
    let (resp, ()) = tokio::join!(request, async {
        let inv = next_json(&mut ws)
            .await
            .expect("the invocation arrives whole");
        assert_eq!(inv["data"]["body"]["text"].as_str().unwrap().len(), 200_000);
        send_json(
            &mut ws,
            &json!({"type": "invocationresult", "invocation_id": inv["invocation_id"],
                    "function_id": "big", "result": {"body": "ok"}}),
        )
        .await;
    });
    assert_eq!(resp.status, StatusCode::OK);
    engine.shutdown().await;
}

#[tokio::test]
async fn a_16_mib_body_reaches_a_worker_with_the_default_limits() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.route("upload", "POST", "upload").await;
    let limit = 16 * 1024 * 1024;
    // A JSON string body of exactly the limit: the envelope around it is larger than a frame.
    let body = format!("\"{}\"", "a".repeat(limit - 2));
    let e = &engine;
    let request = http(
        e,
        "POST",
        "/upload",
        &[("content-type", "application/json")],
        body,
    );
    let (resp, ()) = tokio::join!(request, async {
        let inv = w.expect_invoke().await;
        assert_eq!(inv["data"]["body"].as_str().unwrap().len(), limit - 2);
        w.answer(&inv, json!({"status_code": 204})).await;
    });
    assert_eq!(resp.status, StatusCode::NO_CONTENT);
    // One byte more is refused before anything reaches the worker.
    let body = "a".repeat(limit + 1);
    let resp = http(e, "POST", "/upload", &[], body).await;
    assert_eq!(resp.status, StatusCode::PAYLOAD_TOO_LARGE);
    w.sync().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn a_call_that_would_grow_past_the_message_limit_is_refused_to_its_caller() {
    let mut config = common::config();
    config.max_message_bytes = 256 * 1024;
    let engine = common::start_with(config).await;
    let mut target = Worker::connect(&engine).await;
    target.register_function("f").await;
    target.sync().await;
    let mut caller = Worker::connect(&engine).await;
    // Under the limit as sent; over it once the engine adds `_caller_worker_id`.
    let id = uuid::Uuid::new_v4().to_string();
    let frame = json!({"type": "invokefunction", "invocation_id": id, "function_id": "f",
                       "data": {"x": ""}});
    let room = 256 * 1024 - frame.to_string().len();
    let frame = json!({"type": "invokefunction", "invocation_id": id, "function_id": "f",
                       "data": {"x": "y".repeat(room)}});
    assert_eq!(frame.to_string().len(), 256 * 1024);
    caller.send(frame).await;
    let answer = caller.recv().await;
    assert_eq!(answer["invocation_id"], id.as_str(), "{answer}");
    assert_eq!(answer["error"]["code"], "message_too_large", "{answer}");
    assert!(
        target
            .try_recv(std::time::Duration::from_millis(300))
            .await
            .is_none(),
        "nothing reached the target"
    );
    target.sync().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn a_result_that_would_grow_past_the_message_limit_becomes_an_error() {
    let mut config = common::config();
    config.max_message_bytes = 256 * 1024;
    let engine = common::start_with(config).await;
    let long_id = "f".repeat(4096);
    let mut target = Worker::connect(&engine).await;
    target.register_function(&long_id).await;
    target.sync().await;
    let mut caller = Worker::connect(&engine).await;
    let id = uuid::Uuid::new_v4().to_string();
    caller
        .send(json!({"type": "invokefunction", "invocation_id": id,
                     "function_id": long_id, "data": {}}))
        .await;
    let inv = target.expect_invoke().await;
    // The answer names no function, so it fits as sent; the engine's copy names the long id.
    let bare = json!({"type": "invocationresult", "invocation_id": inv["invocation_id"],
                      "function_id": "", "result": ""});
    let room = 256 * 1024 - bare.to_string().len();
    target
        .send(
            json!({"type": "invocationresult", "invocation_id": inv["invocation_id"],
                     "function_id": "", "result": "r".repeat(room)}),
        )
        .await;
    let answer = caller.recv().await;
    assert_eq!(answer["invocation_id"], id.as_str());
    assert_eq!(
        answer["error"]["code"], "message_too_large",
        "{}",
        answer["error"]
    );
    caller.sync().await;
    engine.shutdown().await;
}
