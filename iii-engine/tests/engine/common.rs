//! The engine tests' helpers under the names the tests use: an engine on free ports with quick
//! queue retries, a raw WebSocket fake worker, an HTTP client and data-channel sockets, all
//! from `iii-test-support`.

use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;
use iii_engine::{EngineConfig, EngineHandle};
use iii_test_support::http::Client;
use serde_json::Value;
use tokio_tungstenite::tungstenite::Message as Frame;

pub use iii_test_support::channel::ChannelSocket;
pub use iii_test_support::engine::start_with;
pub use iii_test_support::http::Response as HttpResponse;
pub use iii_test_support::raw_worker::{RawWorker as Worker, WAIT};

/// A config on free loopback ports with quick queue retries.
pub fn config() -> EngineConfig {
    EngineConfig {
        queue_backoff: Duration::from_millis(10),
        ..iii_test_support::engine::config()
    }
}

/// Starts an engine with [`config`].
pub async fn start() -> EngineHandle {
    start_with(config()).await
}

/// Sends one HTTP/1.1 request to the engine's HTTP server.
pub async fn http(
    engine: &EngineHandle,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> HttpResponse {
    http_to(engine.http_addr(), method, path, headers, body.into()).await
}

/// Sends one HTTP/1.1 request to an address.
pub async fn http_to(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> HttpResponse {
    Client::new(addr)
        .request(method, path, headers, body)
        .await
        .unwrap_or_else(|e| panic!("{method} {path}: {e}"))
}

/// `POST` of a JSON body.
pub async fn post_json(engine: &EngineHandle, path: &str, body: &Value) -> HttpResponse {
    Client::new(engine.http_addr())
        .json("POST", path, body)
        .await
        .unwrap_or_else(|e| panic!("POST {path}: {e}"))
}

/// The URL of one channel end, from its `{channel_id, access_key, direction}` reference.
pub fn channel_url(engine: &EngineHandle, reference: &Value) -> String {
    iii_test_support::channel::url(engine, reference)
}

/// Connects to a channel end.
pub async fn channel(engine: &EngineHandle, reference: &Value) -> ChannelSocket {
    iii_test_support::channel::connect(engine, reference).await
}

/// Reads a channel until the engine closes it: the text and binary messages in order.
pub async fn read_channel(ws: &mut ChannelSocket) -> Vec<Frame> {
    iii_test_support::channel::read_to_close(ws).await
}
