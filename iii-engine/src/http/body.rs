//! Reading a request body: bounded in size
//! ([`EngineConfig::max_body_bytes`](crate::EngineConfig::max_body_bytes), `413`) and in time
//! ([`EngineConfig::http_body_timeout`](crate::EngineConfig::http_body_timeout), `408`).
//!
//! It happens before the request takes a place under the concurrency limit: a client that
//! sends its body slowly (or stops half-way) holds no place that other requests need, and is
//! cut off by the body deadline rather than by the request timeout.

use std::time::Duration;

use bytes::Bytes;
use http::{HeaderMap, StatusCode};
use http_body_util::{BodyExt, LengthLimitError, Limited};
use hyper::body::{Body, Incoming};
use iii_protocol::codes;
use tokio::sync::mpsc;

use super::envelope::{self, Resp};
use super::request_data::is_json;
use crate::config::EngineConfig;
use crate::stores::channels::{Item, Packet};

/// Whether a request streams its body to the function instead of having it read first: the
/// route asks for it (`stream_body`), the body is not JSON (JSON is parsed into the envelope,
/// so it is read whole), and there is one.
pub(crate) fn streams(route_streams: bool, headers: &HeaderMap, body: &Incoming) -> bool {
    route_streams && !is_json(headers) && !body.is_end_stream()
}

/// The bounds of a streamed body.
pub(crate) struct StreamLimits {
    /// Total bytes.
    pub(crate) total: u64,
    /// Longest wait for the next chunk.
    pub(crate) idle: Duration,
    /// Size of the binary messages the body is cut into: the channel bounds its items, so
    /// smaller items bound the memory a slow reader makes the engine hold.
    pub(crate) chunk: usize,
}

/// Forwards a body still arriving into the request channel, as fast as the reader reads it
/// (the channel is bounded, so the client's upload slows down with the function). It ends
/// the channel when the body ends, and ends it with an error ([`Item::Aborted`]) when the body
/// stalls, grows past the limit or breaks; it stops when the reader goes away (the request
/// ended and dropped the channel).
pub(crate) async fn forward(mut body: Incoming, tx: mpsc::Sender<Packet>, limits: StreamLimits) {
    let mut total: u64 = 0;
    let why = loop {
        let frame = match tokio::time::timeout(limits.idle, body.frame()).await {
            Ok(None) => return,
            Ok(Some(Ok(frame))) => frame,
            Ok(Some(Err(e))) => break format!("the request body broke off: {e}"),
            Err(_) => break format!("the request body stalled for over {:?}", limits.idle),
        };
        let Ok(mut data) = frame.into_data() else {
            continue;
        };
        total = total.saturating_add(data.len() as u64);
        if total > limits.total {
            break format!("the request body exceeds {} bytes", limits.total);
        }
        while !data.is_empty() {
            let piece = data.split_to(data.len().min(limits.chunk));
            if tx.send(Packet::engine(Item::Binary(piece))).await.is_err() {
                return;
            }
        }
    };
    tracing::debug!("streamed request body: {why}");
    // Bounded: a reader that does not read learns nothing more anyway.
    let abort = tx.send(Packet::engine(Item::Aborted(why)));
    let _ = tokio::time::timeout(limits.idle, abort).await;
}

/// Why a body was refused.
pub(crate) enum Refused {
    /// Over the size limit (`413`).
    TooLarge,
    /// Still arriving at the deadline (`408`).
    TooSlow(Duration),
    /// The connection failed while it arrived (`400`).
    Unreadable,
}

impl Refused {
    /// The answer to the client.
    pub(crate) fn answer(&self, config: &EngineConfig) -> Resp {
        match self {
            Self::TooLarge => envelope::error(
                StatusCode::PAYLOAD_TOO_LARGE,
                codes::PAYLOAD_TOO_LARGE,
                &format!("request body exceeds {} bytes", config.max_body_bytes),
            ),
            Self::TooSlow(deadline) => envelope::error(
                StatusCode::REQUEST_TIMEOUT,
                codes::REQUEST_TIMEOUT,
                &format!("the request body did not arrive within {deadline:?}"),
            ),
            Self::Unreadable => envelope::error(
                StatusCode::BAD_REQUEST,
                codes::BAD_REQUEST,
                "unreadable body",
            ),
        }
    }
}

/// The whole body, unless it is refused.
pub(crate) async fn read(body: Incoming, config: &EngineConfig) -> Result<Bytes, Refused> {
    let deadline = config.http_body_timeout.min(config.http_timeout);
    let collected = Limited::new(body, config.max_body_bytes).collect();
    match tokio::time::timeout(deadline, collected).await {
        Ok(Ok(collected)) => Ok(collected.to_bytes()),
        Ok(Err(e)) if e.is::<LengthLimitError>() => Err(Refused::TooLarge),
        Ok(Err(e)) => {
            tracing::debug!("reading request body: {e}");
            Err(Refused::Unreadable)
        }
        Err(_) => {
            tracing::debug!("request body did not arrive within {deadline:?}");
            Err(Refused::TooSlow(deadline))
        }
    }
}
