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
//!   `engine::registered-triggers::list`).
//!
//! Deliberate differences from the real engine:
//!
//! * both ports bind loopback by default;
//! * a null HTTP result is streamed from the `response` channel only when the worker connects
//!   that channel's writer within [`EngineConfig::http_stream_grace`], and is otherwise
//!   answered `200` with an empty body instead of hanging until the timeout;
//! * HTTP requests over the concurrency limit are answered `503` instead of queueing, and a
//!   request counts against the limit only once its body has arrived; a body still arriving
//!   after [`EngineConfig::http_body_timeout`] is answered `408`;
//! * a path that routes serve for other methods only is answered `405` with an `allow`
//!   header (the real engine answers `404`);
//! * an `invokefunction` whose `invocation_id` is a string but not a UUID is served and
//!   answered under that string; `stream::send` has no stream socket to send to (it fires the
//!   stream's triggers only); and there are no namespaces (the `namespace` fields of frames
//!   and announces are accepted and ignored, everything resolves in `default`);
//! * a binding of a worker-provided type made with `engine::register_trigger` is forwarded
//!   without waiting for the provider's answer (the engine waits up to 10 s), and there is no
//!   `engine::triggers::list` of trigger types;
//! * `state::update`/`stream::update` report every operation that did not fit in `errors`
//!   (`{op_index, code, message}`) where older engines only log them;
//! * **one worker cannot take over what another, or the engine, provides** (the real engine
//!   lets it, protocol.md §4.2): a `registerfunction` for an id the engine provides itself
//!   (`state::set`, `publish`, `engine::workers::list`, …; exact ids, so `stream::get(<name>)`
//!   stays a custom stream provider's own) is refused with `registrationrejected`; an `http`
//!   trigger on a method and path that another binding serves is refused with a
//!   `triggerregistrationresult` error naming its holder, instead of replacing the route; and
//!   `engine::unregister_trigger`, like `unregistertrigger`, removes only the bindings its
//!   caller made (the maker of an `engine::register_trigger` binding is recorded, and handed
//!   over on reattach), answering `FORBIDDEN` otherwise; a `registertriggertype` for a type
//!   the engine implements itself (`http`, `cron`, `subscribe`, …) is ignored with a warning,
//!   so that no worker receives the bindings of the engine's own types;
//! * **browsers are kept out of local routes and sockets**: CORS stays permissive by default,
//!   as on the real engine, but [`EngineConfig::cors`] can list origins or turn it off; while
//!   bound to loopback, a request whose `Host` names another machine is answered `403` (a
//!   DNS-rebinding guard, [`EngineConfig::allow_any_host`]); and a worker-port upgrade carrying
//!   a browser `Origin` is refused with `403` unless [`EngineConfig::ws_allowed_origins`]
//!   lists it;
//! * **what is sent fits what the receiver takes**: a message larger than
//!   [`EngineConfig::max_frame_bytes`] (16 MiB) is sent in fragments; one larger than
//!   [`EngineConfig::max_message_bytes`] (64 MiB) is not sent at all, and its caller gets
//!   `message_too_large` (an HTTP client `413`);
//! * **Close frames say why**: `1007` for invalid UTF-8, `1009` for a frame or message over the
//!   limits, `1002` for another protocol violation, `1000` "replaced by a reattaching
//!   connection" on eviction, and `1001` "engine shutting down" only when it is.
//!
//! Unlike the real engine it also bounds what one worker can make it hold: functions and
//! trigger bindings per connection ([`EngineConfig::max_functions_per_worker`],
//! [`EngineConfig::max_triggers_per_worker`]; the bindings made with `engine::register_trigger`
//! share one such cap), sockets on the worker port ([`EngineConfig::max_connections`]), calls
//! in flight per worker ([`EngineConfig::max_calls_per_worker`],
//! [`EngineConfig::max_call_bytes_per_worker`]; past them the worker is read no further, except
//! for its answers, and calls to one target take at most half of that room, so that a target
//! that stops answering slows only the calls made to it), the time one frame may take to reach
//! a worker ([`EngineConfig::write_timeout`]; a worker that stops reading is disconnected),
//! deliveries in flight per subscriber ([`EngineConfig::delivery_concurrency`] or
//! `queue_config.concurrency`) and fires waiting per subscriber
//! ([`EngineConfig::delivery_queue`]; past it fires are dropped, counted and logged, and
//! durable messages dead-lettered), the dead-letter list (64 MiB) and channel buffers (16 MiB
//! from a worker's writer). Registering costs the same at the 200,000th route as at the
//! first: the registry's tables are persistent maps and the route table a persistent trie.
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
//! | `iii-worker-manager#rbac`, or a worker manager with `rbac` | ignored: no listener on its port (the RBAC listener is not supported yet) |
//! | a second plain worker manager | ignored: one worker listener |
//! | `middleware_function_id` of the worker manager | ignored (not supported yet) |
//! | `iii-http`: `cors.allowed_origins` | read, as on the real engine ([`EngineConfig::cors`]); `cors.allowed_methods` ignored: a preflight answer allows every method |
//! | `iii-http`: `middleware` | ignored (not supported yet) |
//! | `iii-stream`: `port`, `host`, `auth_function` | ignored: there is no stream socket |
//! | adapters other than the built-in ones (`redis`, `rabbitmq`, `bridge`) | ignored: the store stays in memory |
//! | `store_method: file_based` + `file_path: P` | SQLite at `P.sqlite3`, beside what the real engine writes at `P`; `save_interval_ms` ignored |
//! | `queue_configs`: `type: fifo` | one message at a time in order, retries included; `message_group_field` is required in payloads but groups are not run in parallel; `poll_interval_ms` ignored |
//! | `iii-http-functions`, `configuration`, observability, unknown workers | ignored, one log line each |
//!
//! # Layout
//!
//! The crate is built in layers; a module imports only from the layers below it.
//!
//! ```text
//!   server (Engine::start, EngineHandle)       builds everything, owns the task set
//!     │
//!   front ends      ws/        worker port: sockets, connection loop, frames, writer,
//!     │                        data channel sockets
//!     │             http/      HTTP triggers: listener, pipeline, envelope, streaming
//!     │
//!   routing         router     function id → worker link or builtin; waits for answers
//!   and firing      fire/      the one owner of trigger firing, one delivery queue per target
//!     │             builtins/  the table of engine functions and their handlers
//!     │             triggers/  validating and activating bindings, cron jobs, trigger types
//!     │                        that workers provide
//!     │
//!   stores          registry/  workers, functions, bindings, routes (snapshot read path)
//!     │             stores/    state, streams, durable queues with dead letters, cron
//!     │                        bookkeeping (owned by a task each, persisted through db/),
//!     │                        channels
//!     │
//!   shared types    events     changes that fire triggers (values, bounded inbox)
//!                   codec      invocation outcomes, builtin input and reply
//!                   tasks, limit, config (+ config_stores), config_file, error, url
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
//! Where the next features go: functions invoked over HTTP are a second kind of link the
//! router resolves a function to; an access-control listener sits in `ws/frames` before a
//! frame is handled. (Streams a worker provides are the router's: it hands their calls to the
//! worker's `stream::<op>(<name>)` function, and `builtins/providers.rs` checks the answer and
//! fires the triggers. The config file reader already accepts, and reports as ignored, the
//! sections of the features not supported yet.)
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
