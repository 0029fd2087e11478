//! One end of a protocol WebSocket, either side: JSON frames sent and read within a deadline,
//! WebSocket pings and pongs counted and skipped, the close awaited.
//!
//! [`Socket`] is also the scripted engine's end of a worker connection
//! ([`fake_engine::Peer`](crate::fake_engine::Peer), where the engine's part of the protocol is
//! played); [`raw_worker::RawWorker`](crate::raw_worker::RawWorker) wraps one for the worker's
//! end.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::{self, Message};

/// How long [`Socket::recv`] waits for a frame before failing the test.
pub const PATIENCE: Duration = Duration::from_secs(10);

/// What the other end sent next.
#[derive(Debug)]
pub enum Next {
    /// A text frame, parsed as JSON.
    Text(Value),
    /// A binary frame.
    Binary(Bytes),
    /// The connection ended: with a Close frame, or without one (the socket dropped).
    Closed {
        /// Whether a Close frame came.
        close_frame: bool,
    },
}

/// Why no frame was read.
#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    /// Nothing came within the deadline.
    #[error("no frame within {0:?}")]
    TimedOut(Duration),
    /// A text frame that is not JSON.
    #[error("a text frame that is not JSON ({error}): {text:?}")]
    NotJson {
        /// The frame.
        text: String,
        /// Why it does not parse.
        error: serde_json::Error,
    },
    /// The WebSocket failed.
    #[error("WebSocket error: {0}")]
    Socket(#[from] tungstenite::Error),
}

/// One end of a WebSocket carrying protocol frames.
#[derive(Debug)]
pub struct Socket<S> {
    ws: WebSocketStream<S>,
    /// WebSocket pings received so far.
    pub pings: usize,
    /// WebSocket pongs received so far.
    pub pongs: usize,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Socket<S> {
    /// Wraps an open WebSocket.
    pub fn new(ws: WebSocketStream<S>) -> Self {
        Self {
            ws,
            pings: 0,
            pongs: 0,
        }
    }

    /// The next data frame or the end of the connection, within `within`; pings and pongs
    /// are counted and skipped (tungstenite answers pings itself).
    ///
    /// # Errors
    /// When nothing comes in time, a text frame is not JSON, or the socket fails.
    pub async fn next(&mut self, within: Duration) -> Result<Next, ReadError> {
        let deadline = Instant::now() + within;
        loop {
            let Ok(message) = tokio::time::timeout_at(deadline, self.ws.next()).await else {
                return Err(ReadError::TimedOut(within));
            };
            match message.transpose()? {
                None => return Ok(Next::Closed { close_frame: false }),
                Some(Message::Close(_)) => return Ok(Next::Closed { close_frame: true }),
                Some(Message::Text(text)) => {
                    return serde_json::from_str(text.as_str())
                        .map(Next::Text)
                        .map_err(|error| ReadError::NotJson {
                            text: text.as_str().to_owned(),
                            error,
                        });
                }
                Some(Message::Binary(bytes)) => return Ok(Next::Binary(bytes)),
                Some(Message::Ping(_)) => self.pings += 1,
                Some(Message::Pong(_)) => self.pongs += 1,
                Some(Message::Frame(_)) => {}
            }
        }
    }

    /// Sends a JSON frame.
    ///
    /// # Errors
    /// When the connection is gone.
    pub async fn try_send(&mut self, frame: &Value) -> Result<(), tungstenite::Error> {
        self.ws.send(Message::text(frame.to_string())).await
    }

    /// Sends any WebSocket message.
    ///
    /// # Errors
    /// When the connection is gone.
    pub async fn try_send_raw(&mut self, message: Message) -> Result<(), tungstenite::Error> {
        self.ws.send(message).await
    }

    /// Sends a JSON frame.
    ///
    /// # Panics
    /// When the connection is gone.
    pub async fn send(&mut self, frame: Value) {
        if let Err(e) = self.try_send(&frame).await {
            panic!("cannot send {frame}: {e}");
        }
    }

    /// Sends any WebSocket message.
    ///
    /// # Panics
    /// When the connection is gone.
    pub async fn send_raw(&mut self, message: Message) {
        if let Err(e) = self.try_send_raw(message).await {
            panic!("cannot send a raw message: {e}");
        }
    }

    /// The next JSON text frame, within [`PATIENCE`].
    ///
    /// # Panics
    /// When none comes in time, or anything else comes instead.
    pub async fn recv(&mut self) -> Value {
        match self.next(PATIENCE).await {
            Ok(Next::Text(frame)) => frame,
            other => panic!("expected a JSON frame within {PATIENCE:?}, got {other:?}"),
        }
    }

    /// The next JSON text frame, or `None` when the connection ends, fails or `within`
    /// passes first.
    ///
    /// # Panics
    /// On a binary frame or a text frame that is not JSON: the peer broke the protocol.
    pub async fn try_recv(&mut self, within: Duration) -> Option<Value> {
        match self.next(within).await {
            Ok(Next::Text(frame)) => Some(frame),
            Ok(Next::Closed { .. }) | Err(ReadError::TimedOut(_) | ReadError::Socket(_)) => None,
            Ok(Next::Binary(bytes)) => panic!("unexpected binary frame of {} bytes", bytes.len()),
            Err(e @ ReadError::NotJson { .. }) => panic!("{e}"),
        }
    }

    /// Waits for the connection to end, skipping data frames: `Some(close_frame)` when it
    /// ended (a failed socket counts as ended without a Close frame), `None` when `within`
    /// passed first.
    pub async fn ended_within(&mut self, within: Duration) -> Option<bool> {
        let deadline = Instant::now() + within;
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            match self.next(left).await {
                Ok(Next::Closed { close_frame }) => return Some(close_frame),
                Err(ReadError::Socket(_)) => return Some(false),
                Err(ReadError::TimedOut(_)) => return None,
                Ok(Next::Text(_) | Next::Binary(_)) | Err(ReadError::NotJson { .. }) => {}
            }
        }
    }

    /// Waits for the connection to end within `within`, counting control frames; true when it
    /// ended.
    pub async fn closed_within(&mut self, within: Duration) -> bool {
        self.ended_within(within).await.is_some()
    }

    /// Sends a Close frame and waits (up to `within`) for the other end's Close or the end of
    /// the stream.
    pub async fn close(mut self, within: Duration) {
        // The other end may already be gone; the wait below then ends at once.
        let _ = self.ws.close(None).await;
        let _ = self.ended_within(within).await;
    }

    /// Drops the connection without a Close frame, as a crashed process would.
    pub fn kill(self) {
        drop(self);
    }

    /// Writes `bytes` on the connection past the WebSocket framing, for frames no WebSocket
    /// library would send (bad UTF-8, reserved bits, an announced length past any limit).
    ///
    /// # Panics
    /// When the write fails.
    pub async fn write_raw(&mut self, bytes: &[u8]) {
        let stream = self.ws.get_mut();
        let written = async {
            stream.write_all(bytes).await?;
            stream.flush().await
        };
        if let Err(e) = written.await {
            panic!("cannot write {} raw bytes: {e}", bytes.len());
        }
    }

    /// The code of the Close frame the other end sends next, skipping every other frame;
    /// `None` when the connection ends without one (or with a Close without a code), or when
    /// `within` passes first.
    pub async fn close_code(&mut self, within: Duration) -> Option<u16> {
        let deadline = Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??
            {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(Message::Ping(_)) => self.pings += 1,
                Ok(Message::Pong(_)) => self.pongs += 1,
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }
}
