//! Persistence across a `kill -9` of the real binary: every durable message the engine
//! acknowledged is delivered after the restart (at least once), and state and stream items
//! written before the kill are read after it; with `--data-dir` and with a config file's
//! file-based stores. A second engine on the same data is refused.

#![cfg(all(unix, feature = "sqlite", feature = "config-file"))]

use std::collections::BTreeSet;
use std::path::PathBuf;
use std::time::Duration;

use serde_json::{Value, json};

use crate::binary::Running;
use crate::common::Worker;

/// A fresh directory under the system's temporary one, removed on drop.
struct TempDir(PathBuf);

impl TempDir {
    fn new() -> Self {
        let dir = std::env::temp_dir().join(format!("iii-engine-test-{}", uuid::Uuid::new_v4()));
        std::fs::create_dir_all(&dir).expect("temp dir");
        Self(dir)
    }

    fn arg(&self) -> &str {
        self.0.to_str().expect("utf-8 path")
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

async fn connect(engine: &mut Running) -> Worker {
    Worker::connect_url(&engine.ws_url()).await
}

/// Sends `count` durable publishes without waiting, reads answers until `acked_before_kill`
/// of them came back, kills the engine and returns the values it acknowledged.
async fn publish_then_kill(
    engine: Running,
    w: &mut Worker,
    count: u64,
    acked_before_kill: usize,
) -> BTreeSet<u64> {
    let mut sent = std::collections::HashMap::new();
    for n in 0..count {
        let id = uuid::Uuid::new_v4().to_string();
        sent.insert(id.clone(), n);
        w.send(json!({"type": "invokefunction", "invocation_id": id,
                      "function_id": "iii::durable::publish",
                      "data": {"topic": "jobs", "data": n}}))
            .await;
    }
    // Answers come in any order (each call runs on its own): map them back by id.
    let mut acked = BTreeSet::new();
    while acked.len() < acked_before_kill {
        let r = w.recv().await;
        assert_eq!(r["type"], "invocationresult", "{r}");
        assert!(r.get("error").is_none(), "{r}");
        let id = r["invocation_id"].as_str().expect("an invocation id");
        acked.insert(sent[id]);
    }
    engine.kill9();
    acked
}

#[tokio::test]
async fn acknowledged_messages_state_and_streams_survive_a_kill_9() {
    let data = TempDir::new();
    let mut engine = Running::start_with(&["--data-dir", data.arg()]);
    let mut w = connect(&mut engine).await;
    for n in 0..20 {
        let r = w
            .call(
                "state::set",
                json!({"scope": "s", "key": format!("k{n}"), "value": {"n": n}}),
            )
            .await;
        assert!(r.get("error").is_none(), "{r}");
    }
    let r = w
        .call(
            "stream::set",
            json!({"stream_name": "room", "group_id": "g", "item_id": "i", "data": {"hi": 1}}),
        )
        .await;
    assert!(r.get("error").is_none(), "{r}");
    // 3000 in flight and a kill after 150 answers: by hand, some 500 had been committed when
    // the kill came, so it lands mid-publish.
    let published = 3000;
    let acked = publish_then_kill(engine, &mut w, published, 150).await;
    drop(w);

    let mut engine = Running::start_with(&["--data-dir", data.arg()]);
    let mut w = connect(&mut engine).await;
    let r = w
        .call("state::get", json!({"scope": "s", "key": "k7"}))
        .await;
    assert_eq!(r["result"], json!({"n": 7}), "{r}");
    let r = w.call("state::list", json!({"scope": "s"})).await;
    assert_eq!(r["result"].as_array().map(Vec::len), Some(20), "{r}");
    let r = w
        .call(
            "stream::get",
            json!({"stream_name": "room", "group_id": "g", "item_id": "i"}),
        )
        .await;
    assert_eq!(r["result"], json!({"hi": 1}), "{r}");
    // The topic had no subscriber: the messages waited, and go to the first one.
    w.register_function("jobs.run").await;
    w.register_trigger("durable:subscriber", "jobs.run", json!({"topic": "jobs"}))
        .await;
    let mut delivered = BTreeSet::new();
    while !acked.is_subset(&delivered) {
        let inv = w
            .try_recv(Duration::from_secs(10))
            .await
            .unwrap_or_else(|| {
                panic!(
                    "{} acknowledged message(s) not delivered",
                    acked.difference(&delivered).count()
                )
            });
        assert_eq!(inv["type"], "invokefunction", "{inv}");
        let n = inv["data"].as_u64().expect("a published value");
        assert!(n < published, "{inv}");
        delivered.insert(n);
        w.answer(&inv, Value::Null).await;
    }
    engine.kill9();
}

#[test]
fn a_second_engine_on_the_same_data_is_refused() {
    let data = TempDir::new();
    let mut first = Running::start_with(&["--data-dir", data.arg()]);
    first.ws_url();
    let mut second = Running::start_with(&["--data-dir", data.arg()]);
    let line = second.wait_for("cannot open the");
    assert!(line.contains("another iii-engine"), "{line}");
    first.kill9();
}

#[tokio::test]
async fn a_config_files_file_based_stores_survive_a_kill_9() {
    let data = TempDir::new();
    let config = data.0.join("config.yaml");
    let yaml = format!(
        "workers:\n  - name: iii-state\n    config:\n      adapter:\n        name: kv\n        \
         config: {{store_method: file_based, file_path: {dir}/state}}\n  - name: iii-queue\n    \
         config:\n      adapter:\n        name: builtin\n        config: {{store_method: \
         file_based, file_path: {dir}/queue}}\n  - name: iii-http-functions\n    config: {{}}\n",
        dir = data.arg()
    );
    std::fs::write(&config, yaml).expect("config written");
    let args = ["--config", config.to_str().expect("utf-8 path")];
    let mut engine = Running::start_with(&args);
    engine.wait_for("config.yaml: read");
    let mut w = connect(&mut engine).await;
    w.call(
        "state::set",
        json!({"scope": "cfg", "key": "k", "value": "kept"}),
    )
    .await;
    let r = w
        .call(
            "iii::durable::publish",
            json!({"topic": "later", "data": "waiting"}),
        )
        .await;
    assert!(r.get("error").is_none(), "{r}");
    engine.kill9();
    drop(w);
    assert!(
        data.0.join("state.sqlite3").exists(),
        "beside file_path, as <file_path>.sqlite3"
    );

    let mut engine = Running::start_with(&args);
    let mut w = connect(&mut engine).await;
    let r = w
        .call("state::get", json!({"scope": "cfg", "key": "k"}))
        .await;
    assert_eq!(r["result"], "kept", "{r}");
    w.register_function("later.run").await;
    w.register_trigger("durable:subscriber", "later.run", json!({"topic": "later"}))
        .await;
    let inv = w.expect_invoke().await;
    assert_eq!(inv["data"], "waiting");
    w.answer(&inv, Value::Null).await;
    engine.kill9();
}
