//! The two channels of an HTTP request, made only when a worker opens its end.
//!
//! Every request's envelope names a `request_body` channel (the worker reads the raw body)
//! and a `response` channel (the worker may write a streamed response), but most functions
//! open neither. So the table holds, for each, only what attaching needs: the one key a
//! worker is given (the engine holds the other end itself, so its key is never handed out)
//! and what the end is fed from: the body bytes, or where to send the response's reader.
//! The queue is built when the worker's socket attaches.

use std::sync::Arc;

use bytes::Bytes;
use tokio::sync::{Semaphore, mpsc, oneshot};

use super::channel_ends::{Direction, End, ResponseReader};
use super::channel_pipe::DEFAULT_BUFFER;
use super::channel_pipe::{Item, Packet, Writer};

/// Size of the binary messages a request body is cut into (what the Python SDK uses too).
pub(crate) const CHUNK: usize = 64 * 1024;

/// One end not opened yet.
pub(super) struct Lazy {
    key: String,
    kind: Kind,
}

enum Kind {
    /// The reading end of `request_body`: the body, whole.
    Body(Bytes),
    /// The writing end of `response`.
    Response(oneshot::Sender<mpsc::Receiver<Packet>>),
}

impl Lazy {
    /// The reading end of a request body channel.
    pub(super) fn body(key: String, body: Bytes) -> Self {
        Self {
            key,
            kind: Kind::Body(body),
        }
    }

    /// The writing end of a response channel, and what the request waits on for its reader.
    pub(super) fn response(key: String) -> (Self, ResponseReader) {
        let (tx, rx) = oneshot::channel();
        let lazy = Self {
            key,
            kind: Kind::Response(tx),
        };
        (lazy, rx)
    }

    /// The key of the end a worker may attach; `None` for the engine's own end.
    pub(super) fn key(&self, direction: Direction) -> Option<&str> {
        let worker_end = match self.kind {
            Kind::Body(_) => Direction::Read,
            Kind::Response(_) => Direction::Write,
        };
        (direction == worker_end).then_some(self.key.as_str())
    }

    /// Builds the channel for the worker end attaching now.
    pub(super) fn attach(self, total: &Arc<Semaphore>) -> End {
        match self.kind {
            Kind::Body(body) => {
                // Room for every chunk, so the whole body is queued here and no task has to
                // feed it; the chunks share the body's one buffer, so this copies nothing.
                let chunks = body.len().div_ceil(CHUNK).max(1);
                let (tx, rx) = mpsc::channel(chunks);
                let mut rest = body;
                while !rest.is_empty() {
                    let chunk = rest.split_to(rest.len().min(CHUNK));
                    let _ = tx.try_send(Packet::engine(Item::Binary(chunk)));
                }
                // Dropping the sender ends the stream once the reader has read the body.
                End::Reader(rx)
            }
            Kind::Response(request) => {
                let (tx, rx) = mpsc::channel(DEFAULT_BUFFER);
                // A request that stopped waiting drops the reader here, which closes the
                // writer's socket at once, as for a channel whose reader left.
                let _ = request.send(rx);
                End::Writer(Writer::new(tx, total.clone()))
            }
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn total() -> Arc<Semaphore> {
        Arc::new(Semaphore::new(1 << 20))
    }

    #[test]
    fn a_body_is_queued_whole_in_chunks_then_ends() {
        let body = Bytes::from(vec![7u8; 2 * CHUNK + 5]);
        let lazy = Lazy::body("k".into(), body.clone());
        assert_eq!(lazy.key(Direction::Read), Some("k"));
        assert_eq!(
            lazy.key(Direction::Write),
            None,
            "the engine's end has no key"
        );
        let End::Reader(mut rx) = lazy.attach(&total()) else {
            panic!("a reader");
        };
        let mut got = Vec::new();
        let mut sizes = Vec::new();
        while let Ok(packet) = rx.try_recv() {
            let Item::Binary(chunk) = packet.item else {
                panic!("binary chunks only");
            };
            sizes.push(chunk.len());
            got.extend_from_slice(&chunk);
        }
        assert_eq!(sizes, vec![CHUNK, CHUNK, 5]);
        assert_eq!(got, body.to_vec());
        assert!(
            matches!(rx.try_recv(), Err(mpsc::error::TryRecvError::Disconnected)),
            "the stream ends after the body"
        );
    }

    #[test]
    fn an_empty_body_is_an_empty_stream() {
        let End::Reader(mut rx) = Lazy::body("k".into(), Bytes::new()).attach(&total()) else {
            panic!("a reader");
        };
        assert!(matches!(
            rx.try_recv(),
            Err(mpsc::error::TryRecvError::Disconnected)
        ));
    }

    #[tokio::test]
    async fn a_response_writer_hands_its_reader_to_the_request() {
        let (lazy, waiting) = Lazy::response("k".into());
        assert_eq!(lazy.key(Direction::Write), Some("k"));
        assert_eq!(lazy.key(Direction::Read), None);
        let End::Writer(writer) = lazy.attach(&total()) else {
            panic!("a writer");
        };
        let mut reader = waiting.await.unwrap();
        writer.send(Item::Text("hi".into())).await.unwrap();
        assert!(matches!(reader.recv().await.map(|p| p.item), Some(Item::Text(t)) if t == "hi"));
    }

    #[tokio::test]
    async fn a_response_writer_whose_request_left_is_closed() {
        let (lazy, waiting) = Lazy::response("k".into());
        drop(waiting);
        let End::Writer(writer) = lazy.attach(&total()) else {
            panic!("a writer");
        };
        writer.closed().await;
        assert!(writer.send(Item::Text("late".into())).await.is_err());
    }
}
