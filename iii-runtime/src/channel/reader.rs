//! [`ChannelReader`]: the reading end of a data channel, a `Stream` of the binary chunks the
//! writer sent, with its text messages apart ([`Message`]).

use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::{Bytes, BytesMut};
use futures_util::StreamExt;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::socket::channel_error;
use crate::error::Result;
use crate::transport::Ws;

/// One message through a channel.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Message {
    /// A text message (a typed item, a control message).
    Text(String),
    /// A binary message (raw bytes).
    Binary(Bytes),
}

/// The reading end of a data channel.
///
/// As a [`Stream`](futures_util::Stream) it yields the binary chunks (text messages are
/// skipped; [`next_message`](Self::next_message) sees both). The stream ends when the writer
/// closes its end, and ends with an error when the writer went away without closing it or
/// the connection failed.
pub struct ChannelReader {
    ws: Option<Ws>,
    channel_id: String,
}

impl std::fmt::Debug for ChannelReader {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelReader")
            .field("channel_id", &self.channel_id)
            .field("open", &self.ws.is_some())
            .finish()
    }
}

impl ChannelReader {
    pub(super) fn new(ws: Ws, channel_id: String) -> Self {
        Self {
            ws: Some(ws),
            channel_id,
        }
    }

    /// The next message, text or binary; `None` once the writer closed.
    ///
    /// # Errors
    /// `channel_failed` when the writer went away without closing, or the connection failed.
    pub async fn next_message(&mut self) -> Option<Result<Message>> {
        std::future::poll_fn(|cx| self.poll_message(cx)).await
    }

    /// Every binary chunk up to the end, joined; fails past `limit` bytes (and stops reading).
    ///
    /// # Errors
    /// `channel_failed` as [`next_message`](Self::next_message), and
    /// `payload_too_large` (`413`) past `limit`.
    pub async fn read_all(mut self, limit: usize) -> Result<Bytes> {
        let mut all = BytesMut::new();
        while let Some(chunk) = self.next().await {
            let chunk = chunk?;
            if all.len() + chunk.len() > limit {
                return Err(crate::Error::new(
                    "payload_too_large",
                    413,
                    format!("the body exceeds {limit} bytes"),
                ));
            }
            all.extend_from_slice(&chunk);
        }
        Ok(all.freeze())
    }

    /// Closes this end early: the writer's sends fail from now on.
    pub async fn close(mut self) {
        if let Some(mut ws) = self.ws.take() {
            let _ = ws.close(None).await;
        }
    }

    pub(super) fn poll_message(&mut self, cx: &mut Context<'_>) -> Poll<Option<Result<Message>>> {
        loop {
            let Some(ws) = self.ws.as_mut() else {
                return Poll::Ready(None);
            };
            let frame = ready!(ws.poll_next_unpin(cx));
            let failure = match frame {
                Some(Ok(Frame::Binary(bytes))) => {
                    return Poll::Ready(Some(Ok(Message::Binary(bytes))));
                }
                Some(Ok(Frame::Text(text))) => {
                    return Poll::Ready(Some(Ok(Message::Text(text.as_str().to_owned()))));
                }
                // A Close without a code, or a normal one, is the writer's end of the stream.
                Some(Ok(Frame::Close(None))) | None => None,
                Some(Ok(Frame::Close(Some(close)))) if close.code == CloseCode::Normal => None,
                Some(Ok(Frame::Close(Some(close)))) => Some(format!(
                    "channel {} ended abnormally ({}): {}",
                    self.channel_id, close.code, close.reason
                )),
                Some(Ok(_)) => continue,
                Some(Err(e)) => Some(format!("channel {} broke: {e}", self.channel_id)),
            };
            self.ws = None;
            return Poll::Ready(failure.map(|m| Err(channel_error(m))));
        }
    }
}

impl futures_util::Stream for ChannelReader {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Self::Item>> {
        loop {
            match ready!(self.poll_message(cx)) {
                Some(Ok(Message::Binary(bytes))) => return Poll::Ready(Some(Ok(bytes))),
                Some(Ok(Message::Text(_))) => {}
                Some(Err(e)) => return Poll::Ready(Some(Err(e))),
                None => return Poll::Ready(None),
            }
        }
    }
}
