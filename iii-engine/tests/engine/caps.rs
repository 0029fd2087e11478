//! What one client may make the engine hold: functions and trigger bindings per connection,
//! sockets on the worker port. Past a cap the engine refuses, clearly, and keeps serving.

use http::StatusCode;
use serde_json::json;

use crate::common::{self, Worker};
use crate::raw;

#[tokio::test]
async fn functions_and_triggers_per_connection_are_capped() {
    let mut config = common::config();
    config.max_functions_per_worker = 2;
    config.max_triggers_per_worker = 2;
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    for id in ["a", "b", "a"] {
        w.register_function(id).await;
    }
    w.register_function("c").await;
    let refused = w.recv().await;
    assert_eq!(refused["type"], "registrationrejected", "{refused}");
    assert_eq!(refused["function_id"], "c");
    let why = refused["message"].as_str().unwrap();
    assert!(why.contains("max_functions_per_worker"), "{why}");
    for (id, topic) in [("t1", "x"), ("t2", "y"), ("t1", "z")] {
        w.send(
            json!({"type": "registertrigger", "id": id, "trigger_type": "subscribe",
                      "function_id": "a", "config": {"topic": topic}}),
        )
        .await;
    }
    w.sync().await;
    w.send(
        json!({"type": "registertrigger", "id": "t3", "trigger_type": "subscribe",
                  "function_id": "a", "config": {"topic": "w"}}),
    )
    .await;
    let refused = w.recv().await;
    assert_eq!(refused["type"], "triggerregistrationresult", "{refused}");
    assert_eq!(refused["id"], "t3");
    let why = refused["error"]["message"].as_str().unwrap();
    assert!(why.contains("max_triggers_per_worker"), "{why}");
    // Another connection has its own room.
    let mut other = Worker::connect(&engine).await;
    other.register_function("c").await;
    other.sync().await;
    engine.shutdown().await;
}

#[tokio::test]
async fn worker_port_sockets_are_capped() {
    let mut config = common::config();
    config.max_connections = 2;
    let engine = common::start_with(config).await;
    let first = Worker::connect(&engine).await;
    let mut second = Worker::connect(&engine).await;
    match raw::connect(&engine, None, &[]).await {
        Err(tokio_tungstenite::tungstenite::Error::Http(resp)) => {
            assert_eq!(resp.status(), StatusCode::SERVICE_UNAVAILABLE);
        }
        Err(e) => panic!("unexpected error: {e}"),
        Ok(_) => panic!("a third socket was served"),
    }
    // A closed socket frees its place.
    first.close().await;
    let mut third = Worker::connect(&engine).await;
    third.sync().await;
    second.sync().await;
    engine.shutdown().await;
}
