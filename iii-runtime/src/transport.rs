//! The transport of one WebSocket connection: a reader that is always polled and watches the
//! idle deadline, and a writer that sends the queued frames and the keepalive pings, each
//! write bounded so that an engine that stops reading is detected too.

use std::sync::Arc;
use std::time::Duration;

use futures_util::stream::{SplitSink, SplitStream};
use futures_util::{SinkExt, StreamExt};
use iii_protocol::{DecodeError, Message};
use tokio::sync::{mpsc, oneshot};
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::dispatcher::Dispatcher;
use crate::error::{BoxError, Error};

type Ws = WebSocketStream<MaybeTlsStream<tokio::net::TcpStream>>;

/// Capacity of a connection's data queue (results and outbound calls). Senders wait when it
/// is full, which is the backpressure a slow engine exerts on handlers and callers.
const DATA_QUEUE: usize = 256;

/// A frame for the transport to write.
#[derive(Debug)]
pub(crate) enum Outgoing {
    /// An encoded protocol message.
    Frame(String),
    /// A WebSocket ping (keepalive).
    Ping,
    /// Send a close frame and end the connection.
    Close,
}

/// The sending side of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// Bounded queue for invocation results and calls.
    pub(crate) data: mpsc::Sender<Outgoing>,
    /// Queue for the service's registration frames and the close. Unbounded because only the
    /// service writes to it, and only as many frames as the user registers things: nothing a
    /// peer sends makes it grow (answers to the peer go on the bounded data queue).
    pub(crate) control: mpsc::UnboundedSender<Outgoing>,
}

/// What a transport reports to the service. `generation` tells reports of a connection that
/// has since been replaced apart from current ones.
#[derive(Debug)]
pub(crate) enum Event {
    Connected { generation: u64, link: Link },
    ConnectFailed { generation: u64, error: Error },
    Frame { generation: u64, message: Message },
    Closed { generation: u64, reason: String },
}

/// Timings of one connection.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Timings {
    pub(crate) connect_timeout: Duration,
    pub(crate) ping_interval: Duration,
    pub(crate) idle_timeout: Duration,
}

/// Connects to `url` and, on success, spawns the transport task and reports `Connected`.
pub(crate) async fn connect(
    url: String,
    generation: u64,
    timings: Timings,
    events: mpsc::Sender<Event>,
    dispatcher: Arc<Dispatcher>,
) {
    let config = WebSocketConfig::default()
        .max_message_size(Some(64 << 20))
        .max_frame_size(Some(16 << 20));
    let attempt = tokio_tungstenite::connect_async_with_config(url.as_str(), Some(config), true);
    let result = match tokio::time::timeout(timings.connect_timeout, attempt).await {
        Ok(Ok((ws, _response))) => Ok(ws),
        Ok(Err(e)) => Err(Box::new(e) as BoxError),
        Err(_) => Err(format!("timed out after {:?}", timings.connect_timeout).into()),
    };
    let ws = match result {
        Ok(ws) => ws,
        Err(source) => {
            let error = Error::Connect { url, source };
            let _ = events
                .send(Event::ConnectFailed { generation, error })
                .await;
            return;
        }
    };
    let (data_tx, data_rx) = mpsc::channel(DATA_QUEUE);
    let (control_tx, control_rx) = mpsc::unbounded_channel();
    let link = Link {
        data: data_tx,
        control: control_tx,
    };
    let reader = Reader {
        generation,
        timings,
        events,
        dispatcher,
        link: link.clone(),
    };
    if reader
        .events
        .send(Event::Connected { generation, link })
        .await
        .is_err()
    {
        return;
    }
    tokio::spawn(run(ws, reader, control_rx, data_rx));
}

/// What the read half needs: where to report, and the dispatcher that starts invocations
/// without a hop through the service.
struct Reader {
    generation: u64,
    timings: Timings,
    events: mpsc::Sender<Event>,
    dispatcher: Arc<Dispatcher>,
    link: Link,
}

async fn run(
    ws: Ws,
    reader: Reader,
    control: mpsc::UnboundedReceiver<Outgoing>,
    data: mpsc::Receiver<Outgoing>,
) {
    let (sink, stream) = ws.split();
    let (writer_done, writer_stopped) = oneshot::channel();
    // Reading and writing run apart, so that a write the engine is slow to take never stops
    // the read half from being polled (pongs, results, the idle deadline).
    let writer = tokio::spawn(write_loop(sink, reader.timings, control, data, writer_done));
    let reason = read_loop(stream, &reader, writer_stopped).await;
    writer.abort();
    let generation = reader.generation;
    tracing::debug!(generation, %reason, "connection ended");
    let _ = reader
        .events
        .send(Event::Closed { generation, reason })
        .await;
}

