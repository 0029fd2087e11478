//! The two data channels of one HTTP request: `request_body` (the engine writes the raw request
//! bytes, the worker reads) and `response` (the worker may write a streamed response, the
//! engine reads), and the streamed response built from the latter.
//!
//! A streamed response is made of text control messages
//! (`{"type":"set_status","status_code":201}`, `{"type":"set_headers","headers":{…}}`) followed
//! by binary body chunks; closing the channel ends the response. Control messages after the
//! first chunk come too late to change the head and are ignored.

use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll};

use bytes::Bytes;
use http::StatusCode;
use http_body_util::BodyExt;
use hyper::body::{Body, Frame};
use iii_protocol::Uuid;
use iii_protocol::http::{ChannelRef, StreamControl};
use tokio::sync::mpsc::error::TrySendError;
use tokio::sync::{Notify, mpsc};

use hyper::body::Incoming;

use super::body;
use super::envelope::{self, Resp};
use crate::config::EngineConfig;
use crate::limit::InFlight;
use crate::stores::channels::{Channels, Direction, Item, Packet};
use crate::tasks::Tasks;

/// Size of the binary messages the request body is cut into (what the Python SDK uses too).
const CHUNK: usize = 64 * 1024;

/// The channels of one request. Dropping it forgets the ends the worker did not connect.
pub(crate) struct RequestChannels {
    channels: Arc<Channels>,
    ids: [Uuid; 2],
    response: Option<mpsc::Receiver<Packet>>,
    response_attached: Arc<Notify>,
    /// The `request_body` (read) and `response` (write) references for the envelope.
    pub(crate) refs: (ChannelRef, ChannelRef),
}

impl RequestChannels {
    /// Creates both channels and writes `body` into the request channel: at once when it fits
    /// the channel's buffer (the common case, no task), else from a task that ends when
    /// everything is buffered or read, or when the unread channel is dropped.
    pub(crate) fn open(channels: &Arc<Channels>, tasks: &Tasks, body: Bytes) -> Self {
        let (this, writer) = Self::create(channels);
        if let Some(tx) = writer {
            let mut rest = body;
            while !rest.is_empty() {
                let chunk = rest.slice(..rest.len().min(CHUNK));
                match tx.try_send(Packet::engine(Item::Binary(chunk))) {
                    Ok(()) => {
                        let taken = rest.len().min(CHUNK);
                        let _ = rest.split_to(taken);
                    }
                    Err(TrySendError::Closed(_)) => break,
                    Err(TrySendError::Full(_)) => {
                        tasks.spawn(write_rest(tx, rest));
                        break;
                    }
                }
            }
        }
        this
    }

    /// Creates both channels and forwards `body`, still arriving, into the request channel
    /// from a task (see [`body::forward`]).
    pub(crate) fn open_streaming(
        channels: &Arc<Channels>,
        tasks: &Tasks,
        body: Incoming,
        config: &EngineConfig,
    ) -> Self {
        let (this, writer) = Self::create(channels);
        if let Some(tx) = writer {
            let limits = body::StreamLimits {
                total: config.max_stream_body_bytes,
                idle: config.http_body_timeout,
                chunk: CHUNK,
            };
            tasks.spawn(body::forward(body, tx, limits));
        }
        this
    }

    fn create(channels: &Arc<Channels>) -> (Self, Option<mpsc::Sender<Packet>>) {
        let (request, response, writer, reader) = channels.create_request_pair();
        let this = Self {
            channels: channels.clone(),
            ids: [request.id, response.id],
            response: reader,
            response_attached: response.writer_attached.clone(),
            refs: (
                request.reference(Direction::Read),
                response.reference(Direction::Write),
            ),
        };
        (this, writer)
    }

    /// After a null result: streams the response channel if the worker connected its writer
    /// within `grace`, else `None` (the caller answers `200` with an empty body).
    pub(crate) async fn streamed(
        mut self,
        grace: std::time::Duration,
        slot: InFlight,
    ) -> Option<Resp> {
        let attached = self.response_attached.clone();
        // `notify_one` stores a permit, so an attach that already happened is seen at once.
        tokio::time::timeout(grace, attached.notified())
            .await
            .ok()?;
        let rx = self.response.take()?;
        Some(respond(rx, slot).await)
    }
}

