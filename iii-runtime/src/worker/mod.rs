//! The worker as user code meets it: the [`Worker`] handle, the [`Function`]s registered on
//! it, and the [`Invocation`] and [`Context`] a handler receives.
//!
//! # The one circle in the crate
//!
//! These types refer to each other in a loop, by nature rather than by accident: a worker
//! runs handlers, a handler receives an invocation, the invocation's context carries the
//! worker (so that the handler can call other functions), and registering a handler sends it
//! to the worker's service in a [`Command`]:
//!
//! ```text
//! handle.rs (Worker) -> command.rs (Command) -> function.rs (Function)
//!     -> invocation.rs (Invocation) -> context.rs (Context) -> handle.rs (Worker)
//! ```
//!
//! The loop is kept inside this folder, and it is only a loop of types: none of these files
//! runs anything. Everything that acts on them sits above and imports them: the service task
//! (`service`), which owns the registrations and starts the worker; the dispatch of incoming
//! invocations (`dispatch`); the extractors; the declared-function registry. Nothing here
//! imports those.
//!
//! # Files
//!
//! - `handle.rs`: [`Worker`], the cloneable handle, and the status of its connection.
//! - `command.rs`: what the handle asks of the service.
//! - `register.rs`: registering functions and triggers, [`FunctionHandle`], [`TriggerHandle`].
//! - `calls.rs`: calls to other functions ([`Worker::invoke`] and friends).
//! - `logs.rs`: forwarding `tracing` events to the engine's log ([`Worker::forward_logs`]).
//! - `function.rs`: [`Function`] and the adapters from typed closures.
//! - `invocation.rs`: [`Invocation`], an incoming call's input and context.
//! - `envelope.rs`: the HTTP request envelope of an invocation, its maps read on demand.
//! - `context.rs`: [`Context`], what a handler knows about its invocation.

mod calls;
mod command;
mod context;
mod envelope;
mod function;
mod handle;
mod invocation;
mod logs;
mod register;

pub use self::calls::CallOptions;
pub(crate) use self::command::{CallResult, Command, Go};
pub use self::context::Context;
pub use self::function::{
    Blocking, Function, HandlerFuture, IntoFunction, json_reply, run_blocking,
};
#[cfg(feature = "testing")]
pub(crate) use self::handle::CallStub;
pub use self::handle::{ConnectionEvents, RefusalChanges, Worker};
pub(crate) use self::handle::{Startup, WeakWorker};
pub use self::invocation::Invocation;
pub use self::register::{FunctionHandle, TriggerHandle};
