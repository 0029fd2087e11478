//! The examples, run as a user runs them, against an engine on free ports.

use std::time::Duration;

use iii_tests::{engine, eventually, example, http, until_gone};

/// How long an example may take to exit after SIGTERM.
pub(crate) const STOP: Duration = Duration::from_secs(10);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_serves_add_and_stops_on_sigterm() {
    let engine = engine().await;
    let example = example("quickstart", &engine);
    let addr = engine.http_addr();

    let ok = eventually(Duration::from_secs(20), || {
        http(addr, "POST", "/add", Some(r#"{"a":2,"b":3}"#))
    })
    .await;
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.body, r#"{"sum":5}"#);

    let bad = http(addr, "POST", "/add", Some("{not json"))
        .await
        .expect("http");
    assert_eq!(bad.status, 400);
    assert_eq!(bad.json()["error"]["code"], "invalid_input");

    let overflow = http(
        addr,
        "POST",
        "/add",
        Some(r#"{"a":9223372036854775807,"b":1}"#),
    )
    .await
    .expect("http");
    assert_eq!(overflow.status, 400, "{overflow:?}");
    assert_eq!(overflow.json()["error"]["code"], "bad_request");

    let stopped = example.terminate(STOP).await.expect("stops");
    assert!(stopped.status.success(), "{stopped:#?}");

    // The worker's routes go away with it (the engine cleans up as it notices the close).
    until_gone(Duration::from_secs(10), || {
        http(addr, "POST", "/add", Some(r#"{"a":2,"b":3}"#))
    })
    .await;
    engine.shutdown().await;
}
