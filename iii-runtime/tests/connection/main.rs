//! The worker's connection behaviour against a scripted engine that records every frame:
//! start-up order, reconnect and replay, keepalive, invocations, shutdown.

mod concurrency;
mod fake_engine;
mod hostile;
mod identity;
mod invocations;
mod keepalive;
mod provided_types;
mod reconnect;
mod replicas;
mod shutdown;
mod startup;

use std::time::Duration;

use iii::{Backoff, Worker, WorkerConfig};

/// A configuration with quick timings for `url`.
pub(crate) fn config(url: &str) -> WorkerConfig {
    WorkerConfig {
        url: url.to_owned(),
        url_is_explicit: true,
        name: "test-worker".to_owned(),
        connect_timeout: Duration::from_secs(5),
        backoff: Backoff {
            initial: Duration::from_millis(50),
            max: Duration::from_millis(400),
            jitter: 0.0,
        },
        ..WorkerConfig::default()
    }
}

/// Starts `worker` against `engine` and plays the engine's side of the connection start;
/// returns the engine's end of the connection.
pub(crate) async fn serve(worker: &Worker, engine: &fake_engine::FakeEngine) -> fake_engine::Peer {
    worker.start();
    let mut peer = engine.accept().await;
    peer.handshake("w-1").await;
    peer
}

/// A worker with `echo` (returns its input) and `add` registered.
pub(crate) fn worker(url: &str) -> Worker {
    let worker = Worker::with_config(config(url));
    register_basics(&worker);
    worker
}

/// Registers `echo` and `add` on `worker`.
pub(crate) fn register_basics(worker: &Worker) {
    worker
        .register_function("echo", |v: serde_json::Value| async move { Ok(v) })
        .expect("register echo");
    worker
        .register_function("add", |v: serde_json::Value| async move {
            let a = v["a"].as_i64().unwrap_or_default();
            let b = v["b"].as_i64().unwrap_or_default();
            Ok(serde_json::json!({ "sum": a + b }))
        })
        .expect("register add");
}
