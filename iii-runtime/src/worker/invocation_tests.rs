//! Unit tests of input decoding: HTTP envelopes, the caller id, error paths.

use iii_protocol::{InvokeFunction, raw};
use serde::Deserialize;
use serde_json::json;

use super::*;
use crate::stamp::Secret;

#[derive(Debug, Deserialize, PartialEq)]
#[serde(deny_unknown_fields)]
struct Strict {
    a: i64,
    b: i64,
}

fn invocation(data: serde_json::Value) -> Invocation {
    invocation_with(data, None, &Secret::new())
}

fn invocation_with(
    data: serde_json::Value,
    metadata: Option<serde_json::Value>,
    secret: &Secret,
) -> Invocation {
    let mut call = InvokeFunction::new("f", raw::to_raw(&data).expect("raw"));
    call.metadata = metadata;
    Invocation::new(
        call.into(),
        Worker::with_config(crate::WorkerConfig::default()),
        secret,
    )
}

/// As one of the worker's own `http` triggers delivers it: stamped with the secret.
fn http_invocation(data: serde_json::Value) -> Invocation {
    let secret = Secret::new();
    let metadata = secret.stamp("http", None);
    invocation_with(data, Some(metadata), &secret)
}

fn envelope(body: serde_json::Value, content_type: &str) -> serde_json::Value {
    json!({
        "query_params": {"q": "1"}, "path_params": {"id": "7"},
        "headers": {"content-type": content_type, "content-length": "5"},
        "path": "/things/:id", "method": "POST", "body": body,
        "trigger": {"type": "http", "path": "/things/:id", "method": "POST"}
    })
}

#[test]
fn plain_input_deserializes_directly() {
    let mut inv = invocation(json!({"a": 1, "b": 2}));
    assert_eq!(inv.input::<Strict>().expect("input"), Strict { a: 1, b: 2 });
    assert_eq!(inv.context().trigger(), TriggerKind::Call);
    assert!(inv.http().is_none());
}

#[test]
fn caller_worker_id_is_removed_and_exposed() {
    let mut inv = invocation(json!({"a": 1, "b": 2, "_caller_worker_id": "w-1"}));
    assert_eq!(inv.input::<Strict>().expect("input"), Strict { a: 1, b: 2 });
    assert_eq!(inv.context().caller_worker_id(), Some("w-1"));
}

#[test]
fn http_envelope_is_unwrapped() {
    let mut inv = http_invocation(envelope(json!({"a": 3, "b": 4}), "application/json"));
    assert_eq!(inv.input::<Strict>().expect("input"), Strict { a: 3, b: 4 });
    assert_eq!(inv.context().trigger(), TriggerKind::Http);
    let req = inv.http().expect("http");
    assert_eq!(req.path_params["id"], "7");
    assert_eq!(req.query_params["q"], "1");
}

#[test]
fn look_alike_input_is_not_an_envelope() {
    // An object with a `trigger` member that is not the engine's HTTP envelope stays input.
    let mut inv = invocation(json!({"trigger": {"type": "cron"}, "path_params": {}}));
    let v: serde_json::Value = inv.input().expect("input");
    assert_eq!(v["trigger"]["type"], "cron");
    assert_eq!(inv.context().trigger(), TriggerKind::Call);
}

#[test]
fn errors_name_the_field() {
    let mut inv = invocation(json!({"a": 1}));
    let e = inv.input::<Strict>().expect_err("missing b");
    assert_eq!(e.code(), "invalid_input");
    assert_eq!(e.message(), "missing field `b`");

    let mut inv = invocation(json!({"a": 1, "b": "two"}));
    let e = inv.input::<Strict>().expect_err("wrong type");
    assert_eq!(
        e.message(),
        "`b`: invalid type: string \"two\", expected i64"
    );

    let mut inv = invocation(json!({"a": 1, "b": 2, "c": 3}));
    let e = inv.input::<Strict>().expect_err("unknown field");
    assert!(e.message().contains("unknown field `c`"), "{e}");
}

#[test]
fn missing_http_body_is_explained() {
    let mut inv = http_invocation(envelope(serde_json::Value::Null, "application/json"));
    let e = inv.input::<Strict>().expect_err("no body");
    assert_eq!(e.status(), 400);
    assert_eq!(e.message(), "the request body is not valid JSON");

    let mut inv = http_invocation(envelope(serde_json::Value::Null, "text/plain"));
    let e = inv.input::<Strict>().expect_err("not json");
    assert!(
        e.message().contains("content-type: application/json"),
        "{e}"
    );

    // A handler without input (unit) accepts a request without a body.
    let mut inv = http_invocation(envelope(serde_json::Value::Null, "text/plain"));
    inv.input::<()>().expect("unit input");
}

#[test]
fn an_envelope_without_the_workers_stamp_is_a_plain_payload() {
    let secret = Secret::new();
    let forged = [
        None,
        Some(json!({"tenant": "acme"})),
        Some(Secret::new().stamp("http", None)),
        Some(json!({"__iii": {"key": "guess", "type": "http"}})),
        // The worker's own stamp, but of another trigger type.
        Some(secret.stamp("subscribe", None)),
    ];
    for metadata in forged {
        let mut data = envelope(json!({"a": 3, "b": 4}), "application/json");
        data["_caller_worker_id"] = json!("w-evil");
        let mut inv = invocation_with(data, metadata.clone(), &secret);
        assert!(inv.http().is_none(), "{metadata:?}");
        assert_ne!(inv.context().trigger(), TriggerKind::Http);
        let v: serde_json::Value = inv.input().expect("input");
        assert_eq!(v["headers"]["content-type"], "application/json");
        assert!(v.get("_caller_worker_id").is_none());
        assert_eq!(inv.context().caller_worker_id(), Some("w-evil"));
    }
}

#[test]
fn the_stamp_gives_the_kind_and_the_users_metadata_back() {
    let secret = Secret::new();
    for (ty, kind) in [
        ("cron", TriggerKind::Cron),
        ("subscribe", TriggerKind::Subscribe),
        ("durable:subscriber", TriggerKind::Queue),
        ("state", TriggerKind::Kv),
        ("stream", TriggerKind::Stream),
        ("engine::workers-available", TriggerKind::Other),
    ] {
        let metadata = secret.stamp(ty, Some(&json!({"tenant": "acme"})));
        let inv = invocation_with(json!({"trigger": "cron"}), Some(metadata), &secret);
        assert_eq!(inv.context().trigger(), kind, "{ty}");
        assert_eq!(inv.context().metadata(), Some(&json!({"tenant": "acme"})));
        assert!(inv.http().is_none());
    }
}

#[test]
fn no_body_for_an_input_whose_fields_all_have_defaults_is_the_empty_object() {
    #[derive(Debug, Deserialize, PartialEq, Default)]
    #[serde(default)]
    struct Paging {
        page: u32,
        size: Option<u32>,
    }
    let mut data = envelope(serde_json::Value::Null, "text/plain");
    data["headers"] = json!({});
    let mut inv = http_invocation(data.clone());
    assert_eq!(inv.input::<Paging>().expect("defaults"), Paging::default());
    // A body that is there but not JSON is still an error.
    data["headers"] = json!({"content-type": "application/json", "content-length": "3"});
    let mut inv = http_invocation(data.clone());
    assert_eq!(inv.input::<Paging>().expect_err("bad json").status(), 400);
    // And a type with a required field still needs a body.
    data["headers"] = json!({});
    let mut inv = http_invocation(data);
    assert_eq!(inv.input::<Strict>().expect_err("required").status(), 400);
}
