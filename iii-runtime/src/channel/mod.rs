//! Data channels: bounded pipes through the engine (`engine::channels::create`), each end
//! attached by a WebSocket on `/ws/channels/{id}?key=…&dir=read|write`.
//!
//! - `refs.rs`: [`Channel<T>`], a fresh channel's two references ([`ReaderRef<T>`],
//!   [`WriterRef<T>`]), which serialize as the wire's `{channel_id, access_key, direction}`
//!   so that any worker (Rust, Python, Node) can take one end;
//! - `socket.rs`: dialing one end over the worker's engine address and handshake;
//! - `reader.rs`, `writer.rs`: the raw ends ([`ChannelReader`] is a `Stream` of binary
//!   chunks, [`ChannelWriter`] a `Sink` of them), text messages apart ([`Message`]);
//! - `items.rs`: the typed ends, one JSON text message per item ([`ChannelReceiver<T>`],
//!   [`ChannelSender<T>`]).
//!
//! Back-pressure: each end is one socket, written only when the peer's TCP window has room,
//! and the engine buffers a bounded number of items (and bytes) per channel, so a slow
//! reader slows the writer. A writer that goes away without closing (its socket dropped)
//! ends the reader's stream with an error, not a clean end.

mod items;
mod reader;
mod refs;
mod socket;
mod writer;

pub use self::items::{ChannelReceiver, ChannelSender};
pub use self::reader::{ChannelReader, Message};
pub use self::refs::{Channel, ReaderRef, WriterRef};
pub use self::writer::ChannelWriter;

/// The size of the binary messages a writer cuts its chunks into (what the Python SDK uses).
pub(crate) const MAX_FRAME: usize = 64 * 1024;
