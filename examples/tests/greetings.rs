//! `examples/greetings.rs` tested through the test kit: every route, the 404s and the shared
//! state, each test on an app and an engine of its own, in parallel.

// The example's code, compiled into this test; its `main` is not this program's.
#[allow(dead_code)]
#[path = "../greetings.rs"]
mod greetings;

use iii::testing::TestApp;
use serde_json::json;

async fn start() -> TestApp {
    TestApp::new(greetings::app()).await
}

#[tokio::test]
async fn greet_saves_a_greeting_by_name() {
    let t = start().await;
    let ada = t
        .http()
        .get("/greet")
        .query("name", "Ada")
        .send()
        .await
        .expect("answered");
    assert_eq!(ada.status, 200, "{ada:?}");
    assert_eq!(
        ada.json(),
        json!({"greeting": "Hello, Ada!", "saved": true})
    );
    let listed = t.http().get("/greetings").send().await.expect("answered");
    assert_eq!(listed.json(), json!({"greetings": {"Ada": "Hello, Ada!"}}));
}

#[tokio::test]
async fn greet_without_a_name_greets_the_world() {
    let t = start().await;
    let world = t.http().get("/greet").send().await.expect("answered");
    assert_eq!(
        world.json(),
        json!({"greeting": "Hello, World!", "saved": true})
    );
}

#[tokio::test]
async fn names_are_percent_decoded_in_the_query_and_the_path() {
    let t = start().await;
    let greeted = t
        .http()
        .get("/greet")
        .query("name", "Grace Hopper")
        .send()
        .await
        .expect("answered");
    assert_eq!(greeted.json()["greeting"], "Hello, Grace Hopper!");
    let one = t
        .http()
        .get("/greetings/Grace%20Hopper")
        .send()
        .await
        .expect("answered");
    assert_eq!(one.status, 200, "{one:?}");
    assert_eq!(one.json(), json!({"greeting": "Hello, Grace Hopper!"}));
}

#[tokio::test]
async fn the_list_starts_empty_and_is_sorted_by_name() {
    let t = start().await;
    let empty = t.http().get("/greetings").send().await.expect("answered");
    assert_eq!(empty.status, 200);
    assert_eq!(empty.json(), json!({"greetings": {}}));
    for name in ["Zoe", "Ada"] {
        t.http()
            .get("/greet")
            .query("name", name)
            .send()
            .await
            .expect("answered");
    }
    let listed = t.http().get("/greetings").send().await.expect("answered");
    assert_eq!(
        listed.text(),
        r#"{"greetings":{"Ada":"Hello, Ada!","Zoe":"Hello, Zoe!"}}"#
    );
}

#[tokio::test]
async fn an_unknown_greeting_is_a_404_with_the_error_body() {
    let t = start().await;
    let missing = t
        .http()
        .get("/greetings/Nobody")
        .send()
        .await
        .expect("answered");
    assert_eq!(missing.status, 404, "{missing:?}");
    assert_eq!(
        missing.json(),
        json!({"error": {"code": "not_found", "message": "no greeting for `Nobody`"}})
    );
    let gone = t
        .http()
        .delete("/greetings/Nobody")
        .send()
        .await
        .expect("answered");
    assert_eq!(gone.status, 404, "{gone:?}");
    assert_eq!(gone.json()["error"]["code"], "not_found");
}

#[tokio::test]
async fn delete_removes_a_greeting_once() {
    let t = start().await;
    t.http()
        .get("/greet")
        .query("name", "Ada")
        .send()
        .await
        .expect("answered");
    let deleted = t
        .http()
        .delete("/greetings/Ada")
        .send()
        .await
        .expect("answered");
    assert_eq!(deleted.status, 200, "{deleted:?}");
    assert_eq!(deleted.json(), json!({"deleted": true}));
    let again = t
        .http()
        .delete("/greetings/Ada")
        .send()
        .await
        .expect("answered");
    assert_eq!(again.status, 404);
    let gone = t
        .http()
        .get("/greetings/Ada")
        .send()
        .await
        .expect("answered");
    assert_eq!(gone.status, 404);
}

#[tokio::test]
async fn a_route_the_app_does_not_serve_is_the_engine_404() {
    let t = start().await;
    let nowhere = t.http().get("/nowhere").send().await.expect("answered");
    assert_eq!(nowhere.status, 404);
    assert_eq!(nowhere.json()["error"]["code"], "NOT_FOUND");
}

#[tokio::test]
async fn each_test_has_its_own_state() {
    // Run beside the others, this app still starts with no greetings.
    let t = start().await;
    let listed = t.http().get("/greetings").send().await.expect("answered");
    assert_eq!(listed.json(), json!({"greetings": {}}));
}

#[tokio::test]
async fn the_functions_answer_direct_calls_too() {
    let t = start().await;
    let greeted = t.invoke("greetings.greet", json!(null)).await;
    // A direct call has no query string: the handler's `Query` sees no name.
    assert_eq!(
        greeted.expect("answered"),
        json!({"greeting": "Hello, World!", "saved": true})
    );
    let listed = t
        .invoke("greetings.list", json!({}))
        .await
        .expect("answered");
    assert_eq!(listed, json!({"greetings": {"World": "Hello, World!"}}));
    // Its `Path` parameters come only from an HTTP route: a direct call is refused, typed.
    let one = t.invoke("greetings.get", json!({"name": "World"})).await;
    let err = one.expect_err("no path parameters in a direct call");
    assert_eq!(err.code(), "invalid_input", "{err}");
    assert!(err.message().contains("missing field `name`"), "{err}");
}
