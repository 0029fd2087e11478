//! The WebSocket a connection runs on: opening it within the connect timeout, with the
//! handshake's headers (and TLS for `wss://`), the frame size limits the protocol needs, and
//! the timings that bound the connection's life.

use std::time::Duration;

use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::error::{BoxError, Error};
use crate::handshake::Handshake;

pub(crate) type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// The most one socket read takes. tungstenite zero-fills that much of its read buffer before
/// every read (the one that finds the socket empty too), so its 128 KiB default costs a
/// 128 KiB `memset` per frame; 16 KiB holds a typical frame whole, and a larger message takes
/// a few more reads (its whole length is still reserved once, when its header is in).
const READ_BUFFER: usize = 16 << 10;

/// Timings of one connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timings {
    pub(crate) connect_timeout: Duration,
    pub(crate) ping_interval: Duration,
    pub(crate) idle_timeout: Duration,
}

/// Opens the WebSocket to `url` with `handshake`.
///
/// # Errors
/// [`Error::Connect`] when the handshake fails or takes longer than the connect timeout.
pub(super) async fn open(
    url: String,
    handshake: &Handshake,
    timings: Timings,
) -> Result<Ws, Error> {
    let attempt = dial(&url, handshake);
    let source = match tokio::time::timeout(timings.connect_timeout, attempt).await {
        Ok(Ok(ws)) => return Ok(ws),
        Ok(Err(e)) => e,
        Err(_) => format!("timed out after {:?}", timings.connect_timeout).into(),
    };
    Err(Error::Connect { url, source })
}

/// Opens a WebSocket to `url` with `handshake`'s headers (and TLS for `wss://`), without a
/// deadline: the connection's and the data channels' (`crate::channel`) dial.
pub(crate) async fn dial(url: &str, handshake: &Handshake) -> Result<Ws, BoxError> {
    let mut request = url.into_client_request()?;
    for (name, value) in handshake.http_headers()? {
        request.headers_mut().append(name, value);
    }
    let limits = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(16 << 20));
    // The connector is used for `wss://` only; a `ws://` URL stays plain.
    #[cfg(feature = "tls")]
    let (ws, _response) = {
        let connector = tokio_tungstenite::Connector::Rustls(handshake.tls_config()?);
        tokio_tungstenite::connect_async_tls_with_config(
            request,
            Some(limits),
            true,
            Some(connector),
        )
        .await?
    };
    #[cfg(not(feature = "tls"))]
    let (ws, _response) =
        tokio_tungstenite::connect_async_with_config(request, Some(limits), true).await?;
    Ok(ws)
}
