//! A protocol-compatible development engine for iii workers.
//!
//! The real iii engine is not published on any package registry, so this crate implements the
//! part of it that workers use, following the wire protocol the official SDKs speak:
//!
//! * the worker WebSocket (`/`, plus `/otel` whose frames are discarded): `workerregistered`,
//!   function registration with ownership (`FUNCTION_NAMESPACE_CONFLICT`), trigger
//!   registration, invocation routing between workers (sync, void, `enqueue`) with
//!   `_caller_worker_id` injection, JSON and WebSocket pings, reattach eviction, and cleanup
//!   (`invocation_stopped`) when a worker goes away;
//! * `http` triggers on a separate HTTP port, with the request/response envelope, condition and
//!   middleware functions, permissive CORS, size limit and timeout;
//! * `cron` triggers, durable queues (`durable:subscriber`/`queue`, `iii::durable::publish`,
//!   retries and a dead-letter list), pub/sub (`subscribe`/`publish`), the `state::*` builtins
//!   with `state` triggers, and introspection (`engine::functions::list`/`info`,
//!   `engine::workers::list`).
//!
//! Deliberate differences from the real engine: both ports bind loopback by default, a null
//! HTTP result is answered `200` with an empty body (no streaming), there are no namespaces,
//! and everything is kept in memory.
//!
//! ```no_run
//! # async fn demo() -> Result<(), iii_engine::EngineError> {
//! let mut config = iii_engine::EngineConfig::default();
//! config.ws_port = 0; // pick free ports
//! config.http_port = 0;
//! let engine = iii_engine::Engine::start(config).await?;
//! println!("workers connect to {}", engine.ws_url());
//! engine.shutdown().await;
//! # Ok(())
//! # }
//! ```

mod builtins;
mod channels;
mod config;
mod error;
mod http;
mod hub;
mod introspect;
mod queue;
mod registry;
mod router;
mod server;
mod shutdown;
mod state;
mod streams;
mod triggers;
mod ws;

pub use config::{EngineConfig, env};
pub use error::EngineError;
pub use server::{Engine, EngineHandle};
