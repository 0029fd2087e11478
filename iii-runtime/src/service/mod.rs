//! The service task: the one owner of the worker's state across connections — the triggers
//! to replay, the calls waiting for an answer, the backlog of invocations waiting for a slot —
//! and the only writer of the function table (`dispatch`'s, which the connection's reader
//! reads). It drives the connection through connect, replay, ready, reconnect and drain.
//!
//! It never waits on anything a peer controls: commands from handles and events from the
//! transport are handled at once, and every frame it writes goes on a queue.
//!
//! - `start.rs`: [`Worker::start`](crate::Worker::start), `connect` and `ready`, which spawn
//!   the task.
//! - `task.rs`: `Service`, its state and its loop.
//! - `commands.rs`: the handles' commands; `messages.rs`: the transport's events and the
//!   engine's messages.
//! - `connection.rs`: connect, reconnect, the timers; `barrier.rs`: a connection's start and
//!   every registration (functions first, their triggers once the engine did not refuse
//!   them); `claims.rs`: what the connection holds and was refused; `standby.rs`: refused
//!   functions, claimed again when their holder goes away (`refused.rs`: what is kept about
//!   them); `drain.rs`: shutdown and hand-over;
//!   `summary.rs`: what the worker serves, logged once ready; `engine.rs`: starting the
//!   development engine when the one the worker relied on went away.
//! - `calls.rs`: the calls this worker makes, waiting for their results.
//! - `frames.rs`: the announce and registration frames; `conn.rs`: where the connection
//!   stands.
//! - `providers.rs`: the trigger types this worker provides, and the bindings the engine
//!   forwards to them.

mod barrier;
mod calls;
mod claims;
mod commands;
mod conn;
mod connection;
mod drain;
mod engine;
mod frames;
mod messages;
mod providers;
mod refused;
mod standby;
mod start;
mod summary;
mod task;
#[cfg(feature = "otel")]
mod telemetry;
