//! Typed Rust workers for the [iii engine](https://github.com/iii-hq/iii).
//!
//! A worker is a set of plain typed async functions. Annotate them, and `#[iii::main]`
//! connects to the engine, registers them with their triggers, and serves them:
//!
//! ```no_run
//! use iii::prelude::*;
//!
//! #[derive(Deserialize, JsonSchema)]
//! struct AddInput { a: i64, b: i64 }
//!
//! #[derive(Serialize, JsonSchema)]
//! struct AddOutput { sum: i64 }
//!
//! /// Adds two numbers.
//! #[iii::function("math.add")]
//! #[iii::http(path = "add", method = "POST")]
//! async fn add(input: AddInput) -> iii::Result<AddOutput> {
//!     Ok(AddOutput { sum: input.a + input.b })
//! }
//!
//! #[iii::main]
//! async fn main() {}
//! ```
//!
//! Depend on `serde` next to this crate (`serde = { version = "1", features = ["derive"] }`,
//! and `serde_json` where your code names it): serde's derives, which the prelude re-exports,
//! emit code that names the `serde` crate. `JsonSchema` needs no dependency of your own.
//!
//! With `III_URL` unset and no engine on `ws://127.0.0.1:49134`, `#[iii::main]` starts the
//! development engine in-process (feature `embedded-engine`, on by default), so the program
//! above serves `POST http://127.0.0.1:3111/add` on its own.
//!
//! The same is available without macros through [`Worker`]:
//! [`register_function`](Worker::register_function), [`register_trigger`](Worker::register_trigger),
//! [`connect`](Worker::connect), [`invoke`](Worker::invoke),
//! [`invoke_async`](Worker::invoke_async), [`disconnect`](Worker::disconnect).
//!
//! # Errors on the wire
//!
//! Handler errors are [`Error`]s. A worker-to-worker call gets the protocol's
//! `{code, message}`; an HTTP request gets the error's status and the engine's error body
//! `{"error":{"code":…,"message":…}}`. Input that does not deserialize is `400 invalid_input`
//! with the field path. See [`Error`] for every code.
//!
//! # Crate layout
//!
//! - [`Worker`]: the handle for the plain API (register, invoke, disconnect).
//! - [`App`] and `#[iii::main]`: run the functions declared with `#[iii::function]`.
//! - [`Error`]: the one error type, with stable wire codes.
//! - [`Trigger`]: HTTP routes, cron schedules, queue and pub/sub topics, stream and state
//!   changes, and any other type through [`Trigger::new`].

mod app;
mod config;
mod context;
mod dispatch;
mod dispatcher;
mod embedded;
mod error;
mod events;
mod extract;
mod handler;
mod invocation;
mod registry;
mod reply;
mod service;
mod signal;
mod state;
mod strip;
mod transport;
mod trigger;
mod typed_call;
mod worker;

#[doc(hidden)]
pub mod __private;

pub use app::{App, init_tracing};
pub use config::{Backoff, ENV_BRIDGE_URL, ENV_URL, ENV_WORKER_NAME, WorkerConfig};
pub use context::{Context, TriggerKind};
pub use embedded::{EmbeddedEngine, start_dev_engine_if_needed};
pub use error::{BoxError, Error, Result};
pub use events::{
    CronTick, StateEvent, StateEventKind, StreamChange, StreamChangeKind, StreamEvent,
};
pub use extract::{FromInvocation, Headers, Path, Query, State, StateKey, StateMap};
pub use handler::{Blocking, Function, IntoFunction};
pub use invocation::{Invocation, Reply};
pub use registry::register_declared;
pub use registry::register_declared_with;
pub use signal::shutdown_requested;
pub use state::ConnectionState;
pub use trigger::{FunctionHandle, Trigger, TriggerHandle};
pub use typed_call::TypedFunction;
pub use worker::{CallOptions, StateChanges, Worker};

/// The `http` crate, for `http::Request<T>` parameters and `http::Response<T>` results.
pub use ::http;
pub use iii_macros::{cron, queue, state, stream, subscribe, trigger};
pub use iii_macros::{function, http, main};
/// The wire protocol types (re-exported from `iii-protocol`).
pub use iii_protocol as protocol;
pub use schemars::{self, JsonSchema};

/// Everything a worker module usually needs.
pub mod prelude {
    pub use crate::{App, Context, Error, Result, Trigger, Worker};
    pub use crate::{CronTick, StateEvent, StreamEvent, TypedFunction};
    pub use crate::{Headers, Path, Query, State};
    /// In scope so that `#[derive(JsonSchema)]` (whose code names `schemars::…`) works
    /// without a `schemars` dependency of your own, and always with the version iii uses.
    pub use schemars;
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};
}
