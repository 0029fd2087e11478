//! `examples/cart.rs` run as a user runs it, driven over HTTP: carts in the engine's
//! key/value store, their changes on the `carts` stream, and the order placed by the durable
//! queue consumer after a checkout.

use std::time::Duration;

use iii::Worker;
use iii_tests::{engine, eventually, example, http, worker_config};
use serde_json::{Value, json};

use crate::examples::STOP;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cart_example_keeps_carts_streams_changes_and_places_orders() {
    let engine = engine().await;
    let example = example("cart", &engine);
    let addr = engine.http_addr();
    let post = |path: &'static str, body: Option<&'static str>| http(addr, "POST", path, body);

    let added = eventually(Duration::from_secs(20), || {
        post(
            "/carts/c1/items",
            Some(r#"{"sku":"apple","quantity":3,"price_cents":50}"#),
        )
    })
    .await;
    assert_eq!(added.status, 200, "{added:?}");
    assert_eq!(added.json()["total_cents"], 150);
    assert_eq!(added.json()["status"], "open");
    let added = post(
        "/carts/c1/items",
        Some(r#"{"sku":"pear","quantity":2,"price_cents":25}"#),
    )
    .await
    .expect("http");
    assert_eq!(added.status, 200, "{added:?}");
    let cart = added.json();
    assert_eq!(cart["total_cents"], 200);
    assert_eq!(
        cart["items"],
        json!([{"sku": "apple", "quantity": 3, "price_cents": 50},
               {"sku": "pear", "quantity": 2, "price_cents": 25}])
    );

    let bad = post(
        "/carts/c1/items",
        Some(r#"{"sku":"x","quantity":0,"price_cents":1}"#),
    )
    .await
    .expect("http");
    assert_eq!(bad.status, 400, "{bad:?}");
    let bad = post("/carts/c1/items", Some(r#"{"sku":"x"}"#))
        .await
        .expect("http");
    assert_eq!(bad.status, 400, "{bad:?}");
    assert_eq!(bad.json()["error"]["code"], "invalid_input");

    let got = http(addr, "GET", "/carts/c1", None).await.expect("http");
    assert_eq!(got.json(), cart);
    let missing = http(addr, "GET", "/carts/none", None).await.expect("http");
    assert_eq!(missing.status, 404, "{missing:?}");
    assert_eq!(missing.json()["error"]["code"], "not_found");

    let checked = post("/carts/c1/checkout", None).await.expect("http");
    assert_eq!(checked.status, 200, "{checked:?}");
    assert_eq!(checked.json()["status"], "checked_out");
    let again = post("/carts/c1/checkout", None).await.expect("http");
    assert_eq!(again.status, 409, "{again:?}");
    let late = post(
        "/carts/c1/items",
        Some(r#"{"sku":"fig","quantity":1,"price_cents":9}"#),
    )
    .await
    .expect("http");
    assert_eq!(late.status, 409, "{late:?}");

    // The queue consumer places the order: 404 until it has.
    let order = eventually(Duration::from_secs(10), || {
        http(addr, "GET", "/orders/c1", None)
    })
    .await;
    assert_eq!(order.status, 200, "{order:?}");
    assert_eq!(
        order.json(),
        json!({"cart_id": "c1", "total_cents": 200, "items": 2, "status": "placed"})
    );

    // Another worker sees the cart in the key/value store and on the stream.
    let observer = Worker::with_config(worker_config(&engine));
    observer.connect().await.expect("connects");
    let stored: Option<Value> = observer.kv().get("carts", "c1").await.expect("kv");
    assert_eq!(
        stored.map(|c| c["status"].clone()),
        Some(json!("checked_out"))
    );
    let streamed: Option<Value> = observer
        .stream::<Value>("carts")
        .get("all", "c1")
        .await
        .expect("stream");
    assert_eq!(
        streamed.map(|c| c["status"].clone()),
        Some(json!("checked_out"))
    );
    observer.disconnect().await;

    let stopped = example.terminate(STOP).await.expect("stops");
    assert!(stopped.status.success(), "{stopped:#?}");
    engine.shutdown().await;
}
