//! [`ChannelWriter`]: the writing end of a data channel, a `Sink` of binary chunks (cut into
//! 64 KiB messages), with text messages and an explicit close.

use std::pin::Pin;
use std::task::{Context, Poll, ready};
use std::time::Duration;

use bytes::Bytes;
use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{Sink, SinkExt, StreamExt};
use tokio_tungstenite::tungstenite::Message as Frame;

use super::MAX_FRAME;
use super::socket::channel_error;
use crate::error::{Error, Result};
use crate::transport::Ws;

/// How long a closing writer waits for the engine to acknowledge its Close.
const CLOSE_WAIT: Duration = Duration::from_secs(1);

/// The writing end of a data channel.
///
/// Each send waits until the socket took the bytes, so a reader that does not keep up slows
/// the writer (the engine buffers a bounded amount in between). [`close`](Self::close) ends
/// the stream for the reader; a writer dropped without closing makes the reader's stream end
/// with an error.
pub struct ChannelWriter {
    sink: SplitSink<Ws, Frame>,
    stream: SplitStream<Ws>,
    /// What the `Sink` impl still has to cut and send.
    pending: Bytes,
    channel_id: String,
}

impl std::fmt::Debug for ChannelWriter {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("ChannelWriter")
            .field("channel_id", &self.channel_id)
            .finish_non_exhaustive()
    }
}

impl ChannelWriter {
    pub(super) fn new(ws: Ws, channel_id: String) -> Self {
        let (sink, stream) = ws.split();
        Self {
            sink,
            stream,
            pending: Bytes::new(),
            channel_id,
        }
    }

    fn broke(&self, e: impl std::fmt::Display) -> Error {
        channel_error(format!(
            "channel {}: the reader is gone or the connection failed: {e}",
            self.channel_id
        ))
    }

    /// Sends `bytes` as binary messages of at most 64 KiB.
    ///
    /// # Errors
    /// `channel_failed` when the reader went away or the connection failed.
    pub async fn send(&mut self, bytes: impl Into<Bytes>) -> Result<()> {
        SinkExt::send(self, bytes.into()).await
    }

    /// Sends one text message.
    ///
    /// # Errors
    /// As [`send`](Self::send).
    pub async fn send_text(&mut self, text: impl Into<String>) -> Result<()> {
        // A chunk still pending in the `Sink` goes first: messages keep their order.
        std::future::poll_fn(|cx| self.poll_drain(cx)).await?;
        let frame = Frame::Text(text.into().into());
        self.sink.send(frame).await.map_err(|e| self.broke(e))
    }

    /// Resolves once the reader's side is gone (the engine closed this socket): a writer with
    /// nothing to send yet learns that nobody listens any more. Cancel-safe.
    pub async fn closed(&mut self) {
        // Anything the engine sends on a writer's socket is a Close or a ping.
        while let Some(Ok(frame)) = self.stream.next().await {
            if matches!(frame, Frame::Close(_)) {
                return;
            }
        }
    }

    /// Ends the stream for the reader, once everything sent before is through.
    ///
    /// # Errors
    /// `channel_failed` when the connection failed before the close went out.
    pub async fn close(mut self) -> Result<()> {
        SinkExt::close(&mut self).await?;
        // Wait (briefly) for the engine's answer, so that the Close is read before the socket
        // goes away and the end is not mistaken for a writer that died.
        let _ = tokio::time::timeout(CLOSE_WAIT, async {
            while let Some(Ok(_)) = self.stream.next().await {}
        })
        .await;
        Ok(())
    }

    /// Sends what `start_send` left, cut into messages of at most [`MAX_FRAME`] bytes.
    fn poll_drain(&mut self, cx: &mut Context<'_>) -> Poll<Result<()>> {
        while !self.pending.is_empty() {
            if let Err(e) = ready!(self.sink.poll_ready_unpin(cx)) {
                return Poll::Ready(Err(self.broke(e)));
            }
            let n = self.pending.len().min(MAX_FRAME);
            let piece = self.pending.split_to(n);
            if let Err(e) = self.sink.start_send_unpin(Frame::Binary(piece)) {
                return Poll::Ready(Err(self.broke(e)));
            }
        }
        Poll::Ready(Ok(()))
    }
}

impl Sink<Bytes> for ChannelWriter {
    type Error = Error;

    fn poll_ready(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        self.get_mut().poll_drain(cx)
    }

    fn start_send(self: Pin<&mut Self>, item: Bytes) -> Result<()> {
        // `poll_ready` emptied `pending` before this call.
        self.get_mut().pending = item;
        Ok(())
    }

    fn poll_flush(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        let flushed = ready!(this.sink.poll_flush_unpin(cx));
        Poll::Ready(flushed.map_err(|e| this.broke(e)))
    }

    fn poll_close(self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Result<()>> {
        let this = self.get_mut();
        ready!(this.poll_drain(cx))?;
        let closed = ready!(this.sink.poll_close_unpin(cx));
        Poll::Ready(closed.map_err(|e| this.broke(e)))
    }
}
