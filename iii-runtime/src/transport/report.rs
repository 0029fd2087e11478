//! [`Event`]: what a transport reports to the service.

use iii_protocol::Message;

use crate::error::Error;
use crate::incoming::Incoming;
use crate::link::Link;

/// What a transport reports to the service. `generation` tells reports of a connection that
/// has since been replaced apart from current ones.
#[derive(Debug)]
pub(crate) enum Event {
    Connected {
        generation: u64,
        link: Link,
    },
    ConnectFailed {
        generation: u64,
        error: Error,
    },
    Frame {
        generation: u64,
        message: Message,
    },
    /// An invocation the admission did not start at once.
    Invoke {
        generation: u64,
        call: Incoming,
    },
    Closed {
        generation: u64,
        reason: String,
    },
}
