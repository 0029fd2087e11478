//! The examples, run as a user runs them, against an engine on free ports.

use std::time::Duration;

use iii_tests::{Example, engine, eventually, http};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn quickstart_serves_add_and_stops_on_sigterm() {
    let engine = engine().await;
    let example = Example::start("quickstart", &engine).await;
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

    let status = example.terminate().await;
    assert!(status.success(), "exit status {status:?}");

    // The worker's routes go away with it (the engine cleans up as it notices the close).
    let deadline = tokio::time::Instant::now() + Duration::from_secs(10);
    loop {
        let gone = http(addr, "POST", "/add", Some(r#"{"a":2,"b":3}"#))
            .await
            .expect("http");
        if gone.status == 404 {
            break;
        }
        assert!(
            tokio::time::Instant::now() < deadline,
            "route still served: {gone:?}"
        );
        tokio::time::sleep(Duration::from_millis(20)).await;
    }
    engine.shutdown().await;
}
