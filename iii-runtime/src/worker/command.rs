//! [`Command`]: what a [`Worker`](crate::Worker) handle asks of the service task behind it.
//! The handle sends commands and never waits on the service's state; the service owns that
//! state and acts on the commands in the order they were sent.

use iii_protocol::{RawValue, RegisterTrigger, RegisterTriggerType};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

// The one import here that runs back up: a registration carries its handler, and a handler
// takes an invocation whose context holds the worker this command came from. See the
// folder's `//!` for the circle.
use super::function::Function;
use crate::error::Result;
use crate::link::Outgoing;
use crate::provider::ProvideFn;

/// The result of a call, as the service hands it to the caller.
pub(crate) type CallResult = Result<Option<Box<RawValue>>>;

/// Where a caller writes its call frame: the connection's data queue and its generation.
pub(crate) type Go = Result<(mpsc::Sender<Outgoing>, u64)>;

/// A request from a [`Worker`](crate::Worker) handle to the service.
pub(crate) enum Command {
    RegisterFunction {
        id: String,
        function: Function,
    },
    UnregisterFunction {
        id: String,
    },
    RegisterTrigger(RegisterTrigger),
    UnregisterTrigger {
        id: String,
    },
    /// Provide a trigger type: announce it, and hand its forwarded bindings to `handler`.
    RegisterTriggerType {
        frame: RegisterTriggerType,
        handler: ProvideFn,
    },
    UnregisterTriggerType {
        id: String,
    },
    /// A call: `reply` (absent for fire-and-forget) gets the result; `go` gets the queue to
    /// write the frame on once the worker is ready. Handing the queue out from here, after
    /// every earlier command, keeps a call behind the registrations made before it.
    Call {
        id: Uuid,
        function_id: String,
        reply: Option<oneshot::Sender<CallResult>>,
        go: oneshot::Sender<Go>,
    },
    /// The call's frame is queued on connection `generation`: if that connection drops, the
    /// call fails at once rather than waiting for its timeout.
    Sent {
        id: Uuid,
        generation: u64,
    },
    /// The caller stopped waiting (timeout, or its future was dropped).
    Forget {
        id: Uuid,
    },
    Shutdown {
        done: oneshot::Sender<()>,
    },
    /// Drain like a shutdown, but keep the connection open until `Shutdown`; `done` once
    /// nothing runs any more (or the grace ran out).
    Drain {
        done: oneshot::Sender<()>,
    },
    /// What the standby's hidden function heard: the holder of a refused function may be
    /// gone.
    Hint(serde_json::Value),
}
