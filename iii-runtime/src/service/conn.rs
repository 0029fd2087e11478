//! [`Conn`]: where the connection stands, from the service's side.

use tokio::time::Instant;

use crate::link::Link;

/// How far an open connection got through its start.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Stage {
    /// The announce and the functions are out, then ping number 1: its pong says which
    /// functions the engine refused. No trigger goes out before it.
    Registering,
    /// The triggers of the functions held are out, then ping number `.0`: its pong says the
    /// engine has read them.
    Binding(u64),
    /// Serving.
    Ready,
}

pub(super) enum Conn {
    /// A connection attempt is under way.
    Connecting,
    /// Open, at `stage`. When `opened + READY_FALLBACK` passes without the pongs, the engine
    /// is assumed not to answer JSON pings, and the worker goes on as if it had.
    Open {
        link: Link,
        stage: Stage,
        opened: Instant,
    },
    /// Waiting to retry.
    Backoff { until: Instant },
    /// Shutting down: the link stays for the running invocations (their results and their own
    /// calls) and is closed once they are done or `until` passes. Past the grace, running
    /// invocations are `abandoned` (answered, and stopped at their next await) and get a
    /// moment to send those answers; then `closing`, with `until` the deadline for the close
    /// frame. `handed_over` when the worker unregistered its functions and triggers first, so
    /// that another copy can take them over: invocations the engine sent before it read that
    /// are still served, and `settle` holds the close back until the engine answered the ping
    /// sent behind the hand-over (so that none of them is still on its way).
    Draining {
        link: Option<Link>,
        until: Instant,
        abandoned: bool,
        closing: bool,
        handed_over: bool,
        settle: Option<Settle>,
    },
}

/// The ping behind a hand-over's frames, and when to stop waiting for its pong (an engine
/// that does not answer JSON pings).
#[derive(Debug, Clone, Copy)]
pub(super) struct Settle {
    pub(super) ping: u64,
    pub(super) by: Instant,
}

impl Conn {
    /// The link of an open connection, whatever its stage.
    pub(super) fn open_link(&self) -> Option<&Link> {
        match self {
            Self::Open { link, .. } => Some(link),
            _ => None,
        }
    }
}
