//! Dispatching the invocations the engine sends, from the connection's reader to the answer.
//!
//! - `admission.rs`: [`Admission`], which decides whether a call runs now, waits or is
//!   refused: the worker's in-flight slots, each function's own limit, the fast path the
//!   reader takes without a hop through the service.
//! - `limit.rs`: a function's `concurrency` limit and the bounded queue of calls over it.
//! - `backlog.rs`: [`Backlog`], the calls waiting for a free slot, owned by the service.
//! - `table.rs`: the one function table.
//! - `run.rs`: running one admitted invocation, and abandoning it.
//! - `inline.rs`: where it runs: its first poll on the caller, a task only if it waits.
//! - `observed.rs`: an invocation's span, request log line and metrics.
//! - `answer.rs`: encoding what a handler produced for the wire.
//! - `refuse.rs`: the answers sent without a handler (unknown function, shutting down,
//!   overloaded).
//!
//! A call flows: reader → [`Admission::try_start`] → run, or → the service →
//! [`Admission::offer`] → run, a function's queue, the [`Backlog`] or a refusal.

mod admission;
mod answer;
mod backlog;
mod inline;
mod limit;
mod observed;
mod pace;
mod refuse;
mod run;
mod table;

pub(crate) use self::admission::{Admission, Offer};
pub(crate) use self::backlog::Backlog;
pub(crate) use self::refuse::{not_found, reply_to, shutting_down};
pub(crate) use self::table::Table;
