//! Connection basics: first frame, tolerance of bad frames, pings, shutdown, ownership.

use std::time::Duration;

use serde_json::json;

use crate::common::{self, Worker};

#[tokio::test]
async fn workerregistered_is_the_first_frame_with_uuids() {
    let engine = common::start().await;
    let a = Worker::connect(&engine).await;
    let b = Worker::connect(&engine).await;
    assert!(uuid::Uuid::parse_str(&a.id).is_ok());
    assert!(uuid::Uuid::parse_str(&a.token).is_ok());
    assert_ne!(a.id, b.id);
    assert!(engine.ws_url().starts_with("ws://127.0.0.1:"));
    engine.shutdown().await;
}

#[tokio::test]
async fn malformed_and_unknown_frames_keep_the_connection_open() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    for bad in [
        "not json",
        "",
        "   ",
        "{}",
        r#"{"type":"nosuchtype"}"#,
        r#"{"type":"Ping"}"#,
        r#"{"type":"invokefunction"}"#,
        r#"{"type":"invocationresult","invocation_id":"not-a-uuid"}"#,
        r#"{"type":"unregistertriggertype","id":"x"}"#,
        r#"{"type":"registerservice","id":"svc"}"#,
        r#"{"type":"pong"}"#,
        r#"{"type":"triggerregistrationresult","id":"t"}"#,
        r#"{"type":"registertriggertype","id":"webhook","description":"d"}"#,
        "[1,2,3]",
    ] {
        w.send_text(bad).await;
    }
    w.send_binary(b"OTLP{\"resourceSpans\":[]}").await;
    w.send_binary(&[0xff, 0xfe]).await;
    // An unknown invocation id is dropped silently.
    w.send(
        json!({"type":"invocationresult","invocation_id":uuid::Uuid::new_v4(),
                  "function_id":"x","result":1}),
    )
    .await;
    // Still served, and nothing was answered to the junk.
    w.sync().await;
    // A JSON message in a binary frame is accepted.
    w.send_binary(br#"{"type":"ping"}"#).await;
    assert_eq!(w.recv().await["type"], "pong");
    engine.shutdown().await;
}

#[tokio::test]
async fn otel_socket_is_accepted_and_drained() {
    use futures_util::SinkExt;
    let engine = common::start().await;
    let (mut otel, _) = tokio_tungstenite::connect_async(format!("{}/otel", engine.ws_url()))
        .await
        .unwrap();
    otel.send(tokio_tungstenite::tungstenite::Message::binary(
        b"OTLP{}".to_vec(),
    ))
    .await
    .unwrap();
    otel.send(tokio_tungstenite::tungstenite::Message::text("ignored"))
        .await
        .unwrap();
    let mut w = Worker::connect(&engine).await;
    w.sync().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn websocket_pings_are_answered_and_idle_sockets_stay_open() {
    use futures_util::{SinkExt, StreamExt};
    use tokio_tungstenite::tungstenite::Message as Frame;
    let engine = common::start().await;
    let (mut ws, _) = tokio_tungstenite::connect_async(engine.ws_url())
        .await
        .unwrap();
    let first = ws.next().await.unwrap().unwrap();
    assert!(first.is_text());
    tokio::time::sleep(Duration::from_millis(300)).await;
    ws.send(Frame::Ping(b"hi".to_vec().into())).await.unwrap();
    let pong = tokio::time::timeout(common::WAIT, ws.next())
        .await
        .unwrap()
        .unwrap()
        .unwrap();
    assert_eq!(pong, Frame::Pong(b"hi".to_vec().into()));
    engine.shutdown().await;
}

#[tokio::test]
async fn shutdown_closes_worker_sockets_with_a_close_frame() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    let addr = engine.ws_addr();
    engine.shutdown().await;
    assert!(w.closed().await, "a Close frame was sent");
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "listener is gone"
    );
}

#[tokio::test]
async fn dropping_the_handle_stops_the_engine() {
    let engine = common::start().await;
    let (ws, http) = (engine.ws_addr(), engine.http_addr());
    let mut w = Worker::connect(&engine).await;
    drop(engine);
    assert!(w.closed().await);
    // The listeners go as their tasks notice the stop: poll instead of guessing a delay.
    let deadline = tokio::time::Instant::now() + common::WAIT;
    while tokio::net::TcpStream::connect(ws).await.is_ok()
        || tokio::net::TcpStream::connect(http).await.is_ok()
    {
        assert!(
            tokio::time::Instant::now() < deadline,
            "listeners still open"
        );
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[tokio::test]
async fn busy_port_is_a_bind_error() {
    let engine = common::start().await;
    let mut config = common::config();
    config.ws_port = engine.ws_addr().port();
    match iii_engine::Engine::start(config).await {
        Err(iii_engine::EngineError::Bind { addr, .. }) => assert_eq!(addr, engine.ws_addr()),
        other => panic!("expected a bind error, got {other:?}"),
    }
    engine.shutdown().await;
}

#[tokio::test]
async fn second_live_owner_is_rejected_with_function_namespace_conflict() {
    let engine = common::start().await;
    let mut a = Worker::connect(&engine).await;
    let mut b = Worker::connect(&engine).await;
    a.register_function("math.add").await;
    a.sync().await;
    b.register_function("math.add").await;
    let rejected = b.recv().await;
    assert_eq!(rejected["type"], "registrationrejected");
    assert_eq!(rejected["code"], "FUNCTION_NAMESPACE_CONFLICT");
    assert_eq!(rejected["function_id"], "math.add");
    assert_eq!(rejected["namespace"], "default");
    assert_eq!(rejected["owner_worker_id"], a.id.as_str());
    // The same connection re-registering overwrites silently.
    a.register_function("math.add").await;
    a.sync().await;
    // Calls still reach the first owner.
    let task = tokio::spawn(async move {
        let r = b.call("math.add", json!({})).await;
        (b, r)
    });
    let inv = a.expect_invoke().await;
    a.answer(&inv, json!(1)).await;
    let (mut b, r) = task.await.unwrap();
    assert_eq!(r["result"], 1);
    // Once the owner is gone, another worker takes the id over.
    // `close` waits for the engine's Close, which comes after its cleanup.
    a.close().await;
    b.register_function("math.add").await;
    // Not rejected: the next frame is the pong.
    b.sync().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn bad_trigger_registration_is_answered_and_good_ones_are_not() {
    let engine = common::start().await;
    let mut w = Worker::connect(&engine).await;
    w.register_function("f").await;
    let bad = w
        .register_trigger("http", "f", json!({"http_method": "POST"}))
        .await;
    let result = w.recv().await;
    assert_eq!(result["type"], "triggerregistrationresult");
    assert_eq!(result["id"], bad.as_str());
    assert_eq!(result["trigger_type"], "http");
    assert_eq!(result["function_id"], "f");
    assert_eq!(result["error"]["code"], "trigger_registration_failed");
    assert_eq!(
        result["error"]["message"],
        "api_path is required for http triggers"
    );
    // Missing config is read as null and refused the same way.
    w.send(json!({"type":"registertrigger","id":"t2","trigger_type":"http","function_id":"f"}))
        .await;
    assert_eq!(
        w.recv().await["error"]["code"],
        "trigger_registration_failed"
    );
    // Successes and unknown types are silent.
    w.register_trigger("http", "f", json!({"api_path": "ok"}))
        .await;
    w.register_trigger("webhook", "f", json!({"x": 1})).await;
    w.register_trigger("subscribe", "f", json!({})).await;
    w.sync().await;
    engine.shutdown().await;
}
