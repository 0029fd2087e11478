//! A handler's error type keeps the status and code its conversion into `iii::Error` gives:
//! a user type with `impl From<MyError> for iii::Error`, `anyhow::Error` (an `iii::Error`
//! inside it too), `Box<dyn Error>` with or without `Send + Sync`, and `String`; over HTTP and
//! for a direct call.

use iii::prelude::*;

use crate::declared;

#[derive(Debug)]
enum ShopError {
    OutOfStock(String),
    Banned,
}

impl From<ShopError> for iii::Error {
    fn from(e: ShopError) -> Self {
        match e {
            ShopError::OutOfStock(item) => iii::Error::new("out_of_stock", 409, item),
            ShopError::Banned => iii::Error::forbidden("banned"),
        }
    }
}

#[derive(Deserialize, JsonSchema)]
struct Order {
    item: String,
}

#[iii::function("shop.order")]
#[iii::http(path = "order", method = "POST")]
async fn order(input: Order) -> Result<u32, ShopError> {
    match input.item.as_str() {
        "banned" => Err(ShopError::Banned),
        item => Err(ShopError::OutOfStock(format!("no {item} left"))),
    }
}

#[iii::function("err.anyhow")]
#[iii::http(path = "anyhow", method = "POST")]
async fn with_anyhow(input: Order) -> anyhow::Result<u32> {
    if input.item == "typed" {
        return Err(iii::Error::unauthorized("log in first").into());
    }
    anyhow::bail!("anyhow says no to {}", input.item)
}

#[iii::function("err.box_send")]
#[iii::http(path = "box-send", method = "POST")]
async fn box_send() -> Result<u32, Box<dyn std::error::Error + Send + Sync>> {
    Err("boxed and sendable".into())
}

#[iii::function("err.box_local")]
#[iii::http(path = "box-local", method = "POST")]
async fn box_local() -> Result<u32, Box<dyn std::error::Error>> {
    Err("boxed, not Send".into())
}

#[iii::function("err.string")]
#[iii::http(path = "string", method = "POST")]
fn string() -> Result<u32, String> {
    Err("a plain string".to_owned())
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn error_types_keep_their_status_and_code() {
    let t = declared::start().await;

    for (path, body, status, code, message) in [
        (
            "/order",
            r#"{"item":"tea"}"#,
            409,
            "out_of_stock",
            "no tea left",
        ),
        ("/order", r#"{"item":"banned"}"#, 403, "forbidden", "banned"),
        (
            "/anyhow",
            r#"{"item":"typed"}"#,
            401,
            "unauthorized",
            "log in first",
        ),
        (
            "/anyhow",
            r#"{"item":"x"}"#,
            500,
            "invocation_failed",
            "anyhow says no to x",
        ),
        (
            "/box-send",
            "{}",
            500,
            "invocation_failed",
            "boxed and sendable",
        ),
        (
            "/box-local",
            "{}",
            500,
            "invocation_failed",
            "boxed, not Send",
        ),
        ("/string", "{}", 500, "invocation_failed", "a plain string"),
    ] {
        let r = t
            .http()
            .post(path)
            .header("content-type", "application/json")
            .body(body)
            .send()
            .await
            .expect("http");
        assert_eq!(r.status, status, "{path} {body}: {r:?}");
        let e = &r.json()["error"];
        assert_eq!(e["code"], code, "{path} {body}: {r:?}");
        assert_eq!(e["message"], message, "{path} {body}: {r:?}");
    }

    // A direct call gets the same code in the protocol's error body.
    let e = t
        .invoke("shop.order", serde_json::json!({"item": "tea"}))
        .await
        .expect_err("fails");
    assert_eq!(e.code(), "out_of_stock", "{e}");
}
