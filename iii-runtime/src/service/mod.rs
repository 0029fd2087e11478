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
//! - `connection.rs`: connect, replay, ready, reconnect; `drain.rs`: shutdown.
//! - `calls.rs`: the calls this worker makes, waiting for their results.
//! - `frames.rs`: the announce and registration frames; `conn.rs`: where the connection
//!   stands.
//! - `providers.rs`: the trigger types this worker provides, and the bindings the engine
//!   forwards to them.

mod calls;
mod commands;
mod conn;
mod connection;
mod drain;
mod frames;
mod messages;
mod providers;
mod start;
mod task;
