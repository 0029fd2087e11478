//! Streamed HTTP bodies, both ways, over the request's data channels (the HTTP envelope's
//! `request_body` and `response` references).
//!
//! - `content.rs`: [`Body`], a response body made of a stream of chunks;
//! - `sse.rs`: [`Sse`], server-sent events ([`Event`], [`KeepAlive`]);
//! - `respond.rs`: how a handler's streamed response goes out: its head as the channel's
//!   `set_status`/`set_headers` text messages, its chunks as binary messages, the channel
//!   closed at the end, while the handler's `null` result tells the engine to stream;
//! - `request.rs`: [`BodyStream`], the request body as a stream, and [`FromBody`], the
//!   parameters that read it (`BodyStream`, `Bytes`, `Multipart` with the `multipart` feature).
//!
//! Back-pressure runs end to end: the response pump sends a chunk only once the socket took
//! the previous one, the engine buffers a bounded amount per channel, and hyper writes to the
//! HTTP client at its pace; a client that goes away makes the engine close the channel, and
//! the pump drops the handler's stream at once.

mod content;
#[cfg(feature = "multipart")]
mod multipart;
mod request;
mod respond;
mod sse;

pub use self::content::Body;
#[cfg(feature = "multipart")]
pub use self::multipart::{Field, Multipart, MultipartError};
pub use self::request::{BodyStream, FromBody, WHOLE_BODY_LIMIT};
pub use self::respond::{IntoStreamed, Streamed, stream_reply};
pub use self::sse::{Event, KeepAlive, Sse};
