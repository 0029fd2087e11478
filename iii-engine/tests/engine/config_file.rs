//! The binary with `--config`: the file's settings apply, flags override them, what is ignored
//! is logged, and a bad value stops the engine with the path of its key.

#![cfg(all(unix, feature = "config-file"))]

use bytes::Bytes;
use serde_json::json;

use crate::binary::Running;
use crate::common::{Worker, http_to};

/// Writes `yaml` to a fresh file and returns its path (the caller removes it).
fn config_file(yaml: &str) -> std::path::PathBuf {
    let path = std::env::temp_dir().join(format!("iii-config-{}.yaml", uuid::Uuid::new_v4()));
    std::fs::write(&path, yaml).expect("config written");
    path
}

#[tokio::test]
async fn flags_override_the_file_and_ignored_entries_are_logged() {
    // Port 1 cannot be bound by a test: the engine starting at all shows the flag's port 0
    // won over the file's.
    let path = config_file(
        "workers:\n  - name: iii-worker-manager\n    config:\n      port: ${NO_SUCH_VAR:1}\n  \
         - name: iii-worker-manager#rbac\n    config: {port: 0, rbac: {expose_functions: []}}\n  \
         - name: iii-observability\n",
    );
    let mut engine = Running::start_with(&["--config", path.to_str().expect("utf-8 path")]);
    let further = engine.wait_for("workers also on ws://127.0.0.1:");
    assert!(further.contains("(access-controlled)"), "{further}");
    engine.wait_for("workers[2] (iii-observability): ignored:");
    let mut w = Worker::connect_url(&engine.ws_url()).await;
    let r = w
        .call("state::get", json!({"scope": "s", "key": "k"}))
        .await;
    assert!(r.get("error").is_none(), "{r}");
    // The same call through the file's access-controlled listener, which exposes nothing.
    let url = further
        .split_whitespace()
        .find(|w| w.starts_with("ws://"))
        .expect("a URL in the line");
    let mut guarded = Worker::connect_url(url).await;
    let r = guarded
        .call("state::get", json!({"scope": "s", "key": "k"}))
        .await;
    assert_eq!(r["error"]["code"], "FORBIDDEN", "{r}");
    let _ = std::fs::remove_file(path);
}

/// The `access-control-allow-origin` the engine at `addr` answers a request from `origin` with.
async fn allowed_origin(addr: std::net::SocketAddr, origin: &str) -> Option<String> {
    let resp = http_to(addr, "GET", "/nothing", &[("origin", origin)], Bytes::new()).await;
    resp.header("access-control-allow-origin")
        .map(str::to_owned)
}

#[tokio::test]
async fn the_files_cors_origins_apply_unless_a_cors_flag_is_given() {
    let path = config_file(
        "workers:\n  - name: iii-http\n    config:\n      cors:\n        \
         allowed_origins: [\"http://app.localhost:5173\"]\n",
    );
    let file = path.to_str().expect("utf-8 path");
    let mut engine = Running::start_with(&["--config", file]);
    let addr = engine.http_addr();
    assert_eq!(
        allowed_origin(addr, "http://app.localhost:5173")
            .await
            .as_deref(),
        Some("http://app.localhost:5173"),
        "the listed origin is echoed"
    );
    assert_eq!(allowed_origin(addr, "http://other.test").await, None);
    drop(engine);
    let mut engine = Running::start_with(&["--config", file, "--cors", "off"]);
    let addr = engine.http_addr();
    assert_eq!(
        allowed_origin(addr, "http://app.localhost:5173").await,
        None,
        "--cors off wins over the file"
    );
    let _ = std::fs::remove_file(path);
}

#[test]
fn a_bad_value_stops_the_engine_with_the_path_of_its_key() {
    let path =
        config_file("modules:\n  - class: modules::api::RestApiModule\n    config: {port: many}\n");
    let mut engine = Running::start_with(&["--config", path.to_str().expect("utf-8 path")]);
    let line = engine.wait_for("modules[0].config.port:");
    assert!(line.contains("ERROR"), "{line}");
    assert!(!engine.exit(), "a failure exit status");
    let _ = std::fs::remove_file(path);
}
