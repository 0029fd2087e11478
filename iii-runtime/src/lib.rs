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
//! # The engine's services
//!
//! Typed clients, reached from a [`Context`] (in a handler) or a [`Worker`], all over the
//! worker's connection and failing with [`Error`]:
//!
//! - [`Kv`] (`ctx.kv()`): the engine's key/value store, its `state::*` functions. The engine
//!   calls it "state"; in this crate [`State<T>`] only means the worker's in-process data, the
//!   connection has a [`ConnectionStatus`], and the store, its trigger (`#[iii::kv]`,
//!   [`Trigger::kv`], trigger type `state`) and its event ([`KvEvent`]) are `kv`.
//! - [`Stream<T>`] (`ctx.stream::<T>(name)`): the engine's streams; a worker can also *be* a
//!   stream ([`StreamProvider`]).
//! - [`Update`]: the engine's update operations for both, answered with [`Updated`].
//! - [`Topic<T>`]: pub/sub and durable queue topics whose message type the publisher
//!   ([`Context::publish`], [`Context::publish_durable`]) and the consumer
//!   (`#[iii::subscribe(topic = T)]`, `#[iii::queue(topic = T)]`) share.
//! - Custom trigger types: provide one ([`TriggerProvider`]), bind to one
//!   ([`TriggerTypeRef`]).
//! - [`Introspect`] (`ctx.introspect()`): what functions, workers and triggers are live.
//!
//! # Streaming
//!
//! A handler streams its HTTP response by returning a [`Body`] (or `http::Response<Body>`,
//! to set the status and headers first) or server-sent events ([`Sse`]); it reads a request
//! body of any size and content type with a [`BodyStream`] or `Bytes` parameter. Functions
//! stream to each other through a [`Channel<T>`]: one end's reference goes in a call's input,
//! to a worker in any language. See `examples/streaming.rs`.
//!
//! A worker's identity and access: [`WorkerConfig::namespace`] (`III_NAMESPACE`, announced,
//! and where its calls and triggers resolve), the [`Handshake`] (extra headers, the
//! `III_TOKEN` bearer token, `wss://` roots with the `tls` feature).
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
//! The public API:
//!
//! - [`App`] and `#[iii::main]`: run the functions declared with `#[iii::function]`.
//! - [`Worker`]: the handle for the plain API (register, invoke, disconnect).
//! - [`Function`], [`Invocation`], [`Context`]: a handler, what it is called with, and what
//!   it knows about the call; the extractors [`Path`], [`Query`], [`Headers`], [`State`];
//!   [`TypedFunction`] for calls checked by the compiler.
//! - [`Error`]: the one error type, with stable wire codes.
//! - [`Trigger`]: HTTP routes, cron schedules, queue and pub/sub topics, stream and key/value
//!   changes, and any other type through [`Trigger::new`].
//! - The clients of the engine's services above.
//! - [`observe`]: the request log ([`RequestLog`]), metrics, traces (feature `otel`), logs
//!   forwarded to the engine.
//!
//! The modules behind it, in layers: each imports only from the layers below it.
//!
//! | layer | module | what it owns |
//! |---|---|---|
//! | 0 | `testing` (feature `testing`) | the test kit: an [`App`] served for one test, calls, HTTP, triggers fired on demand, a constructible [`Context`] with stubbed calls |
//! | 1 | `app`, `entry` | [`App`]: configure, find or start an engine, register, serve, drain, hand over; the `main` that `#[iii::main]` generates |
//! | 2 | `service/` | the service task, the one owner of the connection's state (triggers and provided trigger types to replay, pending calls, the backlog); it writes the function table and replays it on every connection; starting it ([`Worker::start`]) |
//! | 3 | `registry/` | `#[iii::function]` declarations: the ABI the macros fill, the start-up checks, what a declaration becomes |
//! | 3 | `transport/` | one WebSocket connection: socket, reader, the shared write side (port), writer |
//! | 4 | `dispatch/` | incoming invocations: admission (worker slots, each function's `concurrency` limit, the backlog), running one, refusals, the one function table |
//! | 4 | `extract/`, `typed_call`, [`http_function`] | extractors; typed calls; functions the engine calls over HTTP |
//! | 4 | `channel/`, `body/` | data channels ([`Channel<T>`], [`ChannelReader`], [`ChannelWriter`]); streamed HTTP bodies both ways ([`Body`], [`Sse`], [`BodyStream`]) over them |
//! | 4 | `clients/` | the typed clients of the engine's services ([`Kv`], [`Stream`], [`Topic`], trigger types, stream providers, [`Introspect`]), built on [`Worker`]'s calls and registrations |
//! | 5 | `worker/` | [`Worker`], [`Function`], [`Invocation`], [`Context`]: types that refer to each other in the crate's one circle, explained there |
//! | 6 | `link`, `stamp`, `trace`, `reply`, `state_map`, `status`, `trigger`, `events`, `config`, `observe`, `handshake`, `provider`, `error`, `embedded`, `signal`, `strip` | the ground: a connection's send queues and direct writes, the trace context, the request log, metrics, traces and engine logs, leaf types and helpers |
//!
//! An invocation flows down these layers: `transport` reads it and offers it to `dispatch`'s
//! admission, which runs it on the reader until it has to wait, then in a task of its own (or
//! hands it back to `service`, which has it wait or refuses it); the handler's answer goes out
//! on the connection's `link`: written at once by the task that has it when nothing is queued
//! ahead of it, queued for the transport's writer otherwise.

