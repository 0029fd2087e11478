//! What names the ends of a data channel: which end ([`Direction`]), the access keys that
//! open them, an end handed out ([`End`]) or refused ([`TakeError`]), and the references a
//! new channel is handed out with.

use iii_protocol::Uuid;
use iii_protocol::http::ChannelRef;
use tokio::sync::{mpsc, oneshot};

use super::channel_pipe::{Packet, Writer};

/// Which end of a channel a socket attaches to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Direction {
    /// The reading end.
    Read,
    /// The writing end.
    Write,
}

impl Direction {
    /// Parses the `dir` query parameter.
    pub(crate) fn parse(text: &str) -> Option<Self> {
        match text {
            "read" => Some(Self::Read),
            "write" => Some(Self::Write),
            _ => None,
        }
    }
}

/// An end taken out of the table.
pub(crate) enum End {
    /// Receives what the writer sends.
    Reader(mpsc::Receiver<Packet>),
    /// Sends to the reader.
    Writer(Writer),
}

/// Why an end cannot be attached.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum TakeError {
    /// No such channel, or the key does not match (not told apart, to leak nothing).
    NotFound,
    /// That end is attached already.
    Taken,
}

/// The access keys of a channel's two ends.
#[derive(Clone)]
pub(crate) struct Keys {
    read: String,
    write: String,
}

impl Keys {
    pub(super) fn new() -> Self {
        Self {
            read: Uuid::new_v4().to_string(),
            write: Uuid::new_v4().to_string(),
        }
    }

    /// The key of one end.
    pub(crate) fn of(&self, direction: Direction) -> &str {
        match direction {
            Direction::Read => &self.read,
            Direction::Write => &self.write,
        }
    }
}

/// A freshly created channel.
pub(crate) struct Created {
    pub(crate) id: Uuid,
    pub(crate) keys: Keys,
}

/// Where the streamed response's reader goes once its writer attaches: the request waiting
/// for it.
pub(crate) type ResponseReader = oneshot::Receiver<mpsc::Receiver<Packet>>;

/// The two channels of an HTTP request, as the request holds them: the references the
/// envelope names, and the engine's own ends.
pub(crate) struct RequestPair {
    /// `request_body`, and the key of its reading end.
    pub(crate) request: (Uuid, String),
    /// `response`, and the key of its writing end.
    pub(crate) response: (Uuid, String),
    /// The writer of a body still arriving, which the engine forwards as it comes.
    pub(crate) body_writer: Option<mpsc::Sender<Packet>>,
    /// Where the response's reader arrives if the worker opens its writer.
    pub(crate) response_reader: ResponseReader,
}

impl Created {
    /// The reference a worker uses for one end: `{channel_id, access_key, direction}`.
    pub(crate) fn reference(&self, direction: Direction) -> ChannelRef {
        let dir = match direction {
            Direction::Read => "read",
            Direction::Write => "write",
        };
        ChannelRef {
            channel_id: self.id.to_string(),
            access_key: self.keys.of(direction).to_owned(),
            direction: dir.to_owned(),
        }
    }
}
