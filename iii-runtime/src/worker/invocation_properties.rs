//! Property tests of the envelope decision against an oracle built with `serde_json`: an
//! invocation is an HTTP request exactly when its metadata carries the connection's own
//! stamp of an `http` trigger and its payload reads as the envelope, whatever the order of the
//! members and wherever a `_caller_worker_id` sits; anything else is the payload as it came
//! (less the caller id). No input panics.

use iii_protocol::http::HttpRequest;
use iii_protocol::{InvokeFunction, RawValue};
use proptest::prelude::*;
use serde_json::{Map, Value, json};

use super::*;
use crate::stamp::Secret;
use crate::trigger::TriggerKind;

/// The envelope's members, and look-alikes, in an order the test picks.
fn members() -> impl Strategy<Value = Vec<(String, Value)>> {
    let pool = vec![
        ("query_params".to_owned(), json!({"q": "1"})),
        ("path_params".to_owned(), json!({"id": "7"})),
        (
            "headers".to_owned(),
            json!({"content-type": "application/json", "x-admin": "yes"}),
        ),
        ("path".to_owned(), json!("/things/:id")),
        ("method".to_owned(), json!("POST")),
        ("body".to_owned(), json!({"a": 1})),
        (
            "trigger".to_owned(),
            json!({"type": "http", "path": "/things/:id", "method": "POST"}),
        ),
        ("_caller_worker_id".to_owned(), json!("w-caller")),
        (
            "extra".to_owned(),
            json!([1, {"trigger": {"type": "http"}}]),
        ),
        ("headers".to_owned(), json!("not a map")),
        (
            "headers".to_owned(),
            json!({"traceparent": "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01", "baggage": "k=v"}),
        ),
        ("query_params".to_owned(), json!({"q": 1})),
        ("trigger".to_owned(), json!({"path": "/no/type"})),
        (
            "request_body".to_owned(),
            json!({"channel_id": "c1", "access_key": "k1", "direction": "read"}),
        ),
        ("response".to_owned(), json!({"channel_id": "c2"})),
        ("body".to_owned(), json!(null)),
    ];
    prop::sample::subsequence(pool, 0..=16).prop_shuffle()
}

#[derive(Debug, Clone, Copy)]
enum Meta {
    None,
    OwnHttp,
    OwnCron,
    Foreign,
    Forged,
    User,
}

fn meta() -> impl Strategy<Value = Meta> {
    prop::sample::select(vec![
        Meta::None,
        Meta::OwnHttp,
        Meta::OwnCron,
        Meta::Foreign,
        Meta::Forged,
        Meta::User,
    ])
}

fn text_of(members: &[(String, Value)]) -> String {
    let parts: Vec<String> = members
        .iter()
        .map(|(k, v)| format!("{}:{v}", Value::from(k.as_str())))
        .collect();
    format!("{{{}}}", parts.join(","))
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(1000))]

    #[test]
    fn only_the_workers_own_http_stamp_makes_an_envelope(members in members(), meta in meta()) {
        let secret = Secret::new();
        let metadata = match meta {
            Meta::None => None,
            Meta::OwnHttp => Some(secret.stamp("http", None)),
            Meta::OwnCron => Some(secret.stamp("cron", None)),
            Meta::Foreign => Some(Secret::new().stamp("http", None)),
            Meta::Forged => Some(json!({"__iii": {"key": "0", "type": "http"}})),
            Meta::User => Some(json!({"tenant": "acme"})),
        };
        let text = text_of(&members);
        let data = RawValue::from_string(text.clone()).expect("valid JSON");
        let mut call = InvokeFunction::new("f", data);
        call.metadata = metadata;
        let mut inv = Invocation::new(call.into(), Worker::with_config(crate::WorkerConfig::default()), &secret);

        // The oracle: serde_json's reading of the same text (last of duplicate keys wins).
        let oracle: Map<String, Value> = serde_json::from_str(&text).expect("an object");
        let envelope = serde_json::from_str::<HttpRequest>(&text).ok();
        let http = matches!(meta, Meta::OwnHttp) && envelope.is_some();
        prop_assert_eq!(inv.http().is_some(), http);
        prop_assert_eq!(inv.context().trigger() == TriggerKind::Http, matches!(meta, Meta::OwnHttp));
        if http {
            let envelope = envelope.expect("checked");
            let header = |name: &str| envelope.headers.get(name).map(String::as_str);
            prop_assert_eq!(inv.http_route(), Some((envelope.method.as_str(), envelope.path.as_str())));
            prop_assert_eq!(inv.http_trace_headers(), Some((header("traceparent"), header("baggage"))));
            let req = inv.http().expect("checked");
            prop_assert_eq!(&req.headers, &envelope.headers);
            prop_assert_eq!(&req.query_params, &envelope.query_params);
            prop_assert_eq!(&req.path_params, &envelope.path_params);
            prop_assert_eq!(&req.trigger, &envelope.trigger);
            prop_assert_eq!(&req.request_body, &envelope.request_body);
            prop_assert_eq!(&req.response, &envelope.response);
            prop_assert_eq!(req.body.get(), "null");
            let body: Value = inv.input().expect("the body");
            prop_assert_eq!(&body, oracle.get("body").unwrap_or(&Value::Null));
            let ctx = inv.take_context();
            prop_assert_eq!(ctx.caller_worker_id(), None);
        } else {
            let mut expected = oracle.clone();
            let caller = expected.remove("_caller_worker_id");
            let input: Value = inv.input().expect("the payload");
            prop_assert_eq!(input, Value::Object(expected));
            let want = caller.as_ref().and_then(Value::as_str);
            prop_assert_eq!(inv.context().caller_worker_id(), want);
        }
    }
}
