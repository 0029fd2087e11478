//! One worker connection: hello and registration, the read loop, and the cleanup when it ends.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use iii_protocol::{Message, Uuid, WorkerRegistered};
use tokio::sync::{mpsc, oneshot};
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as Frame;

use super::admission::{Budget, CallPermit, Deferred};
use super::endpoint::Endpoint;
use super::frames::Conn;
use super::incoming::Incoming;
use super::socket::Socket;
use super::summary::{self, Due};
use super::writer;
use crate::events::Event;
use crate::registry::{Link, WorkerEntry};

/// Telemetry prefixes of binary frames that are not protocol messages.
const TELEMETRY_PREFIXES: [&[u8]; 3] = [b"OTLP", b"MTRC", b"LOGS"];

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
enum Wake {
    Frame(Option<Result<Frame, tokio_tungstenite::tungstenite::Error>>),
    Permit(Option<CallPermit>),
    Announced,
    Summary,
    Stop(Stop),
}

/// The socket closed or failed.
struct Closed;

/// Resolves when the connection must end whatever it is doing. Cancel-safe: each branch only
/// observes a token or a channel.
async fn stopping(link: &Link, ep: &Endpoint) -> Stop {
    tokio::select! {
        () = link.evict.cancelled() => Stop::Evicted,
        () = ep.tasks.stopping() => Stop::Shutdown,
        () = link.writer_gone() => Stop::WriterGone,
    }
}

async fn sleep_until(at: Option<Instant>) {
    match at {
        Some(at) => tokio::time::sleep_until(at).await,
        None => std::future::pending().await,
    }
}

/// The read side of one connection.
struct Reader {
    ep: Arc<Endpoint>,
    id: Uuid,
    link: Arc<Link>,
    conn: Conn,
    stream: SplitStream<Socket>,
    budget: Budget,
    deferred: Deferred,
    summary: Due,
}

/// Serves one worker until it disconnects, is evicted, or the engine stops.
pub(crate) async fn run(ep: Arc<Endpoint>, socket: Socket, peer: SocketAddr) {
    let id = Uuid::new_v4();
    let reattach_token = Uuid::new_v4();
    let (sink, stream) = socket.split();
    let (tx, rx) = mpsc::channel(ep.config.outbound_queue.max(1));
    let (close_tx, close_rx) = oneshot::channel();
    let writer = ep
        .tasks
        .spawn(writer::run(sink, rx, close_rx, ep.config.write_timeout));
    let link = Arc::new(Link::new(tx));
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
        },
        budget: Budget::new(&ep.config),
        ep,
        id,
        link,
        stream,
        deferred: Deferred::default(),
        summary: Due::default(),
    };
    let why = reader.serve().await;
    reader.finish(why).await;
    let _ = close_tx.send(());
    let abort = writer.abort_handle();
    if tokio::time::timeout(Duration::from_secs(2), writer)
        .await
        .is_err()
    {
        abort.abort();
    }
}

impl Reader {
    /// The read loop.
    async fn serve(&mut self) -> Stop {
        loop {
            if let Err(why) = self.drain().await {
                return why;
            }
            match self.wake().await {
                Wake::Stop(why) => return why,
                Wake::Permit(permit) => {
                    if let Some(incoming) = self.deferred.pop()
                        && let Err(why) = self.handle(incoming, permit).await
                    {
                        return why;
                    }
                }
                Wake::Announced => self.summary.announced(),
                Wake::Summary => {
                    self.summary.take();
                    summary::log(&self.ep.registry.snapshot(), self.id);
                }
                Wake::Frame(frame) => match self.read(frame) {
                    Err(Closed) => return Stop::Closed,
                    Ok(None) => {}
                    // Answers are never held back: answering calls frees the room that other
                    // calls wait for.
                    Ok(Some(incoming)) if incoming.is_result() => {
                        if let Err(why) = self.handle(incoming, None).await {
                            return why;
                        }
                    }
                    Ok(Some(incoming)) => self.deferred.push(incoming),
                },
            }
        }
    }

