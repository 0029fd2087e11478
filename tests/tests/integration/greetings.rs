//! `examples/greetings.rs` run as a user runs it (`cargo run --example greetings`): the program
//! finds the engine named by `III_URL`, serves its routes and stops cleanly on a signal. Every
//! route, the 404s and the state are tested through the test kit in `examples/tests/greetings.rs`.

use std::time::Duration;

use iii::testing::Http;
use iii_tests::{engine, eventually, example};
use serde_json::json;

use crate::examples::STOP;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn greetings_example_serves_as_a_program() {
    let engine = engine().await;
    let example = example("greetings", &engine);
    let client = Http::new(engine.http_addr());

    // The program registers its routes on its own schedule: wait for the first one.
    let list = eventually(Duration::from_secs(20), || client.get("/greetings").send()).await;
    assert_eq!(list.status, 200, "{list:?}");
    assert_eq!(list.json(), json!({"greetings": {}}));

    let ada = client
        .get("/greet")
        .query("name", "Ada")
        .send()
        .await
        .expect("http");
    assert_eq!(
        ada.json(),
        json!({"greeting": "Hello, Ada!", "saved": true})
    );
    let one = client.get("/greetings/Ada").send().await.expect("http");
    assert_eq!(one.json(), json!({"greeting": "Hello, Ada!"}));
    let deleted = client.delete("/greetings/Ada").send().await.expect("http");
    assert_eq!(deleted.json(), json!({"deleted": true}));
    let gone = client.get("/greetings/Ada").send().await.expect("http");
    assert_eq!(gone.status, 404, "{gone:?}");

    let stopped = example.terminate(STOP).await.expect("stops");
    assert!(stopped.status.success(), "{stopped:#?}");
    engine.shutdown().await;
}
