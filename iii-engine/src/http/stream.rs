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
use iii_protocol::http::StreamControl;
use tokio::sync::mpsc;

use hyper::body::Incoming;

use super::answer::envelope_headers;
use super::body;
use super::envelope::{self, Resp};
use super::request_data::ChannelEnd;
use crate::config::EngineConfig;
use crate::limit::InFlight;
use crate::stores::channels::{CHUNK, Channels, Item, Packet, RequestPair};
use crate::tasks::Tasks;

/// The channels of one request. Dropping it forgets the ends the worker did not connect.
pub(crate) struct RequestChannels {
    channels: Arc<Channels>,
    pair: RequestPair,
}

impl RequestChannels {
    /// Enters both channels; the request channel serves `body`, whole, to a reader that
    /// attaches (the store makes it then: most functions never read it).
    pub(crate) fn open(channels: &Arc<Channels>, body: Bytes) -> Self {
        let pair = channels.open_request(Some(body));
        Self {
            channels: channels.clone(),
            pair,
        }
    }

    /// Enters both channels and forwards `body`, still arriving, into the request channel
    /// from a task (see [`body::forward`]).
    pub(crate) fn open_streaming(
        channels: &Arc<Channels>,
        tasks: &Tasks,
        body: Incoming,
        config: &EngineConfig,
    ) -> Self {
        let mut pair = channels.open_request(None);
        if let Some(tx) = pair.body_writer.take() {
            let limits = body::StreamLimits {
                total: config.max_stream_body_bytes,
                idle: config.http_body_timeout,
                chunk: CHUNK,
            };
            tasks.spawn(body::forward(body, tx, limits));
        }
        Self {
            channels: channels.clone(),
            pair,
        }
    }

    /// The `request_body` (read) and `response` (write) references for the envelope.
    pub(crate) fn refs(&self) -> (ChannelEnd<'_>, ChannelEnd<'_>) {
        let (request, request_key) = &self.pair.request;
        let (response, response_key) = &self.pair.response;
        (
            ChannelEnd {
                channel_id: *request,
                access_key: request_key,
                direction: "read",
            },
            ChannelEnd {
                channel_id: *response,
                access_key: response_key,
                direction: "write",
            },
        )
    }

    /// After a null result: streams the response channel if the worker connected its writer
    /// within `grace`, else `None` (the caller answers `200` with an empty body).
    pub(crate) async fn streamed(
        mut self,
        grace: std::time::Duration,
        slot: InFlight,
    ) -> Option<Resp> {
        // The reader is sent the moment the writer attaches, so one that attached before
        // the result came is already there.
        let reader = &mut self.pair.response_reader;
        let rx = tokio::time::timeout(grace, reader).await.ok()?.ok()?;
        Some(respond(rx, slot).await)
    }
}

impl Drop for RequestChannels {
    fn drop(&mut self) {
        self.channels
            .remove(&[self.pair.request.0, self.pair.response.0]);
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
            for (name, value) in envelope_headers(Some(&new)) {
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
