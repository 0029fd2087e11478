//! The writer task: owns the write half of a worker's socket, sends the queued frames in order
//! (fragmented past the frame limit), and the Close frame the read loop chose when told to
//! stop. It reports why it ended, so that a failed write is never logged as a timeout.

use std::time::Duration;

use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use super::outgoing;
use super::socket::Socket;

/// Why the writer ended.
#[derive(Debug)]
pub(crate) enum Ended {
    /// The read loop told it to (the connection is ending for another reason).
    Told,
    /// A frame took longer than the write timeout: the worker does not read.
    TimedOut,
    /// Writing failed (the socket is gone).
    Failed(String),
}

/// How the writer writes.
pub(crate) struct Limits {
    /// How long one frame may take.
    pub(crate) write_timeout: Duration,
    /// The largest frame sent; larger messages are fragmented.
    pub(crate) max_frame: usize,
}

/// Owns the write half: sends queued frames in order, then `close`'s Close frame (if any)
/// when told to stop. `ended` hears why it stopped before the queue closes, so the read loop
/// (which wakes on the closed queue) knows.
pub(crate) async fn run(
    mut sink: SplitSink<Socket, Frame>,
    mut rx: mpsc::Receiver<String>,
    mut close: oneshot::Receiver<Option<CloseFrame>>,
    limits: Limits,
    ended: oneshot::Sender<Ended>,
) {
    let (why, goodbye) = loop {
        // `biased` so that a stop request wins over a backlog of frames nobody will read.
        let next = tokio::select! {
            biased;
            goodbye = &mut close => break (Ended::Told, goodbye.ok().flatten()),
            next = rx.recv() => next,
        };
        // The link that feeds the queue lives until the read loop tells this task to stop.
        let Some(text) = next else {
            break (Ended::Told, None);
        };
        // Bounded, so that a worker that stops reading cannot hold the connection (and every
        // sender waiting for room in its queue) forever; ending here drops `rx`, which ends the
        // read loop too. Cancelling a send midway leaves whole frames in the socket's buffer;
        // a Close frame may then come between the fragments of a message, which RFC 6455
        // allows.
        let send = outgoing::send_text(&mut sink, text, limits.max_frame);
        let written = tokio::select! {
            biased;
            goodbye = &mut close => break (Ended::Told, goodbye.ok().flatten()),
            written = tokio::time::timeout(limits.write_timeout, send) => written,
        };
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => break (Ended::Failed(e.to_string()), None),
            Err(_) => break (Ended::TimedOut, None),
        }
    };
    let _ = ended.send(why);
    drop(rx);
    if let Some(goodbye) = goodbye {
        // A bare close would read as 1005 "no status" on the other side.
        let frame = Frame::Close(Some(goodbye));
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(frame)).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
}
