//! One worker connection: the hello, its registration in the registry, the read loop
//! (`super::reader`), and the cleanup and Close frame when it ends.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use iii_protocol::{Message, Uuid, WorkerRegistered};
use tokio::sync::{mpsc, oneshot};

use super::admission::{Budget, Deferred};
use super::close;
use super::endpoint::Endpoint;
use super::frames::Conn;
use super::reader::{Reader, Stop};
use super::socket::Socket;
use super::summary::{self, Due};
use super::writer::{self, Ended, Limits};
use crate::access::Access;
use crate::events::Event;
use crate::registry::{Link, WorkerEntry};

/// Serves one worker until it disconnects, is evicted, or the engine stops; `access` is what
/// it may do when it came through an access-controlled listener.
pub(crate) async fn run(
    ep: Arc<Endpoint>,
    socket: Socket,
    peer: SocketAddr,
    access: Option<Arc<Access>>,
) {
    let id = Uuid::new_v4();
    let reattach_token = Uuid::new_v4();
    let (sink, stream) = socket.split();
    let (tx, rx) = mpsc::channel(ep.config.outbound_queue.max(1));
    let (close_tx, close_rx) = oneshot::channel();
    let (ended_tx, ended_rx) = oneshot::channel();
    let limits = Limits {
        write_timeout: ep.config.write_timeout,
        max_frame: ep.config.max_frame_bytes,
    };
    let writer = ep
        .tasks
        .spawn(writer::run(sink, rx, close_rx, limits, ended_tx));
    let link = Arc::new(Link::new(tx, ep.config.max_message_bytes));
    let hello = Message::from(WorkerRegistered {
        worker_id: id.to_string(),
        reattach_token: Some(reattach_token.to_string()),
    });
    // Queued before the worker is visible to anyone, so it is the first frame on the wire.
    link.send(hello.encode()).await;
    let entry = WorkerEntry {
        link: link.clone(),
        reattach_token,
        connected_at_ms: chrono::Utc::now().timestamp_millis(),
        peer,
        metadata: None,
        access: access.clone(),
    };
    ep.registry.connect(id, entry);
    tracing::info!("worker {id} connected from {peer}");
    let event = Event::Worker {
        event: "worker_connected",
        worker: id,
    };
    ep.fires.send(event).await;
    let mut reader = Reader {
        conn: Conn {
            ep: ep.clone(),
            id,
            link: link.clone(),
            access,
        },
        budget: Budget::new(&ep.config),
        ep: ep.clone(),
        id,
        link: link.clone(),
        stream,
        deferred: Deferred::default(),
        summary: Due::default(),
    };
    let why = reader.serve().await;
    let goodbye = match &why {
        Stop::Shutdown => Some(close::shutdown()),
        Stop::Evicted => Some(close::evicted()),
        Stop::Violation(frame) => Some(frame.clone()),
        // A peer that sent a Close frame gets tungstenite's echo of it when the writer closes.
        Stop::Closed | Stop::WriterGone => None,
    };
    finish(&ep, &mut reader.summary, id, &link, why, ended_rx).await;
    let _ = close_tx.send(goodbye);
    let abort = writer.abort_handle();
    if tokio::time::timeout(Duration::from_secs(2), writer)
        .await
        .is_err()
    {
        abort.abort();
    }
}

/// Forgets the worker: its functions, bindings and channels go, the calls delivered to it
/// are answered `invocation_stopped`, and a reattaching connection waiting for this one is
/// released.
async fn finish(
    ep: &Endpoint,
    summary: &mut Due,
    id: Uuid,
    link: &Link,
    why: Stop,
    mut ended: oneshot::Receiver<Ended>,
) {
    match &why {
        Stop::Evicted => tracing::info!("worker {id} evicted by a reattaching connection"),
        Stop::Violation(frame) => tracing::warn!(
            "worker {id} broke the protocol ({}); closing with {}",
            frame.reason,
            u16::from(frame.code)
        ),
        // The writer said why before its queue closed.
        Stop::WriterGone => match ended.try_recv() {
            Ok(Ended::TimedOut) => tracing::warn!(
                "worker {id} does not read its socket (a write took over {:?}); disconnecting",
                ep.config.write_timeout
            ),
            Ok(Ended::Failed(e)) => tracing::info!("worker {id}: socket write failed: {e}"),
            Ok(Ended::Told) | Err(_) => {}
        },
        Stop::Closed | Stop::Shutdown => {}
    }
    if summary.take() {
        summary::log(&ep.registry.snapshot(), id);
    }
    // A stopping engine drops the registry whole: forgetting a worker's 200,000 bindings one by
    // one would only delay the exit (and the providers of its bindings are stopping too).
    if !matches!(why, Stop::Shutdown) {
        // Before `depart`, which forgets the bindings whose providers are told.
        ep.triggers.departing(id).await;
        ep.registry.depart(id);
    }
    ep.channels.release_owner(id);
    let stopped = link.stop_all();
    // After `depart`: a reattaching connection's replay must not be undone by this cleanup.
    link.gone.cancel();
    tracing::info!("worker {id} disconnected ({stopped} invocation(s) stopped)");
    let event = Event::Worker {
        event: "worker_disconnected",
        worker: id,
    };
    ep.fires.send(event).await;
}
