//! One worker connection: the read loop, the writer task, and the cleanup when it ends.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use iii_protocol::{Message, Uuid, WorkerRegistered};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::Socket;
use super::dispatch::Conn;
use crate::hub::{Hub, lock};
use crate::registry::WorkerEntry;
use crate::router;
use crate::triggers::engine;

/// Telemetry prefixes of binary frames that are not protocol messages.
const TELEMETRY_PREFIXES: [&[u8]; 3] = [b"OTLP", b"MTRC", b"LOGS"];

/// Serves one worker until it disconnects, is evicted, or the engine stops.
pub(crate) async fn run(hub: Arc<Hub>, socket: Socket, peer: SocketAddr) {
    let worker_id = Uuid::new_v4();
    let reattach_token = Uuid::new_v4();
    let (sink, mut stream) = socket.split();
    let (tx, rx) = mpsc::channel(hub.config.outbound_queue.max(1));
    let (close_tx, close_rx) = oneshot::channel();
    let writer = hub.tasks.spawn(write_loop(sink, rx, close_rx));
    let hello = Message::from(WorkerRegistered {
        worker_id: worker_id.to_string(),
        reattach_token: Some(reattach_token.to_string()),
    });
    // Queued before the worker is visible to anyone, so it is the first frame on the wire.
    let _ = tx.send(hello.encode()).await;
    let evict = Arc::new(Notify::new());
    hub.registry().workers.insert(
        worker_id,
        WorkerEntry {
            tx: tx.clone(),
            reattach_token,
            connected_at_ms: chrono::Utc::now().timestamp_millis(),
            peer,
            metadata: None,
            evict: evict.clone(),
        },
    );
    tracing::info!("worker {worker_id} connected from {peer}");
    engine::worker_event(&hub, "worker_connected", worker_id);
    let mut conn = Conn::new(hub.clone(), worker_id, tx);
    loop {
        // Every branch is cancel-safe: `next` polls a stream, `notified` keeps its permit in the
        // `Notify`, and the shutdown wait only observes a watch channel.
        let frame = tokio::select! {
            frame = stream.next() => frame,
            () = evict.notified() => {
                tracing::info!("worker {worker_id} evicted by a reattaching connection");
                break;
            }
            () = hub.shutdown.wait() => break,
        };
        match frame {
            Some(Ok(Frame::Text(text))) => conn.frame(text.as_str()).await,
            Some(Ok(Frame::Binary(bytes))) => {
                if TELEMETRY_PREFIXES.iter().any(|p| bytes.starts_with(p)) {
                    continue;
                }
                match std::str::from_utf8(&bytes) {
                    Ok(text) => conn.frame(text).await,
                    Err(_) => tracing::warn!("worker {worker_id}: binary frame is not UTF-8"),
                }
            }
            Some(Ok(Frame::Close(_))) | None => break,
            // Pings are answered by tungstenite on the next read or write.
            Some(Ok(_)) => {}
            Some(Err(e)) => {
                tracing::info!("worker {worker_id}: socket error: {e}");
                break;
            }
        }
    }
    drop(conn);
    let departure = hub.registry().depart(worker_id);
    lock(&hub.channels).release_owner(worker_id);
    hub.functions_changed.notify_one();
    for abort in departure.aborts {
        abort.abort();
    }
    let stopped = departure.stopped.len();
    for waiter in departure.stopped {
        let _ = waiter.send(Err(router::stopped()));
    }
    tracing::info!("worker {worker_id} disconnected ({stopped} invocation(s) stopped)");
    engine::worker_event(&hub, "worker_disconnected", worker_id);
    let _ = close_tx.send(());
    let abort = writer.abort_handle();
    if tokio::time::timeout(Duration::from_secs(2), writer)
        .await
        .is_err()
    {
        abort.abort();
    }
}

/// Owns the write half: sends queued frames in order, then a Close frame when told to stop.
async fn write_loop(
    mut sink: SplitSink<Socket, Frame>,
    mut rx: mpsc::Receiver<String>,
    mut close: oneshot::Receiver<()>,
) {
    let stopping = loop {
        // `biased` so that a stop request wins over a backlog of frames nobody will read.
        let next = tokio::select! {
            biased;
            _ = &mut close => break true,
            next = rx.recv() => next,
        };
        let Some(text) = next else { break false };
        if let Err(e) = sink.send(Frame::text(text)).await {
            tracing::debug!("worker socket write failed: {e}");
            break false;
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
