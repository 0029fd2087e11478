//! Carrying the engine exporter's span batches (feature `otel`) to the engine's telemetry
//! socket: `/otel` at the worker's engine URL, opened with the worker's handshake once its
//! connection is ready, reopened with backoff when it drops, closed after the worker closes
//! and the last spans are flushed.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Message;

use crate::observe::otel;
use crate::status::ConnectionStatus;
use crate::transport::{Ws, dial};
use crate::worker::{ConnectionEvents, WeakWorker, Worker};

/// Pauses between attempts to open the socket.
const FIRST_PAUSE: Duration = Duration::from_millis(200);
const LONGEST_PAUSE: Duration = Duration::from_secs(30);

/// Starts carrying the batches, unless no engine exporter exists or another worker of the
/// process carries them.
pub(super) fn carry(worker: &Worker) {
    if let Some(frames) = otel::take_frames() {
        tokio::spawn(run(worker.downgrade(), frames));
    }
}

/// How one socket ended.
enum Ended {
    /// The socket failed: open another.
    Dropped,
    /// The worker closed: stop.
    WorkerClosed,
}

async fn run(worker: WeakWorker, mut frames: mpsc::Receiver<Vec<u8>>) {
    let mut pause = FIRST_PAUSE;
    loop {
        // Only the status is held between sockets: the worker's handle would keep it alive.
        let Some((mut events, url, open)) = worker.upgrade().map(|w| {
            let handshake = w.config().handshake.clone();
            let timeout = w.config().connect_timeout;
            let url = otel_url(&w.engine_url());
            let open = {
                let url = url.clone();
                async move { tokio::time::timeout(timeout, dial(&url, &handshake)).await }
            };
            (w.connection_events(), url, open)
        }) else {
            break;
        };
        if !ready(&mut events).await {
            break;
        }
        match open.await {
            Ok(Ok(ws)) => {
                pause = FIRST_PAUSE;
                tracing::debug!(%url, "telemetry socket open");
                if let Ended::WorkerClosed = send(ws, &mut frames, &mut events).await {
                    break;
                }
            }
            Ok(Err(e)) => tracing::debug!(%url, "telemetry socket: {e}"),
            Err(_) => tracing::debug!(%url, "telemetry socket: timed out"),
        }
        tokio::time::sleep(pause).await;
        pause = (pause * 2).min(LONGEST_PAUSE);
    }
    otel::give_back(frames);
}

/// Waits until the worker's connection is ready; `false` when the worker closed first.
async fn ready(events: &mut ConnectionEvents) -> bool {
    while let Some(status) = events.next().await {
        match status {
            ConnectionStatus::Ready | ConnectionStatus::Draining => return true,
            ConnectionStatus::Closed => return false,
            _ => {}
        }
    }
    false
}

/// Sends every batch on `ws` until it fails or the worker closes.
async fn send(
    mut ws: Ws,
    frames: &mut mpsc::Receiver<Vec<u8>>,
    events: &mut ConnectionEvents,
) -> Ended {
    loop {
        // Cancel safety: `recv`, a stream's `next` and a watch's change lose nothing when
        // another branch wins; the send happens in the branch's body, never raced.
        tokio::select! {
            frame = frames.recv() => {
                let Some(frame) = frame else {
                    return Ended::WorkerClosed;
                };
                if ws.send(Message::Binary(frame.into())).await.is_err() {
                    return Ended::Dropped;
                }
            }
            // The engine sends nothing but pings (answered by reading) and a close.
            incoming = ws.next() => {
                if !matches!(incoming, Some(Ok(_))) {
                    return Ended::Dropped;
                }
            }
            status = events.next() => match status {
                Some(ConnectionStatus::Closed) | None => {
                    last_spans(&mut ws, frames).await;
                    return Ended::WorkerClosed;
                }
                Some(ConnectionStatus::Reconnecting { .. }) => return Ended::Dropped,
                Some(_) => {}
            }
        }
    }
}

/// Once the worker has closed (its invocations finished): flushes the spans still in the
/// batch processor and sends what is queued, then closes the socket.
async fn last_spans(ws: &mut Ws, frames: &mut mpsc::Receiver<Vec<u8>>) {
    // The processor's flush blocks until its exporter has run.
    let _ = tokio::task::spawn_blocking(otel::flush).await;
    while let Ok(frame) = frames.try_recv() {
        if ws.send(Message::Binary(frame.into())).await.is_err() {
            return;
        }
    }
    let _ = ws.close(None).await;
}

/// `ws://host:port/otel` for the engine at `base` (its query, if any, kept).
fn otel_url(base: &str) -> String {
    let (path, query) = base.split_once('?').unwrap_or((base, ""));
    let path = path.trim_end_matches('/');
    if query.is_empty() {
        format!("{path}/otel")
    } else {
        format!("{path}/otel?{query}")
    }
}

#[cfg(test)]
mod tests {
    use super::otel_url;

    #[test]
    fn the_socket_is_otel_beside_the_workers() {
        assert_eq!(
            otel_url("ws://127.0.0.1:49134"),
            "ws://127.0.0.1:49134/otel"
        );
        assert_eq!(
            otel_url("wss://engine.example/"),
            "wss://engine.example/otel"
        );
        assert_eq!(
            otel_url("ws://engine:49134/?tenant=a"),
            "ws://engine:49134/otel?tenant=a"
        );
    }
}
