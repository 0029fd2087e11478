//! HTTP-invoked functions: a `registerfunction` with an `invocation` is called by the engine
//! itself, over HTTP, against a real local server (`crate::probe`): the request's method,
//! path, body, headers and HMAC signature, the mapping of answers and timeouts, the URL
//! policy, ownership and introspection.
//!
//! Secrets come from environment variables the test process already has (`CARGO_PKG_NAME`,
//! which cargo and nextest set), since a test may not change its own environment.

use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use data_encoding::{BASE64, HEXLOWER};
use hmac::{Hmac, Mac};
use iii_engine::{EngineConfig, UrlPolicy};
use serde_json::{Value, json};
use sha2::Sha256;

use crate::common::{self, Worker, post_json, start_with};
use crate::probe::{Answer, Probe};

/// A variable every test process has, used as a secret.
const SECRET_VAR: &str = "CARGO_PKG_NAME";

fn secret() -> String {
    std::env::var(SECRET_VAR).expect("cargo sets CARGO_PKG_NAME for tests")
}

/// The engine config of these tests: HTTP functions may call plain HTTP on 127.0.0.1.
fn config() -> EngineConfig {
    EngineConfig {
        http_functions: UrlPolicy {
            url_allowlist: vec!["127.0.0.1".into()],
            block_private_ips: false,
            require_https: false,
        },
        ..common::config()
    }
}

/// Registers `id` as an HTTP function with `invocation`, and waits until it is handled.
async fn register(w: &mut Worker, id: &str, invocation: Value) {
    w.send(json!({"type": "registerfunction", "id": id, "invocation": invocation}))
        .await;
    w.sync().await;
}

fn unix_now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .expect("after 1970")
        .as_secs()
}

