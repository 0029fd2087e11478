//! The engine's data channels from a test's side: the URL of a channel end from its reference,
//! a raw WebSocket on it, and reading it until the engine closes it.

use futures_util::StreamExt;
use iii_engine::EngineHandle;
use serde_json::Value;
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::raw_worker::WAIT;

/// A raw WebSocket on a channel end.
pub type ChannelSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The URL of one channel end, from its `{channel_id, access_key, direction}` reference.
///
/// # Panics
/// When the reference lacks one of those strings.
pub fn url(engine: &EngineHandle, reference: &Value) -> String {
    let field = |name: &str| {
        reference[name]
            .as_str()
            .unwrap_or_else(|| panic!("a channel reference without a string `{name}`: {reference}"))
    };
    format!(
        "{}/ws/channels/{}?key={}&dir={}",
        engine.ws_url(),
        field("channel_id"),
        field("access_key"),
        field("direction")
    )
}

/// Connects to a channel end.
///
/// # Panics
/// When the engine refuses the connection.
pub async fn connect(engine: &EngineHandle, reference: &Value) -> ChannelSocket {
    let url = url(engine, reference);
    let (ws, _) = tokio_tungstenite::connect_async(&url)
        .await
        .unwrap_or_else(|e| panic!("cannot connect to the channel {url}: {e}"));
    ws
}

/// Reads a channel until the engine closes it: its text and binary messages, in order.
///
/// # Panics
/// When the engine neither sends nor closes for [`WAIT`].
pub async fn read_to_close(ws: &mut ChannelSocket) -> Vec<Message> {
    let mut messages = Vec::new();
    loop {
        let next = tokio::time::timeout(WAIT, ws.next())
            .await
            .unwrap_or_else(|_| panic!("the channel neither sent nor closed within {WAIT:?}"));
        match next {
            Some(Ok(m @ (Message::Text(_) | Message::Binary(_)))) => messages.push(m),
            Some(Ok(Message::Close(_)) | Err(_)) | None => return messages,
            Some(Ok(_)) => {}
        }
    }
}
