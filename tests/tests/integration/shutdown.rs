//! SIGTERM during a slow request: the request finishes, then the worker exits cleanly.

use std::time::Duration;

use iii_test_support::process::Program;
use iii_tests::{engine, eventually, http};

use crate::examples::STOP;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_running_request_finish() {
    let engine = engine().await;
    let mut command = tokio::process::Command::new(env!("CARGO_BIN_EXE_slow-worker"));
    command.env("III_URL", engine.ws_url());
    let mut worker = Program::spawn("slow-worker", command).expect("slow-worker starts");
    let addr = engine.http_addr();
    let warm = eventually(Duration::from_secs(20), || {
        http(addr, "POST", "/slow", Some(r#"{"ms":1}"#))
    })
    .await;
    assert_eq!(warm.status, 200, "{warm:?}");

    let slow =
        tokio::spawn(async move { http(addr, "POST", "/slow", Some(r#"{"ms":1500}"#)).await });
    // SIGTERM once the slow request is being handled, not before it arrives.
    worker
        .wait_for_line("waiting 1500 ms", Duration::from_secs(20))
        .await
        .expect("the slow request reaches the worker");
    let stopped = worker.terminate(STOP).await.expect("exits after draining");

    let answer = slow.await.expect("task").expect("http");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, r#"{"waited_ms":1500}"#);
    assert!(stopped.status.success(), "{stopped:#?}");
    engine.shutdown().await;
}