mod app;
mod body;
mod borrowed;
mod caller_cut;
mod channel;
mod clients;
mod config;
mod dispatch;
mod embedded;
mod entry;
mod error;
mod events;
mod extract;
mod handshake;
pub mod http_function;
mod incoming;
mod link;
pub mod observe;
mod provider;
mod registry;
mod reply;
mod service;
mod signal;
mod stamp;
mod state_map;
mod status;
mod strip;
#[cfg(feature = "testing")]
pub mod testing;
mod trace;
mod transport;
mod trigger;
mod typed_call;
mod worker;

#[doc(hidden)]
pub mod __private;

pub use app::App;
pub use body::{
    Body, BodyStream, Event, FromBody, IntoStreamed, KeepAlive, Sse, Streamed, WHOLE_BODY_LIMIT,
};
#[cfg(feature = "multipart")]
pub use body::{Field, Multipart, MultipartError};
/// Bytes, for `Bytes` body parameters and [`Body`] chunks (re-exported from `bytes`).
pub use bytes::Bytes;
pub use channel::{
    Channel, ChannelReader, ChannelReceiver, ChannelSender, ChannelWriter, Message, ReaderRef,
    WriterRef,
};
pub use clients::{
    Binding, BoundTrigger, FunctionDetail, FunctionFilter, FunctionSummary, Introspect, Kv, Stream,
    StreamHandle, StreamProvider, StreamSummary, Topic, TriggerProvider, TriggerSummary,
    TriggerTypeHandle, TriggerTypeRef, Update, Updated, WorkerSummary, Written,
};
pub use config::{
    Backoff, ENV_BRIDGE_URL, ENV_HTTP_URL, ENV_NAMESPACE, ENV_STANDBY, ENV_URL, ENV_WORKER_NAME,
    WorkerConfig,
};
pub use embedded::{EmbeddedEngine, start_dev_engine_if_needed};
pub use entry::init_tracing;
pub use error::{BoxError, Error, Result};
pub use events::{CronTick, KvEvent, KvEventKind, StreamChange, StreamChangeKind, StreamEvent};
pub use extract::{FromInvocation, Headers, Path, Query, State};
pub use handshake::{ENV_TOKEN, Handshake};
pub use observe::RequestLog;
pub use registry::{register_declared, register_declared_with};
pub use reply::Reply;
pub use signal::shutdown_requested;
pub use state_map::{StateKey, StateMap};
pub use status::{ConnectionStatus, Refusal};
pub use trigger::{Trigger, TriggerKind};
pub use typed_call::TypedFunction;
pub use worker::{
    Blocking, CallOptions, ConnectionEvents, Context, Function, FunctionHandle, IntoFunction,
    Invocation, RefusalChanges, TriggerHandle, Worker,
};

/// The `http` crate, for `http::Request<T>` parameters and `http::Response<T>` results.
pub use ::http;
pub use iii_macros::{cron, kv, queue, stream, subscribe, trigger};
pub use iii_macros::{function, http, main};
/// The wire protocol types (re-exported from `iii-protocol`).
pub use iii_protocol as protocol;
pub use schemars::{self, JsonSchema};

/// Everything a worker module usually needs.
pub mod prelude {
    pub use crate::{App, Context, Error, Result, Topic, Trigger, Update, Worker};
    pub use crate::{CronTick, KvEvent, StreamEvent, TypedFunction};
    pub use crate::{Headers, Path, Query, State};
    /// In scope so that `#[derive(JsonSchema)]` (whose code names `schemars::…`) works
    /// without a `schemars` dependency of your own, and always with the version iii uses.
    pub use schemars;
    pub use schemars::JsonSchema;
    pub use serde::{Deserialize, Serialize};
}