async fn read_loop(
    mut stream: SplitStream<Ws>,
    reader: &Reader,
    mut writer_stopped: oneshot::Receiver<String>,
) -> String {
    let Reader {
        generation,
        timings,
        events,
        dispatcher,
        link,
    } = reader;
    let (generation, timings) = (*generation, *timings);
    let mut check = tokio::time::interval(timings.ping_interval);
    check.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_seen = Instant::now();
    loop {
        // Cancel safety: `StreamExt::next`, a oneshot receiver and `Interval::tick` lose
        // nothing when another branch wins. Waiting on the service inside the first branch
        // only pauses reading, which is the backpressure the service exerts.
        tokio::select! {
            frame = stream.next() => {
                last_seen = Instant::now();
                match frame {
                    Some(Ok(frame)) => match inbound(frame) {
                        Inbound::Message(Message::InvokeFunction(call)) => {
                            // Started here when it may be; else the service decides.
                            if let Some(call) = dispatcher.try_start(call, link) {
                                let message = Message::InvokeFunction(call);
                                if events.send(Event::Frame { generation, message }).await.is_err() {
                                    return "worker dropped".to_owned();
                                }
                            }
                        }
                        Inbound::Message(message) => {
                            if events.send(Event::Frame { generation, message }).await.is_err() {
                                return "worker dropped".to_owned();
                            }
                        }
                        Inbound::Skip => {}
                        Inbound::Closed(reason) => return reason,
                    },
                    Some(Err(e)) => return format!("read error: {e}"),
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
            _ = check.tick() => {
                if last_seen.elapsed() >= timings.idle_timeout {
                    return format!("nothing received for {:?}", timings.idle_timeout);
                }
            }
        }
    }
}

/// How many queued frames one flush may carry.
const WRITE_BATCH: usize = 64;

enum Written {
    Open,
    Closed,
}

/// Feeds `batch` to the socket and flushes it; a `Close` sends the close frame and ends it.
async fn write_batch(
    sink: &mut SplitSink<Ws, WsMessage>,
    batch: Vec<Outgoing>,
) -> Result<Written, tokio_tungstenite::tungstenite::Error> {
    for out in batch {
        let frame = match out {
            Outgoing::Frame(text) => WsMessage::text(text),
            Outgoing::Ping => WsMessage::Ping(Default::default()),
            Outgoing::Close => {
                sink.feed(WsMessage::Close(None)).await?;
                sink.flush().await?;
                return Ok(Written::Closed);
            }
        };
        sink.feed(frame).await?;
    }
    sink.flush().await?;
    Ok(Written::Open)
}

async fn write_loop(
    mut sink: SplitSink<Ws, WsMessage>,
    timings: Timings,
    mut control: mpsc::UnboundedReceiver<Outgoing>,
    mut data: mpsc::Receiver<Outgoing>,
    done: oneshot::Sender<String>,
) {
    let mut ping = tokio::time::interval_at(
        Instant::now() + timings.ping_interval,
        timings.ping_interval,
    );
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let reason = loop {
        // Cancel safety: `recv` and `tick` lose nothing when another branch wins. `biased`
        // writes the service's control frames first, so a registration always precedes the
        // calls and results queued after it.
        let first = tokio::select! {
            biased;
            out = control.recv() => out.unwrap_or(Outgoing::Close),
            Some(out) = data.recv() => out,
            _ = ping.tick() => Outgoing::Ping,
        };
        // Feed what is already queued (control first) and flush once: one write for a burst.
        let mut batch = vec![first];
        while batch.len() < WRITE_BATCH && !matches!(batch.last(), Some(Outgoing::Close)) {
            match control.try_recv().or_else(|_| data.try_recv()) {
                Ok(out) => batch.push(out),
                Err(_) => break,
            }
        }
        // A write the engine does not take within the idle timeout means it stopped reading
        // (or the link is half-open): give up on the connection.
        match tokio::time::timeout(timings.idle_timeout, write_batch(&mut sink, batch)).await {
            Ok(Ok(Written::Open)) => {}
            Ok(Ok(Written::Closed)) => break "closed by the worker".to_owned(),
            Ok(Err(e)) => break format!("write error: {e}"),
            Err(_) => {
                break format!(
                    "a write did not complete within {:?}: the engine is not reading",
                    timings.idle_timeout
                );
            }
        }
    };
    let _ = done.send(reason);
}

enum Inbound {
    Message(Message),
    Skip,
    Closed(String),
}

fn inbound(frame: WsMessage) -> Inbound {
    let text = match &frame {
        WsMessage::Text(t) => t.as_str(),
        WsMessage::Binary(b) => match std::str::from_utf8(b) {
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
    if text.trim().is_empty() {
        return Inbound::Skip;
    }
    match Message::decode(text) {
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
