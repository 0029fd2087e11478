//! `examples/greetings.rs` run as a user runs it, answering every route over HTTP through an
//! engine on free ports.

use std::time::Duration;

use iii_tests::{engine, eventually, example, http};
use serde_json::json;

use crate::examples::STOP;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greetings_example_answers_every_route() {
    let engine = engine().await;
    let example = example("greetings", &engine);
    let addr = engine.http_addr();

    let list = eventually(Duration::from_secs(20), || {
        http(addr, "GET", "/greetings", None)
    })
    .await;
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.json(), json!({"greetings": {}}));

    let ada = http(addr, "GET", "/greet?name=Ada", None)
        .await
        .expect("http");
    assert_eq!(ada.status, 200, "{ada:?}");
    assert_eq!(
        ada.json(),
        json!({"greeting": "Hello, Ada!", "saved": true})
    );

    let world = http(addr, "GET", "/greet", None).await.expect("http");
    assert_eq!(
        world.json(),
        json!({"greeting": "Hello, World!", "saved": true})
    );

    // A percent-encoded path parameter is decoded before it reaches the handler.
    let spaced = http(addr, "GET", "/greet?name=Grace%20Hopper", None)
        .await
        .expect("http");
    assert_eq!(spaced.json()["greeting"], "Hello, Grace Hopper!");

    let list = http(addr, "GET", "/greetings", None).await.expect("http");
    assert_eq!(
        list.json(),
        json!({"greetings": {
            "Ada": "Hello, Ada!",
            "Grace Hopper": "Hello, Grace Hopper!",
            "World": "Hello, World!"
        }})
    );

    let one = http(addr, "GET", "/greetings/Ada", None)
        .await
        .expect("http");
    assert_eq!(one.status, 200, "{one:?}");
    assert_eq!(one.json(), json!({"greeting": "Hello, Ada!"}));
    let grace = http(addr, "GET", "/greetings/Grace%20Hopper", None)
        .await
        .expect("http");
    assert_eq!(grace.json(), json!({"greeting": "Hello, Grace Hopper!"}));

    let missing = http(addr, "GET", "/greetings/Nobody", None)
        .await
        .expect("http");
    assert_eq!(missing.status, 404, "{missing:?}");
    assert_eq!(missing.json()["error"]["code"], "not_found");
    assert_eq!(
        missing.json()["error"]["message"],
        "no greeting for `Nobody`"
    );

    let deleted = http(addr, "DELETE", "/greetings/Ada", None)
        .await
        .expect("http");
    assert_eq!(deleted.status, 200, "{deleted:?}");
    assert_eq!(deleted.json(), json!({"deleted": true}));

    let again = http(addr, "DELETE", "/greetings/Ada", None)
        .await
        .expect("http");
    assert_eq!(again.status, 404, "{again:?}");
    assert_eq!(again.json()["error"]["code"], "not_found");

    let gone = http(addr, "GET", "/greetings/Ada", None)
        .await
        .expect("http");
    assert_eq!(gone.status, 404);

    let list = http(addr, "GET", "/greetings", None).await.expect("http");
    assert_eq!(
        list.json(),
        json!({"greetings": {
            "Grace Hopper": "Hello, Grace Hopper!",
            "World": "Hello, World!"
        }})
    );

    let stopped = example.terminate(STOP).await.expect("stops");
    assert!(stopped.status.success(), "{stopped:#?}");
    engine.shutdown().await;
}
