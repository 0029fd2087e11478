//! The upgraded socket: a WebSocket over hyper's upgraded connection, with the configured
//! frame and message limits.

use std::time::Duration;

use hyper::upgrade::Upgraded;
use hyper_util::rt::TokioIo;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::protocol::{CloseFrame, Role, WebSocketConfig};

use crate::config::EngineConfig;

/// What one read from the socket asks for at most.
const READ_BUFFER: usize = 16 * 1024;

/// A socket of the worker endpoint.
pub(crate) type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// Wraps an upgraded connection (the handshake is already answered).
pub(crate) async fn accept(upgraded: Upgraded, config: &EngineConfig) -> Socket {
    // tungstenite zero-fills the free part of its read buffer, up to this size, before every
    // read (the one that finds the socket empty included): at the default 128 KiB that cost
    // several µs per frame. A larger frame still grows the buffer to fit it.
    let limits = WebSocketConfig::default()
        .read_buffer_size(READ_BUFFER)
        .max_frame_size(Some(config.max_frame_bytes))
        .max_message_size(Some(config.max_message_bytes));
    WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(limits)).await
}

/// Sends a Close frame, giving up after a second (a peer that does not read).
pub(crate) async fn close(mut socket: Socket) {
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(None)).await;
}

/// Sends the given Close frame, giving up after a second.
pub(crate) async fn close_with(mut socket: Socket, frame: CloseFrame) {
    let _ = tokio::time::timeout(Duration::from_secs(1), socket.close(Some(frame))).await;
}
