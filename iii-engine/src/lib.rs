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
//! * `http` triggers on a separate HTTP port, with the request/response envelope (including
//!   the `request_body`/`response` data-channel references), streamed responses, condition and
//!   middleware functions, CORS (permissive by default), size limit, timeout and concurrency
//!   limit;
//! * data channels: `engine::channels::create` and `/ws/channels/{id}?key=…&dir=read|write` on
//!   the worker port (each end with its own key);
//! * `cron` triggers, durable queues (`durable:subscriber`/`queue`, `iii::durable::publish`,
//!   retries and a dead-letter list), pub/sub (`subscribe`/`publish`), the `state::*` builtins
//!   with `state` triggers, the `stream::*` builtins with `stream` triggers (and streams that a
//!   worker provides by registering `stream::<op>(<name>)`), the update operations of
//!   `state::update`/`stream::update` with the engine's semantics (`path` a top-level field,
//!   whole-number `by`), the engine's own trigger types (`engine::workers-available`,
//!   `engine::functions-available`), trigger types that workers provide
//!   (`registertriggertype`: bindings forwarded to the provider, parked while there is none,
//!   a provider's refusal passed on to the binding's worker), trigger functions
//!   (`engine::register_trigger`, `engine::unregister_trigger`), and introspection
//!   (`engine::functions::list`/`info`, `engine::workers::list`/`info`,
//!   `engine::registered-triggers::list`), and `engine::log::*` for the SDKs' loggers;
//! * **HTTP-invoked functions** (protocol.md §4.4): a `registerfunction` with an `invocation`
//!   is called by the engine itself over HTTP, with the real engine's `x-iii-*` headers and
//!   HMAC signature, bearer or API-key authentication from named environment variables, under
//!   a URL allow-list and a private-address block ([`EngineConfig::http_functions`],
//!   `iii-http-functions` in the config file);
//! * **access-controlled worker listeners**: further worker ports ([`EngineConfig::listeners`],
//!   a second `iii-worker-manager` in the config file), each with a worker-provided auth
//!   function (headers, query and address in; an `AuthResult` out), `expose_functions` rules
//!   (`match("…")` patterns and metadata), the `on_function_registration`,
//!   `on_trigger_registration` and `on_trigger_type_registration` hooks, a middleware
//!   function around its calls, and the registration prefix, taken off again when a function
//!   is invoked. What a connection may not do is answered `FORBIDDEN` (`function '<id>' not
//!   allowed (add to rbac.expose_functions)`), a refused connection gets one `AUTH_ERROR`
//!   frame and a Close: never a timeout.
//!
//! Where it differs from the real engine on purpose, from binding loopback by default to
//! answering refusals the real engine only logs, is in the table of [`differences`].
//!
//! # Persistence and delivery
//!
//! Without a data directory everything is kept in memory, as before. With one
//! ([`EngineConfig::persistence`]: `--data-dir`, or the config file's `store_method:
//! file_based` stores) state, stream items, durable queue messages (pending and dead-lettered)
//! and cron bookkeeping are kept in SQLite (feature `sqlite`, on by default; the workspace's
//! dependency, and so a worker's embedded engine, leaves it off), and survive a restart, even a
//! `kill -9`. Each store's owner task commits the writes of a batch of commands in one
//! transaction (WAL, `synchronous = FULL`) before it answers any of them or fires their
//! triggers, so an acknowledged write is durable, and a burst from many callers costs one
//! commit.
//!
//! Durable delivery is **at least once**: `iii::durable::publish` and the `enqueue` action
//! are acknowledged once the message is committed, and a message is forgotten only once its
//! function took it (or it was dead-lettered), so a crash between a delivery and its
//! acknowledgement delivers it again after the restart. Attempt counts start afresh after a
//! restart. A message published to a topic nobody subscribes to waits for the first
//! subscriber (and is copied to the functions subscribed then); one whose function is not
//! registered waits for it, without using up its attempts. At most 100 000 messages (256 MiB)
//! wait; past that a publish is refused with `queue_full`. A cron tick is recorded before it
//! fires, so no tick fires twice, even across a restart; ticks missed while the engine was
//! down are skipped (at most once), as on the real engine.
//!
//! # The config file
//!
//! `iii-engine --config config.yaml` reads the real engine's file (`iii_engine::config_file`, both the
//! `workers:` and the older `modules:` generation, with `${VAR:default}`); flags and their
//! variables override it. What iii-engine does differently with it:
//!
//! | In the file | iii-engine |
//! |---|---|
//! | more than one `iii-worker-manager` | the first is the worker port, every later one a further listener ([`EngineConfig::listeners`]), loopback unless it names a host; `handshake_timeout_ms` of a later one ignored |
//! | `middleware_function_id`, `rbac` of a worker manager | read ([`EngineConfig::ws_access`], [`ListenerAccess`]); a bad `expose_functions` rule is an error |
//! | `iii-http`: `cors.allowed_origins` | read, as on the real engine ([`EngineConfig::cors`]); `cors.allowed_methods` ignored: a preflight answer allows every method |
//! | `iii-http`: `middleware` | ignored (not supported yet) |
//! | `iii-stream`: `port`, `host`, `auth_function` | ignored: there is no stream socket |
//! | adapters other than the built-in ones (`redis`, `rabbitmq`, `bridge`) | ignored: the store stays in memory |
//! | `store_method: file_based` + `file_path: P` | SQLite at `P.sqlite3`, beside what the real engine writes at `P`; `save_interval_ms` ignored |
//! | `queue_configs`: `type: fifo` | one message at a time in order, retries included; `message_group_field` is required in payloads but groups are not run in parallel; `poll_interval_ms` ignored |
//! | `iii-http-functions`: `security` | read ([`EngineConfig::http_functions`]); its older `functions`/`triggers` lists ignored (workers register HTTP functions) |
//! | `configuration`, observability, unknown workers | ignored, one log line each |
//!
//! # Layout
//!
//! The crate is built in layers; a module imports only from the layers below it.
//!
//! ```text
//!   server (Engine::start, EngineHandle)       builds everything, owns the task set
//!     │
//!   front ends      ws/        worker ports: sockets, authentication, connection loop,
//!     │                        frames and the access gate, writer, data channel sockets
//!     │             http/      HTTP triggers: listener, pipeline, envelope, streaming
//!     │
//!   routing         router     function id → worker link, HTTP function or builtin; waits
//!   and firing      fire/      the one owner of trigger firing, one delivery queue per target
//!     │             builtins/  the table of engine functions and their handlers
//!     │             triggers/  validating and activating bindings, cron jobs, trigger types
//!     │                        that workers provide
//!     │
//!   stores          registry/  workers, functions, bindings, routes (snapshot read path)
//!     │             stores/    state, streams, durable queues with dead letters, cron
//!     │                        bookkeeping (owned by a task each, persisted through db/),
//!     │                        channels
//!     │             http_functions/  the client of HTTP-invoked functions: URL policy,
//!     │                        secrets and signature, one request, the answer's mapping
//!     │
//!   shared types    events     changes that fire triggers (values, bounded inbox)
//!                   codec      invocation outcomes, builtin input and reply
//!                   access     what a connection of an access-controlled listener may do
//!                   tasks, limit, config (+ config_stores, config_security), config_file,
//!                   error, url, pattern
//!                   iii-protocol: wire types, HTTP envelope, error codes
//! ```
//!
//! How one HTTP request flows: the listener counts it against the concurrency limit (an
//! atomic counter), takes one registry snapshot, matches the route there, and the pipeline
//! invokes the route's function through the router with that same snapshot: the owner's link
//! registers the invocation in the worker's own table of unanswered calls and queues the frame
//! to the worker's writer. The worker's read loop completes the call from that table.
//!
//! How a change fires triggers: the store's owner (or a builtin, a cron job, a connection)
//! sends an event to the firing owner; the firing owner matches it against the bindings of the
//! current snapshot and hands a job to each target's bounded queue; each target's task works
//! its queue off with bounded concurrency. Nothing spawns a task per fire, and a slow
//! subscriber fills only its own queue.
//!
//! How an access-controlled connection is served: the listener authenticates the upgrade
//! (`ws/auth`), and the registry keeps what the connection may do (`access`) with it; each
//! frame then passes the gate (`ws/gate`), which refuses it, asks a hook, or rewrites it (the
//! middleware, the registration prefix) before it is handled as any other; the introspection
//! builtins read the same access to show only what the caller may call, and the router takes
//! the prefix off when it invokes the worker. An HTTP-invoked function is a function whose
//! registry entry holds its checked target (`http_functions`), which the router calls instead
//! of a worker. Streams a worker provides are the router's too: it hands their calls to the
//! worker's `stream::<op>(<name>)` function, and `builtins/providers.rs` checks the answer and
//! fires the triggers.
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

mod access;
#[cfg(test)]
mod arbitrary;
mod builtins;
mod codec;
mod config;
#[cfg(feature = "config-file")]
pub mod config_file;
mod config_security;
mod config_stores;
pub mod differences;
mod error;
mod events;
mod fire;
mod http;
mod http_functions;
mod limit;
mod pattern;
mod registry;
mod router;
mod server;
mod stores;
mod tasks;
mod triggers;
mod url;
mod ws;

pub use config::{
    Cors, EngineConfig, FilterRule, FunctionFilter, ListenerAccess, MetadataMatch, Persistence,
    QueueSettings, Rbac, UrlPolicy, WorkerListener, env,
};
pub use error::EngineError;
pub use server::{Engine, EngineHandle};
