//! Macro-declared functions end to end through the engine: typed calls between functions,
//! extractors, `http::Response`, shared state, per-function options.

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use iii::http;
use iii::prelude::*;
use iii_test_support::http::Client;
use serde_json::json;

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
struct AddInput {
    a: i64,
    b: i64,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct AddOutput {
    sum: i64,
}

/// Adds two numbers.
#[iii::function("typed.add")]
async fn add(input: AddInput) -> iii::Result<AddOutput> {
    Ok(AddOutput {
        sum: input.a + input.b,
    })
}

/// Calls `typed.add` through the engine with compile-checked types.
#[iii::function("typed.double_sum")]
#[iii::http(path = "double/:a/:b", method = "GET")]
async fn double_sum(Path((a, b)): Path<(i64, i64)>, ctx: Context) -> iii::Result<AddOutput> {
    let out: AddOutput = ctx.call::<add>(AddInput { a, b }).await?;
    Ok(AddOutput { sum: out.sum * 2 })
}

#[derive(Debug, Deserialize, JsonSchema)]
struct Note {
    text: String,
}

#[derive(Debug, Deserialize)]
struct Page {
    page: Option<u32>,
}

#[derive(Debug, Serialize, Deserialize, JsonSchema)]
struct Echo {
    id: u64,
    text: String,
    page: Option<u32>,
    agent: Option<String>,
    uri: String,
}

#[iii::function("typed.echo")]
#[iii::http(path = "notes/:id", method = "POST")]
#[iii::http(path = "notes/:id", method = "PUT")]
async fn echo(
    request: http::Request<Note>,
    Path(id): Path<u64>,
    Query(query): Query<Page>,
    headers: Headers,
) -> http::Response<Echo> {
    let body = Echo {
        id,
        text: request.body().text.clone(),
        page: query.page,
        agent: headers.get("User-Agent").map(str::to_owned),
        uri: request.uri().to_string(),
    };
    http::Response::builder()
        .status(201)
        .header("x-note-id", id.to_string())
        .body(body)
        .unwrap_or_else(|_| {
            http::Response::new(Echo {
                id,
                text: String::new(),
                page: None,
                agent: None,
                uri: String::new(),
            })
        })
}

/// Shared state handed to the worker (by [`declared::states`](crate::declared::states)).
#[derive(Debug, Default)]
pub(crate) struct Counter(AtomicU64);

#[iii::function("typed.count")]
fn count(counter: State<Counter>) -> u64 {
    let Counter(n) = &*counter;
    n.fetch_add(1, Ordering::SeqCst) + 1
}

#[iii::function("typed.slow", timeout = "100ms")]
async fn slow() -> iii::Result<()> {
    tokio::time::sleep(Duration::from_secs(5)).await;
    Ok(())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_call_between_two_functions_through_the_engine() {
    let t = crate::declared::start().await;

    let out = t
        .call::<add>(AddInput { a: 20, b: 1 })
        .await
        .expect("typed call");
    assert_eq!(out.sum, 21);
    assert_eq!(<add as TypedFunction>::ID, "typed.add");

    // The HTTP function calls `typed.add` with `ctx.call::<add>`.
    let doubled = t.http().get("/double/2/3").send().await.expect("http");
    assert_eq!(doubled.status, 200, "{doubled:?}");
    assert_eq!(doubled.json(), json!({"sum": 10}));

    let bad = t.http().get("/double/2/x").send().await.expect("http");
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(bad.json()["error"]["code"], "invalid_input");
    assert!(
        bad.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("cannot parse `x` as an integer")),
        "{bad:?}"
    );

    t.worker()
        .call_void::<add>(AddInput { a: 1, b: 1 })
        .await
        .expect("fire and forget");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn request_response_and_extractors_over_http() {
    let t = crate::declared::start().await;
    let request = http::Request::builder()
        .method("POST")
        .uri("/notes/7?page=3")
        .header("content-type", "application/json")
        .header("user-agent", "iii-tests")
        .body(r#"{"text":"hi"}"#)
        .expect("request");
    let echoed = Client::new(t.http().addr())
        .send(request)
        .await
        .expect("http");
    assert_eq!(echoed.status, 201, "{echoed:?}");
    assert_eq!(echoed.header("x-note-id"), Some("7"));
    assert_eq!(
        echoed.json(),
        json!({"id": 7, "text": "hi", "page": 3, "agent": "iii-tests", "uri": "/notes/7?page=3"})
    );

    let bad_id = t
        .http()
        .put("/notes/seven")
        .json(&json!({"text": "x"}))
        .send()
        .await
        .expect("http");
    assert_eq!(bad_id.status, 400, "{bad_id:?}");

    // Sync handler on the blocking pool, with shared state.
    let first: u64 = t.call::<count>(()).await.expect("count");
    let second: u64 = t.call::<count>(()).await.expect("count");
    assert_eq!(second, first + 1);

    match t.call::<slow>(()).await {
        Err(Error::Remote { body, .. }) => assert_eq!(body.code, "timeout", "{body:?}"),
        other => panic!("expected the function's timeout, got {other:?}"),
    }
}

#[test]
fn a_missing_state_is_reported_before_connecting() {
    let worker = Worker::with_config(iii::WorkerConfig::default());
    let e = iii::register_declared(&worker).expect_err("Counter is missing");
    let message = e.to_string();
    assert!(
        message.contains("function `typed.count` at tests/tests/integration/macros_typed.rs:")
            && message.contains("takes `State<integration::macros_typed::Counter>`")
            && message.contains("App::new().state(value)"),
        "{message}"
    );
}
