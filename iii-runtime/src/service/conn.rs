//! [`Conn`]: where the connection stands, from the service's side.

use tokio::time::Instant;

use crate::link::Link;

pub(super) enum Conn {
    /// A connection attempt is under way.
    Connecting,
    /// Open; `ready` once the engine answered the ping sent after the registrations, or
    /// when `opened + READY_FALLBACK` passes without an answer.
    Open {
        link: Link,
        ready: bool,
        opened: Instant,
    },
    /// Waiting to retry.
    Backoff { until: Instant },
    /// Shutting down: no new invocations; the link stays for the running ones (their results
    /// and their own calls) and is closed once they are done or `until` passes. Past the
    /// grace, running invocations are `abandoned` (answered, and stopped at their next await)
    /// and get a moment to send those answers; then `closing`, with `until` the deadline for
    /// the close frame.
    Draining {
        link: Option<Link>,
        until: Instant,
        abandoned: bool,
        closing: bool,
    },
}