    /// Handles the deferred frames that can be handled now, in order; stops at a call that has
    /// no room.
    async fn drain(&mut self) -> Result<(), Stop> {
        while let Some(head) = self.deferred.front() {
            let permit = if head.is_call() {
                match self.budget.try_permit(head.bytes) {
                    Some(permit) => Some(permit),
                    None => break,
                }
            } else {
                None
            };
            let Some(incoming) = self.deferred.pop() else {
                break;
            };
            self.handle(incoming, permit).await?;
        }
        Ok(())
    }

    /// Handles one frame, unless the connection must stop first.
    async fn handle(&mut self, incoming: Incoming, permit: Option<CallPermit>) -> Result<(), Stop> {
        if incoming.is_registration() {
            self.summary.registered();
        }
        tokio::select! {
            () = self.conn.handle(incoming, permit) => Ok(()),
            why = stopping(&self.link, &self.ep) => Err(why),
        }
    }

    /// Waits for the next thing to do.
    async fn wake(&mut self) -> Wake {
        let waiting = self.deferred.front().map(|head| head.bytes);
        // While a call waits for room, later frames are still read (answers are handled at
        // once), up to a bound; past it the worker is not read from at all.
        let room = self.deferred.has_room();
        let summary_at = self.summary.at();
        // Every branch is cancel-safe: `next` polls a stream, `notified` keeps its permit in
        // the `Notify`, the permit wait holds nothing until it completes, and the others only
        // observe.
        tokio::select! {
            frame = self.stream.next(), if room => Wake::Frame(frame),
            permit = self.budget.permit(waiting.unwrap_or(0)), if waiting.is_some() => {
                Wake::Permit(permit)
            }
            () = self.link.announced.notified() => Wake::Announced,
            () = sleep_until(summary_at), if summary_at.is_some() => Wake::Summary,
            why = stopping(&self.link, &self.ep) => Wake::Stop(why),
        }
    }

    /// Decodes a frame read from the socket; `None` for a frame that carries no message.
    fn read(
        &self,
        frame: Option<Result<Frame, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<Option<Incoming>, Closed> {
        let incoming = match frame {
            Some(Ok(Frame::Text(text))) => Incoming::parse(self.id, text.as_str()),
            Some(Ok(Frame::Binary(bytes))) => {
                if TELEMETRY_PREFIXES.iter().any(|p| bytes.starts_with(p)) {
                    return Ok(None);
                }
                match std::str::from_utf8(&bytes) {
                    Ok(text) => Incoming::parse(self.id, text),
                    Err(_) => {
                        tracing::warn!("worker {}: binary frame is not UTF-8", self.id);
                        None
                    }
                }
            }
            Some(Ok(Frame::Close(_))) | None => return Err(Closed),
            // Pings are answered by tungstenite on the next read or write.
            Some(Ok(_)) => None,
            Some(Err(e)) => {
                tracing::info!("worker {}: socket error: {e}", self.id);
                return Err(Closed);
            }
        };
        Ok(incoming)
    }

    /// Forgets the worker: its functions, bindings and channels go, the calls delivered to it
    /// are answered `invocation_stopped`, and a reattaching connection waiting for this one is
    /// released.
    async fn finish(&mut self, why: Stop) {
        let id = self.id;
        match why {
            Stop::Evicted => tracing::info!("worker {id} evicted by a reattaching connection"),
            Stop::WriterGone => tracing::warn!(
                "worker {id} does not read its socket (a write took over {:?}); disconnecting",
                self.ep.config.write_timeout
            ),
            Stop::Closed | Stop::Shutdown => {}
        }
        if self.summary.take() {
            summary::log(&self.ep.registry.snapshot(), id);
        }
        self.ep.triggers.departing(id).await;
        self.ep.registry.depart(id);
        self.ep.channels.release_owner(id);
        let stopped = self.link.stop_all();
        // After `depart`: a reattaching connection's replay must not be undone by this cleanup.
        self.link.gone.cancel();
        tracing::info!("worker {id} disconnected ({stopped} invocation(s) stopped)");
        let event = Event::Worker {
            event: "worker_disconnected",
            worker: id,
        };
        self.ep.fires.send(event).await;
    }
}
