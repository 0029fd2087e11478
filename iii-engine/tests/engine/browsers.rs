//! What the browser-facing policy can be set to: CORS (any origin, a list, off), the `Host`
//! guard (off with `allow_any_host`) and the origins allowed on the worker port.

use http::StatusCode;
use iii_engine::Cors;
use serde_json::json;

use crate::common::{self, Worker, http};
use crate::raw::{self, exchange, status_of};

async fn get(engine: &iii_engine::EngineHandle, w: &mut Worker, origin: &str) -> http::HeaderMap {
    let headers = [("origin", origin)];
    let (resp, ()) = tokio::join!(http(engine, "GET", "/f", &headers, ""), async {
        let inv = w.expect_invoke().await;
        w.answer(&inv, json!({"body": 1})).await;
    });
    assert_eq!(resp.status, StatusCode::OK);
    resp.headers
}

#[tokio::test]
async fn cors_can_name_its_origins_or_be_off() {
    let mut config = common::config();
    config.cors = Cors::Origins(vec!["http://app.localhost:5173".to_owned()]);
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    w.route("f", "GET", "f").await;
    let allowed = get(&engine, &mut w, "http://app.localhost:5173").await;
    assert_eq!(
        allowed["access-control-allow-origin"],
        "http://app.localhost:5173"
    );
    assert_eq!(allowed["vary"], "origin");
    let other = get(&engine, &mut w, "http://evil.example").await;
    assert!(
        other.get("access-control-allow-origin").is_none(),
        "{other:?}"
    );
    let preflight = http(
        &engine,
        "OPTIONS",
        "/f",
        &[("origin", "http://evil.example")],
        "",
    )
    .await;
    assert_eq!(preflight.status, StatusCode::NO_CONTENT);
    assert!(
        preflight
            .headers
            .get("access-control-allow-origin")
            .is_none()
    );
    engine.shutdown().await;

    let mut config = common::config();
    config.cors = Cors::Off;
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    w.route("f", "GET", "f").await;
    let off = get(&engine, &mut w, "http://app.localhost:5173").await;
    assert!(off.get("access-control-allow-origin").is_none(), "{off:?}");
    // No preflight answers either: OPTIONS is a method like the others.
    let preflight = http(&engine, "OPTIONS", "/f", &[], "").await;
    assert_eq!(preflight.status, StatusCode::METHOD_NOT_ALLOWED);
    engine.shutdown().await;
}

#[tokio::test]
async fn the_host_guard_can_be_turned_off() {
    let mut config = common::config();
    config.allow_any_host = true;
    let engine = common::start_with(config).await;
    let mut w = Worker::connect(&engine).await;
    w.route("f", "GET", "f").await;
    let request = b"GET /f HTTP/1.1\r\nHost: my-machine.lan\r\nConnection: close\r\n\r\n";
    let (answer, ()) = tokio::join!(exchange(engine.http_addr(), request, common::WAIT), async {
        let inv = w.expect_invoke().await;
        w.answer(&inv, json!({"body": 1})).await;
    });
    assert_eq!(status_of(&answer), 200, "{answer}");
    engine.shutdown().await;
}

#[tokio::test]
async fn listed_browser_origins_may_open_worker_sockets() {
    let mut config = common::config();
    config.ws_allowed_origins = vec!["http://localhost:5173".to_owned()];
    let engine = common::start_with(config).await;
    let ok = raw::connect(&engine, None, &[("origin", "http://localhost:5173")]).await;
    assert!(ok.is_ok(), "a listed origin is served");
    let refused = raw::connect(&engine, None, &[("origin", "http://localhost:9999")]).await;
    assert!(refused.is_err(), "an unlisted one is not");
    engine.shutdown().await;

    let mut config = common::config();
    config.ws_allowed_origins = vec!["*".to_owned()];
    let engine = common::start_with(config).await;
    let any = raw::connect(&engine, None, &[("origin", "http://anything.example")]).await;
    assert!(any.is_ok(), "`*` allows any origin");
    engine.shutdown().await;
}
