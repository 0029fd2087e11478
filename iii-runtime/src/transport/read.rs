//! The read half: decodes every frame, offers invocations to the admission, reports the rest
//! to the service, and ends the connection when nothing arrives within the idle timeout.

use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use iii_protocol::{DecodeError, Message};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::Utf8Bytes;

use super::port::Port;
use super::report::Event;
use super::socket::{Timings, Ws};
use crate::dispatch::Admission;
use crate::incoming::Incoming;
use crate::link::{Link, Outgoing};

/// What the read half needs: where to report, and the admission that starts invocations
/// without a hop through the service.
pub(super) struct Reader {
    pub(super) generation: u64,
    pub(super) timings: Timings,
    pub(super) events: mpsc::Sender<Event>,
    pub(super) admission: Arc<Admission>,
    pub(super) link: Link,
    /// The write side, whose answers written while a frame is handled this reader flushes
    /// once it has read everything there is.
    pub(super) port: Arc<Port>,
}

pub(super) async fn read_loop(
    mut stream: SplitStream<Ws>,
    reader: &Reader,
    mut writer_stopped: oneshot::Receiver<String>,
) -> String {
    let Reader {
        generation,
        timings,
        events,
        admission,
        link,
        port,
    } = reader;
    let (generation, timings) = (*generation, *timings);
    let mut check = tokio::time::interval(timings.ping_interval);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    // When a frame last came, to the check's precision: frames only mark that one came, and
    // the check (every ping interval) turns that into a time, so that no frame reads the clock.
    let mut last_seen = Instant::now();
    let mut seen = false;
    // One wait for the whole connection, not one made (and registered) for every frame.
    let aborted = link.aborted();
    tokio::pin!(aborted);
    loop {
        // Cancel safety: `StreamExt::next`, a oneshot receiver and `Interval::tick` lose
        // nothing when another branch wins; `aborted` waits on a flag. Waiting on the service inside the first branch
        // only pauses reading, which is the backpressure the service exerts.
        tokio::select! {
            frame = next_or_flush(&mut stream, port) => {
                seen = true;
                match frame {
                    Some(Ok(frame)) => match inbound(frame) {
                        Inbound::Invoke(call) => {
                            // Started here when it may be; else the service decides.
                            if let Some(call) = port.reading(|| admission.try_start(call, link)) {
                                // The service may take a while: what was answered so far
                                // goes out first.
                                port.flush_owed();
                                if events.send(Event::Invoke { generation, call }).await.is_err() {
                                    return "worker dropped".to_owned();
                                }
                            }
                        }
                        Inbound::Message(message) => {
                            port.flush_owed();
                            if events.send(Event::Frame { generation, message }).await.is_err() {
                                return "worker dropped".to_owned();
                            }
                        }
                        Inbound::Skip => {}
                        Inbound::Closed(reason) => return reason,
                    },
                    Some(Err(e)) => return fail(e, link, &mut writer_stopped).await,
                    None => return "connection closed by the engine".to_owned(),
                }
            }
            reason = &mut writer_stopped => {
                let reason = reason.unwrap_or_else(|_| "writer ended".to_owned());
                // Give the engine a moment to answer a close frame, then end regardless.
                let _ = tokio::time::timeout(Duration::from_secs(1), async {
                    while let Some(Ok(_)) = stream.next().await {}
                })
                .await;
                return reason;
            }
            () = &mut aborted => {
                return "the engine stopped reading this worker's answers".to_owned();
            }
            now = check.tick() => {
                if std::mem::take(&mut seen) {
                    last_seen = now;
                } else if now.duration_since(last_seen) >= timings.idle_timeout {
                    return format!("nothing received for {:?}", timings.idle_timeout);
                }
            }
        }
    }
}

/// The next frame; when there is none to read yet, the answers written while handling the
/// frames before it are flushed first, in one write.
fn next_or_flush<'a>(
    stream: &'a mut SplitStream<Ws>,
    port: &'a Port,
) -> impl Future<Output = Option<Result<WsMessage, WsError>>> + 'a {
    std::future::poll_fn(move |cx| {
        let next = stream.poll_next_unpin(cx);
        if next.is_pending() {
            port.flush_owed();
        }
        next
    })
}

/// How long the close frame of a failed read may take to go out.
const FAIL_GRACE: Duration = Duration::from_secs(1);

/// A read failed. When the engine sent something this side cannot take, it is told why with
/// a close frame before the connection is dropped: 1007 for a text frame that is not UTF-8,
/// 1002 for a protocol violation, 1009 for a frame or message over the limits. Other errors
/// (the socket itself failed) leave nothing to tell.
async fn fail(
    error: WsError,
    link: &Link,
    writer_stopped: &mut oneshot::Receiver<String>,
) -> String {
    let (code, what) = match &error {
        WsError::Utf8(_) => (1007, "invalid UTF-8 in a text frame"),
        WsError::Protocol(_) => (1002, "WebSocket protocol violation"),
        WsError::Capacity(_) => (1009, "frame or message too big"),
        _ => return format!("read error: {error}"),
    };
    tracing::warn!(%error, code, "the engine sent a frame this worker cannot take; closing the connection");
    let _ = link.control.send(Outgoing::Fail(code, what.to_owned()));
    let _ = tokio::time::timeout(FAIL_GRACE, writer_stopped).await;
    format!("closed with {code} ({what}): {error}")
}

enum Inbound {
    Invoke(Incoming),
    Message(Message),
    Skip,
    Closed(String),
}

fn inbound(frame: WsMessage) -> Inbound {
    let frame = match frame {
        WsMessage::Text(t) => t,
        WsMessage::Binary(b) => match Utf8Bytes::try_from(b) {
            Ok(t) => t,
            Err(_) => {
                tracing::warn!("dropped a binary frame that is not UTF-8");
                return Inbound::Skip;
            }
        },
        // tungstenite queues the pong itself; it goes out with the next write or read.
        WsMessage::Ping(_) | WsMessage::Pong(_) | WsMessage::Frame(_) => return Inbound::Skip,
        WsMessage::Close(close) => {
            return Inbound::Closed(match close {
                Some(c) => format!("engine closed the connection ({}: {})", c.code, c.reason),
                None => "engine closed the connection".to_owned(),
            });
        }
    };
    let text = frame.as_str();
    if text.trim().is_empty() {
        return Inbound::Skip;
    }
    // Invocations, the frames that matter for speed, are decoded here when written tag first.
    let decoded = match Incoming::decode(&frame) {
        Some(Ok(call)) => return Inbound::Invoke(call),
        Some(Err(e)) => Err(DecodeError::Json(e)),
        None => Message::decode(text),
    };
    match decoded {
        Ok(Message::InvokeFunction(call)) => Inbound::Invoke(call.into()),
        Ok(message) => Inbound::Message(message),
        Err(DecodeError::UnknownType(ty)) => {
            tracing::debug!(%ty, "ignored a message of unknown type");
            Inbound::Skip
        }
        Err(e) => {
            tracing::warn!(error = %e, "dropped a malformed frame");
            Inbound::Skip
        }
    }
}
