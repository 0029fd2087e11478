//! The functions the engine provides itself, in one table: [`table::TABLE`] lists every
//! builtin with its id, its description (for introspection) and its handler; the other files
//! hold the handlers, grouped by the store they serve. Their ids are reserved: the worker
//! endpoint refuses them to workers, and the router serves them before looking at the
//! registry (but for the `stream::*` calls of a stream that a worker provides, below).
//!
//! A handler decodes its input, asks the store that holds the data, sends the change it made
//! to the firing owner (`crate::events`) and encodes the reply. It never invokes another
//! function, so the router can call the table without the table calling back into it; the
//! one case that needs a worker's function (a stream that a worker provides, `providers.rs`)
//! is split so that the router makes that call.

mod channels;
mod context;
mod engine;
mod functions;
mod log;
mod providers;
mod queues;
mod state;
mod streams;
mod table;
mod workers;

pub(crate) use context::Context;
pub(crate) use providers::delegation;
pub(crate) use table::{functions_list, is_builtin};