#[tokio::test]
async fn a_call_is_delivered_with_the_engines_headers_and_signature() {
    let engine = start_with(config()).await;
    let mut probe = Probe::start(Answer::json(r#"{"ok":true,"n":1}"#)).await;
    let mut owner = Worker::connect(&engine).await;
    let mut caller = Worker::connect(&engine).await;
    let invocation = json!({"url": probe.url("/hook?x=1"), "method": "PUT", "timeout_ms": 3000,
                            "headers": {"X-Custom": "yes", "x-iii-timestamp": "forged"},
                            "auth": {"type": "hmac", "secret_key": SECRET_VAR}});
    register(&mut owner, "ext::hook", invocation).await;
    let before = unix_now();
    let r = caller.call("ext::hook", json!({"hello": "world"})).await;
    assert_eq!(r["result"], json!({"ok": true, "n": 1}), "{r}");
    let seen = probe.next().await;
    assert_eq!(seen.method, http::Method::PUT);
    assert_eq!(seen.uri.to_string(), "/hook?x=1", "origin form");
    let body: Value = serde_json::from_slice(&seen.body).expect("a JSON body");
    assert_eq!(
        body,
        json!({"_caller_worker_id": caller.id, "hello": "world"})
    );
    let header = |name: &str| {
        seen.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_else(|| panic!("no {name} in {:?}", seen.headers))
            .to_owned()
    };
    assert_eq!(header("content-type"), "application/json");
    assert_eq!(header("x-iii-function-path"), "ext::hook");
    assert_eq!(header("x-custom"), "yes");
    assert_eq!(header("host"), probe.addr.to_string());
    assert_eq!(
        header("x-iii-invocation-id"),
        r["invocation_id"].as_str().expect("an id"),
        "the caller's invocation id travels on"
    );
    let timestamp: u64 = header("x-iii-timestamp").parse().expect("Unix seconds");
    assert!((before..=unix_now()).contains(&timestamp), "{timestamp}");
    let mut mac = Hmac::<Sha256>::new_from_slice(secret().as_bytes()).expect("a key");
    mac.update(format!("{timestamp}:{}", BASE64.encode(&seen.body)).as_bytes());
    let expected = format!("sha256={}", HEXLOWER.encode(&mac.finalize().into_bytes()));
    assert_eq!(header("x-iii-signature"), expected);
    assert!(
        owner.try_recv(Duration::from_millis(200)).await.is_none(),
        "the owner is not asked: the engine calls the URL"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn bearer_and_api_key_auth_send_their_headers() {
    let engine = start_with(config()).await;
    let mut probe = Probe::start(Answer::json("{}")).await;
    let mut w = Worker::connect(&engine).await;
    let bearer =
        json!({"url": probe.url("/b"), "auth": {"type": "bearer", "token_key": SECRET_VAR}});
    register(&mut w, "ext::bearer", bearer).await;
    let key = json!({"url": probe.url("/k"),
                     "auth": {"type": "api_key", "header": "X-Key", "value_key": SECRET_VAR}});
    register(&mut w, "ext::key", key).await;
    w.call("ext::bearer", json!(1)).await;
    let seen = probe.next().await;
    assert_eq!(seen.method, http::Method::POST, "the default method");
    assert_eq!(
        seen.headers["authorization"],
        format!("Bearer {}", secret())
    );
    assert!(seen.headers.get("x-iii-signature").is_none());
    w.call("ext::key", json!(2)).await;
    assert_eq!(probe.next().await.headers["x-key"], secret().as_str());
    engine.shutdown().await;
}

#[tokio::test]
async fn answers_map_to_results_and_errors_as_on_the_real_engine() {
    let engine = start_with(config()).await;
    let mut w = Worker::connect(&engine).await;
    let cases = [
        (204, "", json!({"result": null})),
        (
            500,
            r#"{"error":{"code":"UPSTREAM","message":"down"}}"#,
            json!({"error": {"code": "UPSTREAM", "message": "down"}}),
        ),
        (
            404,
            "no such page",
            json!({"error": {"code": "http_error", "message": "HTTP 404 Not Found"}}),
        ),
        (302, "<html>moved</html>", json!({"result": null})),
    ];
    let mut probes = Vec::new();
    for (n, (status, body, expected)) in cases.into_iter().enumerate() {
        let probe = Probe::start(Answer {
            status,
            body,
            delay: Duration::ZERO,
        })
        .await;
        let id = format!("ext::case{n}");
        register(&mut w, &id, json!({"url": probe.url("/")})).await;
        let r = w.call(&id, json!({})).await;
        for (key, value) in expected.as_object().expect("an object") {
            assert_eq!(&r[key], value, "{status}: {r}");
        }
        probes.push(probe);
    }
    let probe = Probe::start(Answer::json("not json")).await;
    register(&mut w, "ext::garbled", json!({"url": probe.url("/")})).await;
    let r = w.call("ext::garbled", json!({})).await;
    assert_eq!(r["error"]["code"], "invalid_response", "{r}");
    engine.shutdown().await;
}

#[tokio::test]
async fn a_slow_target_fails_at_its_timeout_with_http_request_failed() {
    let engine = start_with(config()).await;
    let slow = Answer {
        status: 200,
        body: "{}",
        delay: Duration::from_secs(30),
    };
    let mut probe = Probe::start(slow).await;
    let mut w = Worker::connect(&engine).await;
    register(
        &mut w,
        "ext::slow",
        json!({"url": probe.url("/"), "timeout_ms": 200}),
    )
    .await;
    let started = Instant::now();
    let r = w.call("ext::slow", json!({})).await;
    assert_eq!(r["error"]["code"], "http_request_failed", "{r}");
    let message = r["error"]["message"].as_str().unwrap_or("");
    assert!(message.contains("no answer within 200 ms"), "{message}");
    assert!(
        started.elapsed() < Duration::from_secs(5),
        "{:?}",
        started.elapsed()
    );
    probe.next().await;
    engine.shutdown().await;
}

/// Registers `invocation` for `id` and returns the refusal's message, after checking that the
/// function is not callable.
async fn refused(w: &mut Worker, id: &str, invocation: Value) -> String {
    w.send(json!({"type": "registerfunction", "id": id, "invocation": invocation}))
        .await;
    let frame = w.recv().await;
    assert_eq!(frame["type"], "registrationrejected", "{frame}");
    assert_eq!(
        frame["code"], "FUNCTION_NAMESPACE_CONFLICT",
        "the one code SDKs survive"
    );
    assert_eq!(frame["function_id"], id);
    let r = w.call(id, json!({})).await;
    assert_eq!(r["error"]["code"], "function_not_found", "{r}");
    frame["message"].as_str().unwrap_or("").to_owned()
}

#[tokio::test]
async fn the_url_policy_and_missing_secrets_refuse_a_registration() {
    let engine = start_with(config()).await;
    let mut w = Worker::connect(&engine).await;
    let cases = [
        (
            json!({"url": "http://localhost:9/"}),
            "URL not in allowlist",
        ),
        (json!({"url": "https://127.0.0.1/"}), "no TLS client"),
        (
            json!({"url": "http://127.0.0.1:9/", "auth": {"type": "bearer", "token_key": "III_NO_SUCH_VAR"}}),
            "token_not_found: Token not found: III_NO_SUCH_VAR",
        ),
        (
            json!({"url": "http://127.0.0.1:9/", "method": "TRACE"}),
            "invalid_invocation",
        ),
        (json!({"method": "POST"}), "invalid_invocation"),
    ];
    for (n, (invocation, why)) in cases.into_iter().enumerate() {
        let message = refused(&mut w, &format!("ext::bad{n}"), invocation).await;
        assert!(message.contains(why), "{why:?} not in {message:?}");
    }
    engine.shutdown().await;
    // The real engine's defaults: HTTPS only, no private addresses.
    let engine = start_with(common::config()).await;
    let mut w = Worker::connect(&engine).await;
    let message = refused(&mut w, "ext::plain", json!({"url": "http://127.0.0.1:9/"})).await;
    assert!(message.contains("HTTPS is required"), "{message}");
    engine.shutdown().await;
    let open = EngineConfig {
        http_functions: UrlPolicy {
            require_https: false,
            ..UrlPolicy::default()
        },
        ..common::config()
    };
    let engine = start_with(open).await;
    let mut w = Worker::connect(&engine).await;
    let message = refused(&mut w, "ext::local", json!({"url": "http://127.0.0.1:9/"})).await;
    assert!(message.contains("Private IP blocked"), "{message}");
    let message = refused(&mut w, "ext::named", json!({"url": "http://localhost:9/"})).await;
    assert!(
        message.contains("Private IP blocked"),
        "a name resolving to loopback: {message}"
    );
    engine.shutdown().await;
}

#[tokio::test]
async fn an_http_function_belongs_to_its_worker_and_is_listed() {
    let engine = start_with(config()).await;
    let mut probe = Probe::start(Answer::json("{}")).await;
    let mut owner = Worker::connect(&engine).await;
    let mut other = Worker::connect(&engine).await;
    let invocation = json!({"url": probe.url("/")});
    register(&mut owner, "ext::owned", invocation.clone()).await;
    let listed = other.call("engine::functions::list", json!({})).await;
    let functions = listed["result"]["functions"].as_array().expect("a list");
    assert!(
        functions.iter().any(|f| f["function_id"] == "ext::owned"),
        "{listed}"
    );
    other
        .send(json!({"type": "registerfunction", "id": "ext::owned", "invocation": invocation}))
        .await;
    let rejected = other.recv().await;
    assert_eq!(rejected["type"], "registrationrejected", "{rejected}");
    assert_eq!(rejected["owner_worker_id"], owner.id);
    owner
        .send(json!({"type": "unregisterfunction", "id": "ext::owned"}))
        .await;
    owner.sync().await;
    let r = other.call("ext::owned", json!({})).await;
    assert_eq!(r["error"]["code"], "function_not_found", "{r}");
    assert!(!probe.got_one_within(Duration::from_millis(300)).await);
    // Registered again, and gone with its worker.
    register(&mut owner, "ext::owned", json!({"url": probe.url("/")})).await;
    owner.close().await;
    let r = other.call("ext::owned", json!({})).await;
    assert_eq!(r["error"]["code"], "function_not_found", "{r}");
    engine.shutdown().await;
}

#[tokio::test]
async fn an_http_route_can_fire_an_http_function() {
    let engine = start_with(config()).await;
    let answer = Answer::json(r#"{"status_code":201,"body":{"made":true}}"#);
    let mut probe = Probe::start(answer).await;
    let mut w = Worker::connect(&engine).await;
    register(&mut w, "ext::orders", json!({"url": probe.url("/orders")})).await;
    let route = json!({"api_path": "orders", "http_method": "POST"});
    w.register_trigger("http", "ext::orders", route).await;
    w.sync().await;
    let resp = post_json(&engine, "/orders", &json!({"item": "tea"})).await;
    assert_eq!(resp.status, 201, "{resp:?}");
    assert_eq!(resp.json(), json!({"made": true}));
    let seen = probe.next().await;
    let envelope: Value = serde_json::from_slice(&seen.body).expect("JSON");
    assert_eq!(envelope["body"], json!({"item": "tea"}));
    assert_eq!(envelope["path"], "orders");
    engine.shutdown().await;
}
