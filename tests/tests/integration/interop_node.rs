//! Interop with the official Node SDK (`iii-sdk` from npm, pinned in
//! `tests/node/package-lock.json`): `tests/node/worker.mjs` connects to the development
//! engine, serves HTTP routes through it, is called by a Rust worker and calls a Rust
//! function.
//!
//! Each test starts its own engine on free ports and stops everything it started. Node is
//! `III_TEST_NODE` or `node` on `PATH`, with the SDK installed by `npm ci --prefix tests/node`;
//! without it the tests fail in CI and are skipped locally.

use std::path::PathBuf;

use iii::prelude::*;
use iii_tests::{engine, eventually, http, until_gone};

use crate::interop::{
    AddInput, AddOutput, MulInput, MulOutput, Rig, STARTUP, Script, invoke_when_registered, node,
    workspace,
};
use serde_json::{Value, json};

fn script() -> PathBuf {
    workspace().join("tests/node/worker.mjs")
}

/// A Node worker's HTTP route is served through our engine, errors included, and goes away
/// with the worker.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_http_route_is_served() {
    let Some(node) = node() else { return };
    let engine = engine().await;
    let addr = engine.http_addr();
    let js = Script::start(&node, &script(), &engine, &[]).await;

    let sum = eventually(STARTUP, || {
        http(addr, "POST", "/node/add", Some(r#"{"a":2,"b":3}"#))
    })
    .await;
    assert_eq!(sum.status, 200, "{sum:?}");
    assert_eq!(sum.json(), json!({"sum": 5}));
    assert_eq!(sum.header("content-type"), Some("application/json"));

    let failed = http(addr, "POST", "/node/add", Some(r#"{"a":2,"b":"x"}"#))
        .await
        .expect("http");
    assert_eq!(failed.status, 500, "{failed:?}");
    assert_eq!(failed.json()["error"]["code"], "invocation_failed");
    assert_eq!(
        failed.json()["error"]["message"],
        r#"a and b must be integers, got {"a":2,"b":"x"}"#
    );

    let stopped = js.stop().await;
    assert!(
        stopped.stdout.iter().any(|l| l == "STOPPED"),
        "{stopped:#?}"
    );
    stopped.assert_no_stderr();
    until_gone(STARTUP, || {
        http(addr, "POST", "/node/add", Some(r#"{"a":2,"b":3}"#))
    })
    .await;
    engine.shutdown().await;
}

/// A Rust worker calls a Node function with a typed input and gets a typed result; the Node
/// worker's metadata is visible to introspection.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rust_calls_node_function() {
    let Some(node) = node() else { return };
    let rig = Rig::start().await;
    let worker = &rig.worker;
    rig.connect().await;
    let js = rig.run(&node, &script(), &[]).await;

    let out: AddOutput = invoke_when_registered(worker, "node.add", json!({"a": 20, "b": 22}))
        .await
        .expect("node.add answers");
    assert_eq!(out, AddOutput { sum: 42 });
    let out: AddOutput = worker
        .invoke("node.add", AddInput { a: -1, b: -2 })
        .await
        .expect("node.add answers");
    assert_eq!(out.sum, -3);

    match worker
        .invoke::<AddOutput>("node.add", json!({"a": 1.5, "b": 1}))
        .await
    {
        Err(Error::Remote { body, .. }) => {
            assert_eq!(body.code, "invocation_failed");
            assert!(body.message.contains("must be integers"), "{body:?}");
        }
        other => panic!("expected node.add to fail, got {other:?}"),
    }

    let workers: Value = worker
        .invoke("engine::workers::list", json!({}))
        .await
        .expect("engine::workers::list");
    let listed = workers["workers"]
        .as_array()
        .and_then(|ws| ws.iter().find(|w| w["name"] == "interop-node"))
        .unwrap_or_else(|| panic!("the Node worker is listed: {workers:#}"));
    assert_eq!(listed["runtime"], "node", "{listed:#}");
    assert_eq!(listed["version"], "0.22.1", "{listed:#}");

    js.stop().await.assert_no_stderr();
    rig.shutdown().await;
}

/// A Node worker calls a Rust function and gets its result; the test sees it through the Node
/// worker's HTTP route.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn node_calls_rust_function() {
    let Some(node) = node() else { return };
    let rig = Rig::start().await;
    rig.worker
        .register_function("rs.mul", |input: MulInput| async move {
            Ok(MulOutput {
                product: input.a * input.b,
            })
        })
        .expect("registers");
    rig.connect().await;
    let js = rig.run(&node, &script(), &[]).await;

    let addr = rig.engine.http_addr();
    let product = eventually(STARTUP, || {
        http(addr, "POST", "/node/mul", Some(r#"{"a":6,"b":7}"#))
    })
    .await;
    assert_eq!(product.status, 200, "{product:?}");
    assert_eq!(product.json(), json!({"product": 42, "type": "number"}));

    js.stop().await.assert_no_stderr();
    rig.shutdown().await;
}