/// Writes the rest of a request body that did not fit the channel's buffer.
async fn write_rest(tx: mpsc::Sender<Packet>, mut rest: Bytes) {
    while !rest.is_empty() {
        let chunk = rest.split_to(rest.len().min(CHUNK));
        if tx.send(Packet::engine(Item::Binary(chunk))).await.is_err() {
            return;
        }
    }
}

impl Drop for RequestChannels {
    fn drop(&mut self) {
        self.channels.remove(&self.ids);
    }
}

/// Reads control messages up to the first body chunk, then answers with a body that streams
/// the rest of the channel.
async fn respond(mut rx: mpsc::Receiver<Packet>, slot: InFlight) -> Resp {
    let mut status = StatusCode::OK;
    let mut headers: Vec<(String, String)> = Vec::new();
    let first = loop {
        match rx.recv().await.map(|p| p.item) {
            Some(Item::Text(text)) => control(&text, &mut status, &mut headers),
            Some(Item::Binary(bytes)) => break Some(bytes),
            // The writer died before the body started: an empty answer with the head so far.
            Some(Item::Aborted(why)) => {
                tracing::debug!("streamed response: {why}");
                break None;
            }
            None => break None,
        }
    };
    let rest = first.is_some().then_some(rx);
    let body = ChannelBody {
        first,
        rest,
        _slot: slot,
    };
    envelope::with_body(status, headers, body.boxed())
}

/// Applies one control message; anything unrecognised is logged and ignored.
fn control(text: &str, status: &mut StatusCode, headers: &mut Vec<(String, String)>) {
    match serde_json::from_str::<StreamControl>(text) {
        Ok(StreamControl::SetStatus { status_code }) => {
            // Informational statuses cannot carry a response.
            let code = Some(status_code)
                .filter(|c| (200..=599).contains(c))
                .and_then(|c| StatusCode::from_u16(c).ok());
            match code {
                Some(code) => *status = code,
                None => tracing::debug!("streamed response: bad set_status {text:?}"),
            }
        }
        Ok(StreamControl::SetHeaders { headers: new }) => {
            for (name, value) in envelope::envelope_headers(Some(&new)) {
                headers.retain(|(n, _)| !n.eq_ignore_ascii_case(&name));
                headers.push((name, value));
            }
        }
        Err(_) => tracing::debug!("streamed response: ignoring text message {text:?}"),
    }
}

/// A response body fed by a channel; it ends when the writer closes.
struct ChannelBody {
    first: Option<Bytes>,
    rest: Option<mpsc::Receiver<Packet>>,
    /// Held while the body streams, so streamed responses count towards the HTTP limit.
    _slot: InFlight,
}

impl Body for ChannelBody {
    type Data = Bytes;
    type Error = std::io::Error;

    fn poll_frame(
        mut self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, std::io::Error>>> {
        if let Some(first) = self.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        let Some(rx) = self.rest.as_mut() else {
            return Poll::Ready(None);
        };
        loop {
            match rx.poll_recv(cx).map(|p| p.map(|p| p.item)) {
                Poll::Ready(Some(Item::Binary(bytes))) => {
                    return Poll::Ready(Some(Ok(Frame::data(bytes))));
                }
                Poll::Ready(Some(Item::Text(text))) => {
                    tracing::debug!("streamed response: {text:?} after the body started, ignored");
                }
                // Cut the response short: the client sees an incomplete body, not a full one.
                Poll::Ready(Some(Item::Aborted(why))) => {
                    self.rest = None;
                    return Poll::Ready(Some(Err(std::io::Error::other(why))));
                }
                Poll::Ready(None) => {
                    self.rest = None;
                    return Poll::Ready(None);
                }
                Poll::Pending => return Poll::Pending,
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_messages() {
        let mut status = StatusCode::OK;
        let mut headers = Vec::new();
        control(
            r#"{"type":"set_status","status_code":201}"#,
            &mut status,
            &mut headers,
        );
        control(
            r#"{"type":"set_status","status_code":99}"#,
            &mut status,
            &mut headers,
        );
        control(
            r#"{"type":"set_headers","headers":{"x-a":"b"}}"#,
            &mut status,
            &mut headers,
        );
        control(
            r#"{"type":"set_headers","headers":{"X-A":"c"}}"#,
            &mut status,
            &mut headers,
        );
        control("not json", &mut status, &mut headers);
        assert_eq!(status, StatusCode::CREATED);
        assert_eq!(headers, vec![("X-A".to_owned(), "c".to_owned())]);
    }
}
