//! The transport task: owns one WebSocket connection, keeps its read half polled, writes the
//! frames queued for it, and pings the engine to detect a half-open socket.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use iii_protocol::{DecodeError, Message};
use tokio::sync::mpsc;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

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
    /// Send a close frame and end the connection.
    Close,
}

/// The sending side of one connection.
#[derive(Debug, Clone)]
pub(crate) struct Link {
    /// Bounded queue for invocation results and calls.
    pub(crate) data: mpsc::Sender<Outgoing>,
    /// Queue for the service's own frames (registrations, pongs, close). Unbounded because
    /// only the service writes to it, and only as many frames as the user registered things:
    /// a slow peer cannot make it grow.
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
    if events
        .send(Event::Connected { generation, link })
        .await
        .is_err()
    {
        return;
    }
    tokio::spawn(run(ws, generation, timings, events, control_rx, data_rx));
}

async fn run(
    ws: Ws,
    generation: u64,
    timings: Timings,
    events: mpsc::Sender<Event>,
    mut control: mpsc::UnboundedReceiver<Outgoing>,
    mut data: mpsc::Receiver<Outgoing>,
) {
    let (mut sink, mut stream) = ws.split();
    let mut ping = tokio::time::interval_at(
        Instant::now() + timings.ping_interval,
        timings.ping_interval,
    );
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut last_seen = Instant::now();
    let reason = loop {
        // Cancel safety: `StreamExt::next` and `mpsc::Receiver::recv` lose nothing when another
        // branch wins; a send in progress is awaited inside its branch, never raced.
        // `biased` keeps reading first (so pongs go out and the engine is never starved), then
        // control frames, so registrations precede queued results and calls.
        let outgoing = tokio::select! {
            biased;
            frame = stream.next() => {
                last_seen = Instant::now();
                match frame {
                    Some(Ok(frame)) => match inbound(frame) {
                        Inbound::Message(message) => {
                            if events.send(Event::Frame { generation, message }).await.is_err() {
                                break "worker dropped".to_owned();
                            }
                            continue;
                        }
                        Inbound::Skip => continue,
                        Inbound::Closed(reason) => break reason,
                    },
                    Some(Err(e)) => break format!("read error: {e}"),
                    None => break "connection closed by the engine".to_owned(),
                }
            }
            out = control.recv() => out.unwrap_or(Outgoing::Close),
            Some(out) = data.recv() => out,
            _ = ping.tick() => {
                if last_seen.elapsed() >= timings.idle_timeout {
                    break format!("nothing received for {:?}", timings.idle_timeout);
                }
                if let Err(e) = sink.send(WsMessage::Ping(Default::default())).await {
                    break format!("write error: {e}");
                }
                continue;
            }
        };
        match outgoing {
            Outgoing::Frame(text) => {
                if let Err(e) = sink.send(WsMessage::text(text)).await {
                    break format!("write error: {e}");
                }
            }
            Outgoing::Close => {
                let _ = sink.send(WsMessage::Close(None)).await;
                let _ = sink.close().await;
                break "closed by the worker".to_owned();
            }
        }
    };
    tracing::debug!(generation, %reason, "connection ended");
    let _ = events.send(Event::Closed { generation, reason }).await;
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
