//! The read loop of one worker connection: reads frames, hands answers on at once, admits
//! calls within the worker's room (`super::admission`) and handles the rest in order.

use std::collections::HashSet;
use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use iii_protocol::Uuid;
use tokio::time::Instant;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;

use super::admission::{Admit, Budget, CallPermit, Deferred, Target};
use super::close;
use super::endpoint::Endpoint;
use super::frames::Conn;
use super::incoming::Incoming;
use super::socket::Socket;
use super::summary::{self, Due};
use crate::registry::Link;

/// Telemetry prefixes of binary frames that are not protocol messages.
const TELEMETRY_PREFIXES: [&[u8]; 3] = [b"OTLP", b"MTRC", b"LOGS"];

/// Why a connection's read loop ended.
pub(super) enum Stop {
    /// The worker closed the socket, or it failed.
    Closed,
    /// The worker broke the WebSocket protocol: the Close frame that says how.
    Violation(CloseFrame),
    /// A reattaching connection took its place.
    Evicted,
    /// The engine is stopping.
    Shutdown,
    /// The writer ended (the worker stopped reading, or a write failed).
    WriterGone,
}

/// What woke the read loop.
enum Wake {
    Frame(Option<Result<Frame, tokio_tungstenite::tungstenite::Error>>),
    Freed,
    Announced,
    Summary,
    Stop(Stop),
}

/// Resolves when the connection must end whatever it is doing. Cancel-safe: each branch only
/// observes a token or a channel. The read loop makes one for its whole life: a new one per
/// frame would register (and drop) three waiters, under their locks, every time.
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
pub(super) struct Reader {
    pub(super) ep: Arc<Endpoint>,
    pub(super) id: Uuid,
    pub(super) link: Arc<Link>,
    pub(super) conn: Conn,
    pub(super) stream: SplitStream<Socket>,
    pub(super) budget: Budget,
    pub(super) deferred: Deferred,
    pub(super) summary: Due,
}

/// The connection's stop signal, made once by the read loop.
type Stopping<'a> = Pin<&'a mut (dyn Future<Output = Stop> + Send)>;

impl Reader {
    /// The read loop.
    pub(super) async fn serve(&mut self) -> Stop {
        let (link, ep) = (self.link.clone(), self.ep.clone());
        let stop = stopping(&link, &ep);
        tokio::pin!(stop);
        // Kept across frames for the same reason as `stop`; made again once it fired.
        let announced = link.announced.notified();
        tokio::pin!(announced);
        loop {
            if let Err(why) = self.drain(stop.as_mut()).await {
                return why;
            }
            match self.wake(stop.as_mut(), announced.as_mut()).await {
                Wake::Stop(why) => return why,
                // Some call gave its room back: the next `drain` looks again.
                Wake::Freed => {}
                Wake::Announced => {
                    announced.set(link.announced.notified());
                    self.summary.announced();
                }
                Wake::Summary => {
                    self.summary.take();
                    summary::log(&self.ep.registry.snapshot(), self.id);
                }
                Wake::Frame(frame) => match self.read(frame) {
                    Err(why) => return why,
                    Ok(None) => {}
                    // Answers are never held back: answering calls frees the room that other
                    // calls wait for.
                    Ok(Some(incoming)) if incoming.is_result() => {
                        if let Err(why) = self.handle(stop.as_mut(), incoming, None).await {
                            return why;
                        }
                    }
                    Ok(Some(incoming)) => self.deferred.push(incoming),
                },
            }
        }
    }

    /// Handles the deferred frames that can be handled now, in order. A call whose target has
    /// used its share of the room stays, with the later calls to that target, and the frames
    /// behind it go ahead; a call that finds the whole room taken stops the pass.
    async fn drain(&mut self, mut stop: Stopping<'_>) -> Result<(), Stop> {
        // Nothing waits in the common case: then not even the registry is read.
        if self.deferred.is_empty() {
            return Ok(());
        }
        let snapshot = self.ep.registry.snapshot();
        let mut busy: HashSet<Target> = HashSet::new();
        let mut index = 0;
        while let Some(frame) = self.deferred.get(index) {
            let permit = match frame.called() {
                Some(function_id) => {
                    let target = snapshot.functions.get(function_id).map(|f| f.owner);
                    if busy.contains(&target) {
                        index += 1;
                        continue;
                    }
                    match self.budget.try_permit(target, frame.bytes) {
                        Admit::Granted(permit) => Some(permit),
                        Admit::TargetBusy => {
                            busy.insert(target);
                            index += 1;
                            continue;
                        }
                        Admit::Full => break,
                    }
                }
                None => None,
            };
            let Some(incoming) = self.deferred.take(index) else {
                break;
            };
            self.handle(stop.as_mut(), incoming, permit).await?;
        }
        Ok(())
    }

    /// Handles one frame, unless the connection must stop first.
    async fn handle(
        &mut self,
        stop: Stopping<'_>,
        incoming: Incoming,
        permit: Option<CallPermit>,
    ) -> Result<(), Stop> {
        if incoming.is_registration() {
            self.summary.registered();
        }
        tokio::select! {
            () = self.conn.handle(incoming, permit) => Ok(()),
            why = stop => Err(why),
        }
    }

    /// Waits for the next thing to do.
    async fn wake(
        &mut self,
        stop: Stopping<'_>,
        announced: Pin<&mut tokio::sync::futures::Notified<'_>>,
    ) -> Wake {
        // While calls wait for room, later frames are still read (answers are handled at
        // once), up to a bound; past it the worker is not read from at all.
        let room = self.deferred.has_room();
        let waiting = !self.deferred.is_empty();
        let summary_at = self.summary.at();
        // Every branch is cancel-safe: `next` polls a stream, `announced` and `freed` keep
        // their wake-up in the `Notify` (and `announced` is not dropped here), and the others
        // only observe.
        tokio::select! {
            frame = self.stream.next(), if room => Wake::Frame(frame),
            () = self.budget.freed(), if waiting => Wake::Freed,
            () = announced => Wake::Announced,
            () = sleep_until(summary_at), if summary_at.is_some() => Wake::Summary,
            why = stop => Wake::Stop(why),
        }
    }

    /// Decodes a frame read from the socket; `None` for a frame that carries no message.
    fn read(
        &self,
        frame: Option<Result<Frame, tokio_tungstenite::tungstenite::Error>>,
    ) -> Result<Option<Incoming>, Stop> {
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
            Some(Ok(Frame::Close(_))) | None => return Err(Stop::Closed),
            // Pings are answered by tungstenite on the next read or write.
            Some(Ok(_)) => None,
            Some(Err(e)) => {
                tracing::info!("worker {}: socket error: {e}", self.id);
                return Err(close::for_error(&e).map_or(Stop::Closed, Stop::Violation));
            }
        };
        Ok(incoming)
    }
}
