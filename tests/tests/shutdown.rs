//! SIGTERM during a slow request: the request finishes, then the worker exits cleanly.

use std::time::Duration;

use iii_tests::{engine, eventually, http};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sigterm_lets_a_running_request_finish() {
    let engine = engine().await;
    let mut child = tokio::process::Command::new(env!("CARGO_BIN_EXE_slow-worker"))
        .env("III_URL", engine.ws_url())
        .kill_on_drop(true)
        .spawn()
        .expect("start slow-worker");
    let addr = engine.http_addr();
    let warm = eventually(Duration::from_secs(20), || {
        http(addr, "POST", "/slow", Some(r#"{"ms":1}"#))
    })
    .await;
    assert_eq!(warm.status, 200, "{warm:?}");

    let slow =
        tokio::spawn(async move { http(addr, "POST", "/slow", Some(r#"{"ms":1500}"#)).await });
    tokio::time::sleep(Duration::from_millis(300)).await;
    let pid = child.id().expect("running");
    let kill = std::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .expect("kill");
    assert!(kill.success());

    let answer = slow.await.expect("task").expect("http");
    assert_eq!(answer.status, 200, "{answer:?}");
    assert_eq!(answer.body, r#"{"waited_ms":1500}"#);
    let status = tokio::time::timeout(Duration::from_secs(10), child.wait())
        .await
        .expect("exits after draining")
        .expect("wait");
    assert!(status.success(), "{status:?}");
    engine.shutdown().await;
}
