//! [`Channel<T>`] and the references to its two ends, [`ReaderRef<T>`] and [`WriterRef<T>`]:
//! on the wire `{channel_id, access_key, direction}`, the shape the engine's HTTP envelope and
//! the Python and Node SDKs use, so a reference can go to any worker in a call's input.

use std::marker::PhantomData;

use bytes::Bytes;
use iii_protocol::http::ChannelRef;
use serde::de::{DeserializeOwned, Error as _};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use super::items::{ChannelReceiver, ChannelSender};
use super::reader::ChannelReader;
use super::socket;
use super::writer::ChannelWriter;
use crate::error::{Error, Result};
use crate::worker::Worker;

/// A fresh data channel: hand one end to another function (in its input, as a field of type
/// [`ReaderRef<T>`] or [`WriterRef<T>`]) and attach the other here.
///
/// `T` is the type of the items (one JSON text message each, through
/// [`ReaderRef::items`]/[`WriterRef::items`]); raw bytes need no type and use
/// [`ReaderRef::open`]/[`WriterRef::open`].
///
/// ```no_run
/// # async fn demo(worker: iii::Worker) -> iii::Result<()> {
/// use iii::Channel;
/// let channel = Channel::<u64>::create(&worker).await?;
/// // Another function reads what this one writes.
/// worker.invoke_async("stats.sum", serde_json::json!({ "numbers": channel.reader })).await?;
/// let mut tx = channel.writer.items(&worker).await?;
/// for n in 0..10 {
///     tx.send(&n).await?;
/// }
/// tx.close().await
/// # }
/// ```
#[derive(Debug)]
pub struct Channel<T = Bytes> {
    /// The reading end.
    pub reader: ReaderRef<T>,
    /// The writing end.
    pub writer: WriterRef<T>,
}

#[derive(Deserialize)]
struct Created {
    reader: ChannelRef,
    writer: ChannelRef,
}

impl<T> Channel<T> {
    /// Creates a channel with the engine's default buffer (64 items).
    ///
    /// # Errors
    /// Any error of the call to `engine::channels::create`.
    pub async fn create(worker: &Worker) -> Result<Self> {
        Self::with_buffer(worker, 64).await
    }

    /// Creates a channel buffering up to `items` messages (the engine caps it at 1024).
    ///
    /// # Errors
    /// Any error of the call to `engine::channels::create`.
    pub async fn with_buffer(worker: &Worker, items: usize) -> Result<Self> {
        let created: Created = worker
            .invoke(
                "engine::channels::create",
                serde_json::json!({ "buffer_size": items }),
            )
            .await?;
        Ok(Self {
            reader: ReaderRef::from_wire(created.reader)?,
            writer: WriterRef::from_wire(created.writer)?,
        })
    }
}

macro_rules! end_ref {
    ($name:ident, $dir:literal, $what:literal) => {
        #[doc = concat!("A reference to the ", $what, " end of a data channel carrying `T`s: ")]
        #[doc = concat!("`{channel_id, access_key, direction: \"", $dir, "\"}` on the wire.")]
        ///
        /// The access key is a capability: whoever holds the reference may attach that end,
        /// once. `Debug` does not show it.
        pub struct $name<T = Bytes> {
            wire: ChannelRef,
            _items: PhantomData<fn() -> T>,
        }

        impl<T> $name<T> {
            /// The reference, checked to name this end.
            ///
            /// # Errors
            /// [`Error::InvalidInput`] when its direction is not the expected one.
            pub fn from_wire(wire: ChannelRef) -> Result<Self> {
                if wire.direction != $dir {
                    return Err(Error::InvalidInput {
                        message: format!(
                            "expected a channel reference with direction `{}`, got `{}`",
                            $dir, wire.direction
                        ),
                        path: None,
                    });
                }
                Ok(Self { wire, _items: PhantomData })
            }

            /// The reference as the wire carries it.
            pub fn wire(&self) -> &ChannelRef {
                &self.wire
            }

            /// The channel's id.
            pub fn channel_id(&self) -> &str {
                &self.wire.channel_id
            }

            /// The same end, for items of another type.
            pub fn cast<U>(self) -> $name<U> {
                $name { wire: self.wire, _items: PhantomData }
            }
        }

        impl<T> Clone for $name<T> {
            fn clone(&self) -> Self {
                Self { wire: self.wire.clone(), _items: PhantomData }
            }
        }

        impl<T> std::fmt::Debug for $name<T> {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.debug_struct(stringify!($name))
                    .field("channel_id", &self.wire.channel_id)
                    .finish_non_exhaustive()
            }
        }

        impl<T> Serialize for $name<T> {
            fn serialize<S: Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                self.wire.serialize(s)
            }
        }

        impl<'de, T> Deserialize<'de> for $name<T> {
            fn deserialize<D: Deserializer<'de>>(d: D) -> std::result::Result<Self, D::Error> {
                let wire = ChannelRef::deserialize(d)?;
                Self::from_wire(wire).map_err(|e| D::Error::custom(e.message()))
            }
        }

        impl<T> schemars::JsonSchema for $name<T> {
            fn schema_name() -> std::borrow::Cow<'static, str> {
                stringify!($name).into()
            }

            fn json_schema(_: &mut schemars::SchemaGenerator) -> schemars::Schema {
                schemars::json_schema!({
                    "type": "object",
                    "required": ["channel_id", "access_key", "direction"],
                    "properties": {
                        "channel_id": { "type": "string" },
                        "access_key": { "type": "string" },
                        "direction": { "const": $dir }
                    }
                })
            }
        }
    };
}

end_ref!(ReaderRef, "read", "reading");
end_ref!(WriterRef, "write", "writing");

impl<T> ReaderRef<T> {
    /// Attaches this end for raw bytes.
    ///
    /// # Errors
    /// `channel_failed` when the engine refuses the end or cannot be reached.
    pub async fn open(&self, worker: &Worker) -> Result<ChannelReader> {
        let ws = socket::open(worker, &self.wire).await?;
        Ok(ChannelReader::new(ws, self.wire.channel_id.clone()))
    }

    /// Attaches this end for items, one JSON text message each.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub async fn items(&self, worker: &Worker) -> Result<ChannelReceiver<T>>
    where
        T: DeserializeOwned,
    {
        Ok(ChannelReceiver::new(self.open(worker).await?))
    }
}

impl<T> WriterRef<T> {
    /// Attaches this end for raw bytes.
    ///
    /// # Errors
    /// `channel_failed` when the engine refuses the end or cannot be reached.
    pub async fn open(&self, worker: &Worker) -> Result<ChannelWriter> {
        let ws = socket::open(worker, &self.wire).await?;
        Ok(ChannelWriter::new(ws, self.wire.channel_id.clone()))
    }

    /// Attaches this end for items, one JSON text message each.
    ///
    /// # Errors
    /// As [`open`](Self::open).
    pub async fn items(&self, worker: &Worker) -> Result<ChannelSender<T>>
    where
        T: Serialize,
    {
        Ok(ChannelSender::new(self.open(worker).await?))
    }
}
