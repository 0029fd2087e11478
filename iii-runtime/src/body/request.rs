//! The request body as the handler reads it: [`BodyStream`], a stream of the chunks the
//! engine forwards through the request's `request_body` channel, and [`FromBody`], the
//! parameters filled from it.

use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll, ready};

use bytes::Bytes;
use futures_util::future::BoxFuture;
use futures_util::{FutureExt, Stream};
use iii_protocol::RawValue;

use crate::channel::{ChannelReader, ReaderRef};
use crate::error::{Error, Result};
use crate::worker::{Invocation, Worker};

/// The most bytes a `Bytes` parameter takes; a larger body is `413 payload_too_large`
/// (stream it with [`BodyStream`] instead).
pub const WHOLE_BODY_LIMIT: usize = 64 * 1024 * 1024;

/// A parameter filled by reading the request body: [`BodyStream`] and `Bytes` (and
/// `Multipart` with the `multipart` feature). `#[iii::function]` recognises them by name.
pub trait FromBody: Sized {
    /// Reads (or starts reading) the body of `invocation`.
    ///
    /// # Errors
    /// `invalid_input` when there is no body to read; `channel_failed` when its channel
    /// cannot be read.
    fn from_body(invocation: &mut Invocation) -> impl Future<Output = Result<Self>> + Send;
}

enum State {
    /// Not attached yet: attached on the first poll, so a handler that never reads its body
    /// costs no connection.
    Idle(Worker, ReaderRef),
    Attaching(BoxFuture<'static, Result<ChannelReader>>),
    Reading(Box<ChannelReader>),
    Done,
}

/// The request body as a `Stream` of chunks, whatever its content type, however large (the
/// engine streams bodies that are not JSON without collecting them; see the engine's limits).
///
/// A function called directly by another worker can take one too, when its input is a
/// channel reader reference (`{channel_id, access_key, direction: "read"}`).
pub struct BodyStream {
    state: State,
    content_type: Option<String>,
}

impl std::fmt::Debug for BodyStream {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("BodyStream")
            .field("content_type", &self.content_type)
            .finish_non_exhaustive()
    }
}

impl BodyStream {
    /// The body of `invocation`: its HTTP request's `request_body` channel, or, for a direct
    /// call, the reader reference that is its input.
    ///
    /// # Errors
    /// `invalid_input` when there is neither.
    pub fn of(invocation: &mut Invocation) -> Result<Self> {
        let worker = invocation.context().worker().clone();
        let (reference, content_type) = match invocation.http() {
            Some(req) => {
                let reference = req
                    .request_body
                    .clone()
                    .ok_or_else(|| Error::InvalidInput {
                        message: "the engine sent no request body channel".to_owned(),
                        path: None,
                    })?;
                let content_type = req.headers.get("content-type").cloned();
                (ReaderRef::from_wire(reference)?, content_type)
            }
            None => (invocation.input::<ReaderRef>()?, None),
        };
        Ok(Self {
            state: State::Idle(worker, reference),
            content_type,
        })
    }

    /// The request's `content-type`, when it had one.
    pub fn content_type(&self) -> Option<&str> {
        self.content_type.as_deref()
    }

    /// Every chunk up to the end, joined; fails past `limit` bytes.
    ///
    /// # Errors
    /// As the stream's items, and `413 payload_too_large` past `limit`.
    pub async fn bytes(mut self, limit: usize) -> Result<Bytes> {
        let mut all = bytes::BytesMut::new();
        while let Some(chunk) = futures_util::StreamExt::next(&mut self).await {
            let chunk = chunk?;
            if all.len() + chunk.len() > limit {
                return Err(Error::new(
                    "payload_too_large",
                    413,
                    format!("the request body exceeds {limit} bytes"),
                ));
            }
            all.extend_from_slice(&chunk);
        }
        Ok(all.freeze())
    }
}

impl Stream for BodyStream {
    type Item = Result<Bytes>;

    fn poll_next(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<Option<Result<Bytes>>> {
        loop {
            match &mut self.state {
                State::Idle(..) => {
                    let State::Idle(worker, reference) =
                        std::mem::replace(&mut self.state, State::Done)
                    else {
                        return Poll::Ready(None);
                    };
                    let attach = async move { reference.open(&worker).await }.boxed();
                    self.state = State::Attaching(attach);
                }
                State::Attaching(attach) => match ready!(attach.poll_unpin(cx)) {
                    Ok(reader) => self.state = State::Reading(Box::new(reader)),
                    Err(e) => {
                        self.state = State::Done;
                        return Poll::Ready(Some(Err(e)));
                    }
                },
                State::Reading(reader) => {
                    let item = ready!(Pin::new(reader.as_mut()).poll_next(cx));
                    if !matches!(item, Some(Ok(_))) {
                        self.state = State::Done;
                    }
                    return Poll::Ready(item);
                }
                State::Done => return Poll::Ready(None),
            }
        }
    }
}

impl FromBody for BodyStream {
    async fn from_body(invocation: &mut Invocation) -> Result<Self> {
        Self::of(invocation)
    }
}

/// The whole body, up to [`WHOLE_BODY_LIMIT`]; for a direct call, the input's JSON text.
impl FromBody for Bytes {
    async fn from_body(invocation: &mut Invocation) -> Result<Self> {
        if invocation.http().is_none() {
            let raw = invocation.input::<Box<RawValue>>()?;
            return Ok(Bytes::from(raw.get().to_owned()));
        }
        BodyStream::of(invocation)?.bytes(WHOLE_BODY_LIMIT).await
    }
}
