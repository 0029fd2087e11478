//! One worker connection: the read loop, the writer task, and the cleanup when it ends.

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::SplitSink;
use futures_util::{SinkExt, StreamExt};
use iii_protocol::{Message, Uuid, WorkerRegistered};
use tokio::sync::{Notify, mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::Socket;
use super::dispatch::{CallPermit, Conn, Incoming};
use crate::hub::{Hub, lock};
use crate::introspect;
use crate::registry::{Outbound, WorkerEntry};
use crate::router;
use crate::triggers::engine;

/// Telemetry prefixes of binary frames that are not protocol messages.
const TELEMETRY_PREFIXES: [&[u8]; 3] = [b"OTLP", b"MTRC", b"LOGS"];

/// Frames read ahead while a call waits for room (see [`EngineConfig::max_calls_per_worker`]).
///
/// [`EngineConfig::max_calls_per_worker`]: crate::EngineConfig::max_calls_per_worker
const DEFER_FRAMES: usize = 256;
/// Bytes read ahead while a call waits for room (one frame may go over).
const DEFER_BYTES: usize = 4 * 1024 * 1024;
/// Quiet time after an announce (or the registration that follows it) before the worker's
/// summary is logged: SDKs may announce before or after registering.
const SUMMARY_SETTLE: Duration = Duration::from_millis(250);
/// The longest the summary waits after an announce, however busy the worker is.
const SUMMARY_MAX_WAIT: Duration = Duration::from_secs(3);

/// Why a connection's read loop ended.
enum Stop {
    /// The worker closed the socket, or it failed.
    Closed,
    /// A reattaching connection took its place.
    Evicted,
    /// The engine is stopping.
    Shutdown,
    /// The writer gave up (the worker stopped reading) or ended.
    WriterGone,
}

/// What woke the read loop.
enum Event {
    Frame(Option<Result<Frame, tokio_tungstenite::tungstenite::Error>>),
    Permit(Option<CallPermit>),
    Announced,
    Summary,
}

/// Resolves when the connection must end whatever it is doing.
async fn stopping(evict: &Notify, hub: &Hub, writer: &Outbound) -> Stop {
    tokio::select! {
        () = evict.notified() => Stop::Evicted,
        () = hub.shutdown.wait() => Stop::Shutdown,
        () = writer.closed() => Stop::WriterGone,
    }
}

/// Pushes the summary back while registrations keep coming after an announce.
fn note_registration(incoming: &Incoming, summary: &mut Option<(Instant, Instant)>) {
    if let Some((at, latest)) = summary.as_mut()
        && incoming.is_registration()
    {
        *at = (Instant::now() + SUMMARY_SETTLE).min(*latest);
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// Serves one worker until it disconnects, is evicted, or the engine stops.
pub(crate) async fn run(hub: Arc<Hub>, socket: Socket, peer: SocketAddr) {
    let worker_id = Uuid::new_v4();
    let reattach_token = Uuid::new_v4();
    let (sink, mut stream) = socket.split();
    let (tx, rx) = mpsc::channel(hub.config.outbound_queue.max(1));
    let (close_tx, close_rx) = oneshot::channel();
    let writer = hub
        .tasks
        .spawn(write_loop(sink, rx, close_rx, hub.config.write_timeout));
    let hello = Message::from(WorkerRegistered {
        worker_id: worker_id.to_string(),
        reattach_token: Some(reattach_token.to_string()),
    });
    // Queued before the worker is visible to anyone, so it is the first frame on the wire.
    let _ = tx.send(hello.encode()).await;
    let evict = Arc::new(Notify::new());
    let announced = Arc::new(Notify::new());
    hub.registry().workers.insert(
        worker_id,
        WorkerEntry {
            tx: tx.clone(),
            reattach_token,
            connected_at_ms: chrono::Utc::now().timestamp_millis(),
            peer,
            metadata: None,
            evict: evict.clone(),
            announced: announced.clone(),
        },
    );
    tracing::info!("worker {worker_id} connected from {peer}");
    engine::worker_event(&hub, "worker_connected", worker_id);
    let writer_tx = tx.clone();
    let mut conn = Conn::new(hub.clone(), worker_id, tx);
    let stop = || stopping(&evict, &hub, &writer_tx);
    // Frames read but not handled yet, in order: the first is a call waiting for room.
    let mut deferred: VecDeque<Incoming> = VecDeque::new();
    let mut deferred_bytes = 0usize;
    // When to log the worker's summary: a while after its announce, once registrations settle.
    let mut summary: Option<(Instant, Instant)> = None;
    let why = 'conn: loop {
        // Handle what can be handled now, in order; stop at a call that has no room.
        while let Some(head) = deferred.front() {
            let permit = if head.is_call() {
                match conn.try_permit(head.bytes) {
                    Some(permit) => Some(permit),
                    None => break,
                }
            } else {
                None
            };
            let Some(incoming) = deferred.pop_front() else {
                break;
            };
            deferred_bytes -= incoming.bytes;
            note_registration(&incoming, &mut summary);
            tokio::select! {
                () = conn.handle(incoming, permit) => {}
                why = stop() => break 'conn why,
            }
        }
        let waiting = deferred.front().map(|head| head.bytes);
        // While a call waits for room, later frames are still read (answers are handled at
        // once, so that the calls holding the room can finish), up to a bound; past it the
        // worker is not read from at all, and TCP pushes back on it.
        let room = deferred.len() < DEFER_FRAMES && deferred_bytes < DEFER_BYTES;
        let summary_at = summary.map(|(at, _)| at);
        // Every branch is cancel-safe: `next` polls a stream, `notified` keeps its permit in the
        // `Notify`, the permit wait holds nothing until it completes, and the others only
        // observe.
        let event = tokio::select! {
            frame = stream.next(), if room => Event::Frame(frame),
            permit = conn.permit(waiting.unwrap_or(0)), if waiting.is_some() => Event::Permit(permit),
            () = announced.notified() => Event::Announced,
            () = sleep_until(summary_at), if summary_at.is_some() => Event::Summary,
            why = stop() => break why,
        };
        let frame = match event {
            Event::Permit(permit) => {
                let Some(incoming) = deferred.pop_front() else {
                    continue;
                };
                deferred_bytes -= incoming.bytes;
                tokio::select! {
                    () = conn.handle(incoming, permit) => {}
                    why = stop() => break why,
                }
                continue;
            }
            Event::Announced => {
                let now = Instant::now();
                summary = Some((now + SUMMARY_SETTLE, now + SUMMARY_MAX_WAIT));
                continue;
            }
            Event::Summary => {
                summary = None;
                introspect::log_summary(&hub, worker_id);
                continue;
            }
            Event::Frame(frame) => frame,
        };
        let text = match frame {
            Some(Ok(Frame::Text(text))) => conn.parse(text.as_str()),
            Some(Ok(Frame::Binary(bytes))) => {
                if TELEMETRY_PREFIXES.iter().any(|p| bytes.starts_with(p)) {
                    continue;
                }
                match std::str::from_utf8(&bytes) {
                    Ok(text) => conn.parse(text),
                    Err(_) => {
                        tracing::warn!("worker {worker_id}: binary frame is not UTF-8");
                        None
                    }
                }
            }
            Some(Ok(Frame::Close(_))) | None => break Stop::Closed,
            // Pings are answered by tungstenite on the next read or write.
            Some(Ok(_)) => None,
            Some(Err(e)) => {
                tracing::info!("worker {worker_id}: socket error: {e}");
                break Stop::Closed;
            }
        };
        let Some(incoming) = text else { continue };
        if incoming.is_result() {
            tokio::select! {
                () = conn.handle(incoming, None) => {}
                why = stop() => break why,
            }
        } else {
            deferred_bytes += incoming.bytes;
            deferred.push_back(incoming);
        }
    };
    match why {
        Stop::Evicted => tracing::info!("worker {worker_id} evicted by a reattaching connection"),
        Stop::WriterGone => tracing::warn!(
            "worker {worker_id} does not read its socket (a write took over {:?}); disconnecting",
            hub.config.write_timeout
        ),
        Stop::Closed | Stop::Shutdown => {}
    }
    if summary.is_some() {
        introspect::log_summary(&hub, worker_id);
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
