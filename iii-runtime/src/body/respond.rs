//! How a streamed response goes out: the handler's value becomes a [`Streamed`] (status,
//! headers, body), whose head is written to the request's `response` channel as
//! `set_status`/`set_headers` text messages; a task then pumps the body's chunks into it
//! while the handler answers `null`, which tells the engine to stream the channel.

use std::collections::HashMap;

use futures_util::StreamExt;
use http::{HeaderMap, StatusCode};
use iii_protocol::http::StreamControl;

use super::content::{Body, Chunks};
use super::sse::Sse;
use crate::channel::{ChannelWriter, WriterRef};
use crate::error::{Error, Result};
use crate::reply::{Reply, flat_headers};
use crate::worker::Invocation;

/// A streamed response: its head and its body.
#[derive(Debug)]
pub struct Streamed {
    /// The status.
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body.
    pub body: Body,
}

/// What a handler may return to stream its response: [`Body`], [`Sse`], and
/// `http::Response` of either.
pub trait IntoStreamed {
    /// The response.
    fn into_streamed(self) -> Streamed;
}

impl IntoStreamed for Body {
    fn into_streamed(self) -> Streamed {
        Streamed {
            status: StatusCode::OK,
            headers: HeaderMap::new(),
            body: self,
        }
    }
}

impl<S> IntoStreamed for Sse<S>
where
    S: futures_util::Stream<Item = super::Event> + Send + 'static,
{
    fn into_streamed(self) -> Streamed {
        let mut headers = HeaderMap::new();
        headers.insert(
            http::header::CONTENT_TYPE,
            http::HeaderValue::from_static("text/event-stream"),
        );
        headers.insert(
            http::header::CACHE_CONTROL,
            http::HeaderValue::from_static("no-cache"),
        );
        Streamed {
            status: StatusCode::OK,
            headers,
            body: self.into_body(),
        }
    }
}

impl<B: IntoStreamed> IntoStreamed for http::Response<B> {
    fn into_streamed(self) -> Streamed {
        let (parts, body) = self.into_parts();
        let mut streamed = body.into_streamed();
        streamed.status = parts.status;
        // The response's own headers win over the body's defaults (an SSE content type).
        for (name, value) in &parts.headers {
            streamed.headers.insert(name.clone(), value.clone());
        }
        streamed
    }
}

/// Starts streaming `value` through the response channel of `invocation`'s HTTP request and
/// answers `null` (the engine then streams the channel).
///
/// # Errors
/// `invocation_failed` when the function was called directly (no HTTP request, no response
/// channel); `channel_failed` when the response channel cannot be attached.
pub async fn stream_reply<R: IntoStreamed>(value: R, invocation: &Invocation) -> Result<Reply> {
    let Some(reference) = invocation.http().and_then(|h| h.response.clone()) else {
        return Err(Error::internal(
            "this function streams its response, which only an HTTP request can receive",
        ));
    };
    let streamed = value.into_streamed();
    let worker = invocation.context().worker();
    let mut writer = WriterRef::<()>::from_wire(reference)?.open(worker).await?;
    let status_code = streamed.status.as_u16();
    let status = StreamControl::SetStatus { status_code };
    let headers: HashMap<String, String> = flat_headers(&streamed.headers);
    let headers = StreamControl::SetHeaders {
        headers: serde_json::to_value(headers)?,
    };
    for control in [status, headers] {
        writer.send_text(serde_json::to_string(&control)?).await?;
    }
    tokio::spawn(pump(writer, streamed.body.chunks));
    Ok(Reply::Streamed {
        status: status_code,
    })
}

/// Sends the chunks until the body ends (then closes the channel), fails (then drops the
/// socket unclosed, so the engine cuts the HTTP response short), or the engine closes the
/// channel because the client went away (then drops the stream at once).
async fn pump(mut writer: ChannelWriter, mut chunks: Chunks) {
    loop {
        // Cancel-safe: `next` on a stream and `closed` (reading the socket) lose nothing
        // when the other branch wins; the send in the body runs to completion.
        tokio::select! {
            chunk = chunks.next() => match chunk {
                Some(Ok(bytes)) if bytes.is_empty() => {}
                Some(Ok(bytes)) => {
                    if let Err(e) = writer.send(bytes).await {
                        tracing::debug!("streamed response stopped: {e}");
                        return;
                    }
                }
                Some(Err(e)) => {
                    tracing::warn!("a streamed response body failed: {e}; cutting the response short");
                    return;
                }
                None => {
                    if let Err(e) = writer.close().await {
                        tracing::debug!("closing a streamed response: {e}");
                    }
                    return;
                }
            },
            () = writer.closed() => {
                tracing::debug!("the HTTP client went away: streamed response dropped");
                return;
            }
        }
    }
}
