//! [`Body`]: a response body, whole or a stream of chunks.

use std::pin::Pin;

use bytes::Bytes;
use futures_util::{Stream, StreamExt};

use crate::error::BoxError;

/// The chunks of a body, type-erased.
pub(crate) type Chunks = Pin<Box<dyn Stream<Item = Result<Bytes, BoxError>> + Send>>;

/// A response body streamed to the HTTP client: return it (or `http::Response<Body>`, to set
/// the status and headers first) from an `async` handler.
///
/// ```no_run
/// use iii::prelude::*;
/// use iii::Body;
///
/// #[iii::function("files.get")]
/// #[iii::http(path = "files", method = "GET")]
/// async fn file() -> iii::Result<iii::http::Response<Body>> {
///     let chunks = futures_util::stream::iter(
///         (0..4).map(|_| Ok::<_, std::io::Error>(vec![b'x'; 1024])),
///     );
///     Ok(iii::http::Response::builder()
///         .header("content-type", "application/octet-stream")
///         .body(Body::stream(chunks))
///         .map_err(|e| Error::internal(e.to_string()))?)
/// }
/// # fn main() {}
/// ```
///
/// The stream is polled for the next chunk only once the previous one is on its way, so a
/// slow client slows it down; it is dropped as soon as the client goes away. An error item
/// cuts the response short (the client sees an incomplete body).
pub struct Body {
    pub(crate) chunks: Chunks,
}

impl std::fmt::Debug for Body {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Body").finish_non_exhaustive()
    }
}

impl Body {
    /// A body made of the chunks of `stream`.
    pub fn stream<S, B, E>(stream: S) -> Self
    where
        S: Stream<Item = Result<B, E>> + Send + 'static,
        B: Into<Bytes>,
        E: Into<BoxError>,
    {
        Self {
            chunks: Box::pin(stream.map(|item| item.map(Into::into).map_err(Into::into))),
        }
    }

    /// An empty body.
    pub fn empty() -> Self {
        Self::from(Bytes::new())
    }
}

impl From<Bytes> for Body {
    fn from(bytes: Bytes) -> Self {
        Self {
            chunks: Box::pin(futures_util::stream::once(async move { Ok(bytes) })),
        }
    }
}

impl From<Vec<u8>> for Body {
    fn from(bytes: Vec<u8>) -> Self {
        Self::from(Bytes::from(bytes))
    }
}

impl From<String> for Body {
    fn from(text: String) -> Self {
        Self::from(Bytes::from(text))
    }
}

impl From<&'static str> for Body {
    fn from(text: &'static str) -> Self {
        Self::from(Bytes::from_static(text.as_bytes()))
    }
}
