//! The typed ends of a data channel: [`ChannelSender<T>`] writes each item as one JSON text
//! message, [`ChannelReceiver<T>`] is a `Stream` of the items it reads back.

use std::marker::PhantomData;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use serde::Serialize;
use serde::de::DeserializeOwned;

use super::reader::{ChannelReader, Message};
use super::writer::ChannelWriter;
use crate::error::{Error, Result};

/// Writes `T`s into a channel, one JSON text message each.
#[derive(Debug)]
pub struct ChannelSender<T> {
    writer: ChannelWriter,
    _items: PhantomData<fn(T)>,
}

impl<T: Serialize> ChannelSender<T> {
    pub(super) fn new(writer: ChannelWriter) -> Self {
        Self {
            writer,
            _items: PhantomData,
        }
    }

    /// Sends one item.
    ///
    /// # Errors
    /// [`Error::Serialize`] when it does not serialize; `channel_failed` when the reader went
    /// away or the connection failed.
    pub async fn send(&mut self, item: &T) -> Result<()> {
        let text = serde_json::to_string(item)?;
        self.writer.send_text(text).await
    }

    /// Resolves once the reader is gone. Cancel-safe.
    pub async fn closed(&mut self) {
        self.writer.closed().await;
    }

    /// Ends the stream for the reader.
    ///
    /// # Errors
    /// As [`ChannelWriter::close`].
    pub async fn close(self) -> Result<()> {
        self.writer.close().await
    }
}

/// Reads `T`s from a channel: a `Stream` of items decoded from its messages (text or binary,
/// each one JSON value). An item that does not decode is an [`Error::InvalidInput`] item and
/// the stream goes on.
#[derive(Debug)]
pub struct ChannelReceiver<T> {
    reader: ChannelReader,
    _items: PhantomData<fn() -> T>,
}

impl<T: DeserializeOwned> ChannelReceiver<T> {
    pub(super) fn new(reader: ChannelReader) -> Self {
        Self {
            reader,
            _items: PhantomData,
        }
    }

    /// The raw reader underneath.
    pub fn into_inner(self) -> ChannelReader {
        self.reader
    }
}

fn decode<T: DeserializeOwned>(bytes: &[u8]) -> Result<T> {
    serde_json::from_slice(bytes).map_err(|e| Error::InvalidInput {
        message: format!("a channel item is not the expected type: {e}"),
        path: None,
    })
}

impl<T: DeserializeOwned> futures_util::Stream for ChannelReceiver<T> {
    type Item = Result<T>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<T>>> {
        let next = ready!(self.reader.poll_message(cx));
        Poll::Ready(next.map(|message| match message? {
            Message::Text(text) => decode(text.as_bytes()),
            Message::Binary(bytes) => decode(&bytes),
        }))
    }
}
