//! The writer task: owns the write half of a worker's socket, sends the queued frames in order
//! and a Close frame when told to stop.

use std::time::Duration;

use futures_util::SinkExt;
use futures_util::stream::SplitSink;
use tokio::sync::{mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::socket::Socket;

/// Owns the write half: sends queued frames in order, then a Close frame when told to stop.
pub(crate) async fn run(
    mut sink: SplitSink<Socket, Frame>,
    mut rx: mpsc::Receiver<String>,
    mut close: oneshot::Receiver<()>,
    write_timeout: Duration,
) {
    let stopping = loop {
        // `biased` so that a stop request wins over a backlog of frames nobody will read.
        let next = tokio::select! {
            biased;
            _ = &mut close => break true,
            next = rx.recv() => next,
        };
        let Some(text) = next else { break false };
        // Bounded, so that a worker that stops reading cannot hold the connection (and every
        // sender waiting for room in its queue) forever; ending here drops `rx`, which ends the
        // read loop too.
        let written = tokio::select! {
            biased;
            _ = &mut close => break true,
            written = tokio::time::timeout(write_timeout, sink.send(Frame::text(text))) => written,
        };
        match written {
            Ok(Ok(())) => {}
            Ok(Err(e)) => {
                tracing::debug!("worker socket write failed: {e}");
                break false;
            }
            Err(_) => break false,
        }
    };
    if stopping {
        // 1001 "going away" tells SDKs the engine is stopping (a bare close reads as 1005).
        let away = Frame::Close(Some(CloseFrame {
            code: CloseCode::Away,
            reason: "engine shutting down".into(),
        }));
        let _ = tokio::time::timeout(Duration::from_secs(1), sink.send(away)).await;
    }
    let _ = tokio::time::timeout(Duration::from_secs(1), sink.close()).await;
}
