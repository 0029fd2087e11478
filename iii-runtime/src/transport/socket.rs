//! The WebSocket a connection runs on: opening it within the connect timeout, with the frame
//! size limits the protocol needs, and the timings that bound the connection's life.

use std::time::Duration;

use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{BoxError, Error};

pub(super) type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Timings of one connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timings {
    pub(crate) connect_timeout: Duration,
    pub(crate) ping_interval: Duration,
    pub(crate) idle_timeout: Duration,
}

/// Opens the WebSocket to `url`.
///
/// # Errors
/// [`Error::Connect`] when the handshake fails or takes longer than the connect timeout.
pub(super) async fn open(url: String, timings: Timings) -> Result<Ws, Error> {
    let config = WebSocketConfig::default()
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(16 << 20));
    // `true` sets TCP_NODELAY: each frame (a result, a call) is one small write that someone
    // waits for, which Nagle's algorithm would hold until the previous one is acknowledged.
    let attempt = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true);
    let source = match tokio::time::timeout(timings.connect_timeout, attempt).await {
        Ok(Ok((ws, _response))) => return Ok(ws),
        Ok(Err(e)) => Box::new(e) as BoxError,
        Err(_) => format!("timed out after {:?}", timings.connect_timeout).into(),
    };
    Err(Error::Connect { url, source })
}
