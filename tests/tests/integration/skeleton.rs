//! The walking skeleton end to end: a typed worker served through the development engine over
//! real sockets.

use std::time::Duration;

use iii::prelude::*;

use crate::declared;

#[derive(Deserialize, JsonSchema)]
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
#[iii::function("test.add")]
#[iii::http(path = "add", method = "POST")]
async fn add(input: AddInput) -> iii::Result<AddOutput> {
    Ok(AddOutput {
        sum: input.a + input.b,
    })
}

#[iii::function("test.fail")]
#[iii::http(path = "fail", method = "POST")]
async fn fail() -> iii::Result<()> {
    Err(Error::internal("the disk is on fire"))
}

#[iii::function("test.missing")]
#[iii::http(path = "things/:id", method = "GET")]
async fn missing(Path(id): Path<String>, ctx: Context) -> iii::Result<AddOutput> {
    Err(Error::not_found(format!(
        "no thing {id} here (function {})",
        ctx.function_id()
    )))
}

#[iii::function("test.panics")]
#[iii::http(path = "panic", method = "POST")]
async fn panics() -> iii::Result<AddOutput> {
    panic!("handler bug")
}

#[iii::function("test.io_error")]
fn io_error(input: AddInput) -> Result<AddOutput, std::io::Error> {
    Err(std::io::Error::other(format!(
        "cannot add {} and {}",
        input.a, input.b
    )))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_worker_served_over_http() {
    let t = declared::start().await;

    // Ready means every route is registered: no polling needed.
    let ok = t
        .http()
        .post("/add")
        .header("content-type", "application/json")
        .body(r#"{"a":2,"b":3}"#)
        .send()
        .await
        .expect("http");
    assert_eq!(ok.status, 200, "{ok:?}");
    assert_eq!(ok.json(), serde_json::json!({"sum": 5}));
    assert_eq!(ok.header("content-type"), Some("application/json"));

    let bad_json = t
        .http()
        .post("/add")
        .header("content-type", "application/json")
        .body(r#"{"a":2,"#)
        .send()
        .await
        .expect("http");
    assert_eq!(bad_json.status, 400, "{bad_json:?}");
    assert_eq!(bad_json.json()["error"]["code"], "invalid_input");
    assert!(
        bad_json.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("not valid JSON")),
        "{bad_json:?}"
    );

    let missing_b = t
        .http()
        .post("/add")
        .header("content-type", "application/json")
        .body(r#"{"a":2}"#)
        .send()
        .await
        .expect("http");
    assert_eq!(missing_b.status, 400, "{missing_b:?}");
    assert_eq!(missing_b.json()["error"]["code"], "invalid_input");
    assert!(
        missing_b.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("missing field `b`")),
        "{missing_b:?}"
    );

    let wrong_type = t
        .http()
        .post("/add")
        .header("content-type", "application/json")
        .body(r#"{"a":2,"b":"x"}"#)
        .send()
        .await
        .expect("http");
    assert_eq!(wrong_type.status, 400);
    assert!(
        wrong_type.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("`b`") && m.contains("invalid type")),
        "{wrong_type:?}"
    );

    let no_route = t
        .http()
        .post("/nowhere")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("http");
    assert_eq!(no_route.status, 404);
    assert_eq!(
        no_route.json(),
        serde_json::json!({"error": {"code": "NOT_FOUND", "message": "Not Found"}})
    );

    let failed = t
        .http()
        .post("/fail")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("http");
    assert_eq!(failed.status, 500, "{failed:?}");
    assert_eq!(failed.json()["error"]["code"], "invocation_failed");
    assert_eq!(failed.json()["error"]["message"], "the disk is on fire");

    let not_found = t.http().get("/things/7").send().await.expect("http");
    assert_eq!(not_found.status, 404, "{not_found:?}");
    assert_eq!(not_found.json()["error"]["code"], "not_found");
    assert_eq!(
        not_found.json()["error"]["message"],
        "no thing 7 here (function test.missing)"
    );

    let panicked = t
        .http()
        .post("/panic")
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .expect("http");
    assert_eq!(panicked.status, 500, "{panicked:?}");
    assert!(
        panicked.json()["error"]["message"]
            .as_str()
            .is_some_and(|m| m.contains("handler bug")),
        "{panicked:?}"
    );

    // The worker survived all of the above.
    let again = t
        .http()
        .post("/add")
        .header("content-type", "application/json")
        .body(r#"{"a":40,"b":2}"#)
        .send()
        .await
        .expect("http");
    assert_eq!(again.json(), serde_json::json!({"sum": 42}));

    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn worker_calls_functions_directly() {
    let t = declared::start().await;
    let worker = t.worker();

    // A direct call carries the engine's `_caller_worker_id`, which a strict input type must
    // not see.
    let out: AddOutput = worker
        .invoke("test.add", serde_json::json!({"a": 5, "b": 3}))
        .await
        .expect("invoke");
    assert_eq!(out.sum, 8);

    match worker
        .invoke::<AddOutput>("test.io_error", serde_json::json!({"a": 1, "b": 2}))
        .await
    {
        Err(Error::Remote { body, .. }) => {
            assert_eq!(body.code, "invocation_failed");
            assert_eq!(body.message, "cannot add 1 and 2");
        }
        other => panic!("unexpected {other:?}"),
    }

    match worker
        .invoke::<AddOutput>("test.add", serde_json::json!({"a": 1}))
        .await
    {
        Err(Error::Remote { body, .. }) => {
            assert_eq!(body.code, "invalid_input");
            assert!(body.message.contains("missing field `b`"), "{body:?}");
        }
        other => panic!("unexpected {other:?}"),
    }

    match worker
        .invoke::<serde_json::Value>("no.such.function", serde_json::json!({}))
        .await
    {
        Err(Error::Remote { body, .. }) => assert_eq!(body.code, "function_not_found"),
        other => panic!("unexpected {other:?}"),
    }

    let timeout = worker
        .invoke_with::<AddOutput>(
            "test.add",
            serde_json::json!({"a": 1, "b": 1}),
            iii::CallOptions {
                timeout: Some(Duration::from_secs(5)),
                ..Default::default()
            },
        )
        .await
        .expect("answers within the timeout");
    assert_eq!(timeout.sum, 2);

    t.shutdown().await;
}
