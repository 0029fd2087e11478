//! Engine configuration: defaults, and the `III_ENGINE_*` environment variables.

use std::collections::BTreeMap;
use std::net::{IpAddr, Ipv4Addr};
use std::str::FromStr;
use std::time::Duration;

pub use crate::config_security::{
    FilterRule, FunctionFilter, ListenerAccess, MetadataMatch, Rbac, UrlPolicy, WorkerListener,
};
pub use crate::config_stores::{Persistence, QueueSettings};

/// Everything the engine can be told at start.
///
/// [`EngineConfig::default`] binds loopback on the official ports; [`EngineConfig::from_env`]
/// reads the `III_ENGINE_*` variables on top of those defaults.
#[derive(Debug, Clone)]
pub struct EngineConfig {
    /// Address both listeners bind (default `127.0.0.1`; use `0.0.0.0` in containers).
    pub host: IpAddr,
    /// Port of the worker WebSocket (default 49134; `0` picks a free port).
    pub ws_port: u16,
    /// Port of the HTTP trigger server (default 3111; `0` picks a free port).
    pub http_port: u16,
    /// How long an HTTP request may take end to end before it is answered `504` (default 30 s).
    pub http_timeout: Duration,
    /// Largest HTTP request body accepted; larger bodies are answered `413` (default 16 MiB).
    pub max_body_bytes: usize,
    /// Largest WebSocket frame accepted from or sent to a worker (default 16 MiB, what the
    /// SDKs accept); larger messages are sent in fragments of at most this size.
    pub max_frame_bytes: usize,
    /// Largest WebSocket message (possibly fragmented) accepted from or sent to a worker
    /// (default 64 MiB). A larger invocation is not sent (its caller gets
    /// `message_too_large`, an HTTP client `413`), nor a larger result (the caller gets the
    /// same error instead).
    pub max_message_bytes: usize,
    /// How long a new TCP connection may take to send its upgrade request (default 10 s).
    pub handshake_timeout: Duration,
    /// Frames queued towards one worker before senders wait (default 64).
    pub outbound_queue: usize,
    /// How long one frame may take to be written to a worker's socket (default 30 s). A worker
    /// that stops reading for longer is disconnected, and its invocations are answered
    /// `invocation_stopped`.
    pub write_timeout: Duration,
    /// Calls (`invokefunction` frames) one worker may have in flight at once (default 1024).
    /// Past it the engine waits before reading that worker's next frames (TCP backpressure),
    /// while still taking in the `invocationresult` frames it sends.
    pub max_calls_per_worker: usize,
    /// Bytes of call payloads one worker may have in flight at once (default 64 MiB), counted
    /// like [`max_calls_per_worker`](Self::max_calls_per_worker); a single larger call is
    /// still served, alone.
    pub max_call_bytes_per_worker: usize,
    /// Deliveries in flight at once to one target: a trigger binding (state, stream, engine
    /// events), or a function subscribed to a queue or pub/sub topic when its
    /// `queue_config.concurrency` does not say (default 64). Cron bindings never overlap.
    pub delivery_concurrency: usize,
    /// Fires waiting at most for one target (a trigger binding, or a function subscribed to a
    /// topic) while it is busy (default 1024). Past it further fires to that target are dropped,
    /// counted and logged; a durable message is dead-lettered instead (code
    /// `delivery_queue_full`), so nothing at-least-once is lost without a trace.
    pub delivery_queue: usize,
    /// Delivery attempts of a queue message before it is dead-lettered (default 3); a
    /// subscriber's `queue_config.maxRetries` overrides it.
    pub queue_max_attempts: u32,
    /// Delay before the first queue retry, doubled on every further attempt (default 1 s); a
    /// subscriber's `queue_config.backoffDelayMs` overrides it.
    pub queue_backoff: Duration,
    /// How long [`EngineHandle::shutdown`](crate::EngineHandle::shutdown) waits for tasks.
    pub shutdown_grace: Duration,
    /// HTTP requests served at once; more are answered `503` (default 1024).
    pub concurrency_request_limit: usize,
    /// When an HTTP function returns no result, how long the engine waits for the worker to
    /// connect the envelope's `response` channel before answering `200` with an empty body
    /// (default 500 ms). A connected response channel is streamed instead.
    pub http_stream_grace: Duration,
    /// Channel ends nobody connected to within this time are dropped (default 5 min).
    pub channel_ttl: Duration,
    /// How long function-registry changes are collected into one
    /// `engine::functions-available` fire (default 100 ms).
    pub functions_coalesce: Duration,

    // Stores and listeners set by a config file or `--data-dir` (see `crate::config_file`).
    /// Where the stores keep their data (default: all in memory). A store with a path keeps
    /// it in SQLite there, which needs the crate's `sqlite` feature.
    pub persistence: Persistence,
    /// The named queues of the `enqueue` action and their settings (`queue_configs`); a queue
    /// not listed takes the `default` queue's settings, else the engine's.
    pub queues: BTreeMap<String, QueueSettings>,
    /// Address the HTTP trigger server binds when it differs from [`host`](Self::host)
    /// (default `None`: the same).
    pub http_host: Option<IpAddr>,

    // What one client may hold, and what browsers may reach.
    /// Functions one worker connection may register (default 10,000); past it
    /// `registerfunction` is answered `registrationrejected`.
    pub max_functions_per_worker: usize,
    /// Trigger bindings one worker connection may hold (default 10,000); past it
    /// `registertrigger` is answered `triggerregistrationresult` with an error. The bindings
    /// made with `engine::register_trigger`, which outlive their callers, share one such cap.
    pub max_triggers_per_worker: usize,
    /// WebSocket connections the worker port serves at once, workers, telemetry sockets and
    /// data channel ends alike (default 1024); past it an upgrade is answered `503`.
    pub max_connections: usize,
    /// How long an HTTP request body may take to arrive (default 10 s, and never longer than
    /// [`http_timeout`](Self::http_timeout)); a body still arriving then is answered `408`. A
    /// request counts against [`concurrency_request_limit`](Self::concurrency_request_limit)
    /// only once its body is in.
    pub http_body_timeout: Duration,
    /// The most bytes a streamed request body may carry (default 4 GiB). A route whose
    /// function reads the raw body (its `http` trigger's config says `"stream_body": true`)
    /// gets bodies that are not JSON forwarded through the request channel as they arrive,
    /// not collected first: [`max_body_bytes`](Self::max_body_bytes) does not bound them, this
    /// does (a body past it is cut off and the function's read fails), and at most
    /// [`http_body_timeout`](Self::http_body_timeout) may pass between two of its chunks.
    pub max_stream_body_bytes: u64,
    /// The CORS policy of the HTTP port (default [`Cors::Any`], the real engine's).
    pub cors: Cors,
    /// Serve HTTP requests whatever host their `Host` header names (default `false`). While the
    /// HTTP port is bound to a loopback address, a request naming a host other than
    /// `localhost`, a `*.localhost` name or an IP address is answered `403`: a page of another
    /// site whose name a DNS-rebinding attack points at 127.0.0.1 cannot reach local routes.
    pub allow_any_host: bool,
    /// Browser origins allowed to open WebSockets on the worker port (default none; `"*"`
    /// allows any). An upgrade with an `Origin` header not listed is answered `403`: browsers
    /// apply no CORS to WebSockets, so any page could otherwise register and call functions.
    /// SDKs send no `Origin` header.
    pub ws_allowed_origins: Vec<String>,

    // Access-controlled listeners, and what HTTP-invoked functions may reach.
    /// The access control of the worker port (default: none, every connection may do
    /// everything): a middleware function and `rbac` rules, as a further listener may have.
    pub ws_access: ListenerAccess,
    /// Further worker listeners, each on its own port with its own access control (default
    /// none): the config file's further `iii-worker-manager` entries.
    pub listeners: Vec<WorkerListener>,
    /// Where HTTP-invoked functions (a `registerfunction` with an `invocation`) may point
    /// (default: the real engine's policy, which needs HTTPS; see [`UrlPolicy`]).
    pub http_functions: UrlPolicy,
}

/// The CORS policy of the HTTP port.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cors {
    /// Any origin (`access-control-allow-origin: *`, every header exposed) and a preflight
    /// answer on any path: the real engine's default.
    Any,
    /// Only these origins (`scheme://host[:port]`, compared exactly), echoed back with
    /// `vary: origin`.
    Origins(Vec<String>),
    /// No CORS headers and no preflight answers.
    Off,
}

impl Default for EngineConfig {
    fn default() -> Self {
        Self {
            host: IpAddr::V4(Ipv4Addr::LOCALHOST),
            ws_port: iii_protocol::DEFAULT_WS_PORT,
            http_port: iii_protocol::DEFAULT_HTTP_PORT,
            http_timeout: Duration::from_secs(30),
            max_body_bytes: 16 * 1024 * 1024,
            max_frame_bytes: 16 * 1024 * 1024,
            max_message_bytes: 64 * 1024 * 1024,
            handshake_timeout: Duration::from_secs(10),
            outbound_queue: 64,
            write_timeout: Duration::from_secs(30),
            max_calls_per_worker: 1024,
            max_call_bytes_per_worker: 64 * 1024 * 1024,
            delivery_concurrency: 64,
            delivery_queue: 1024,
            queue_max_attempts: 3,
            queue_backoff: Duration::from_secs(1),
            shutdown_grace: Duration::from_secs(5),
            concurrency_request_limit: 1024,
            http_stream_grace: Duration::from_millis(500),
            channel_ttl: Duration::from_secs(300),
            functions_coalesce: Duration::from_millis(100),
            persistence: Persistence::default(),
            queues: BTreeMap::new(),
            http_host: None,

            max_functions_per_worker: 10_000,
            max_triggers_per_worker: 10_000,
            max_connections: 1024,
            http_body_timeout: Duration::from_secs(10),
            max_stream_body_bytes: 4 << 30,
            cors: Cors::Any,
            allow_any_host: false,
            ws_allowed_origins: Vec::new(),

            ws_access: ListenerAccess::default(),
            listeners: Vec::new(),
            http_functions: UrlPolicy::default(),
        }
    }
}

/// Environment variable names read by [`EngineConfig::from_env`].
pub mod env {
    /// Bind address of both listeners.
    pub const HOST: &str = "III_ENGINE_HOST";
    /// Worker WebSocket port.
    pub const WS_PORT: &str = "III_ENGINE_WS_PORT";
    /// HTTP trigger server port.
    pub const HTTP_PORT: &str = "III_ENGINE_HTTP_PORT";
    /// HTTP request timeout in milliseconds.
    pub const HTTP_TIMEOUT_MS: &str = "III_ENGINE_HTTP_TIMEOUT_MS";
    /// Largest HTTP request body in bytes.
    pub const MAX_BODY_BYTES: &str = "III_ENGINE_MAX_BODY_BYTES";
    /// Largest WebSocket frame in bytes.
    pub const MAX_FRAME_BYTES: &str = "III_ENGINE_MAX_FRAME_BYTES";
    /// Largest WebSocket message in bytes.
    pub const MAX_MESSAGE_BYTES: &str = "III_ENGINE_MAX_MESSAGE_BYTES";
    /// HTTP requests served at once.
    pub const CONCURRENCY_REQUEST_LIMIT: &str = "III_ENGINE_CONCURRENCY_REQUEST_LIMIT";

    // Read by the `iii-engine` binary only (not by `EngineConfig::from_env`).
    /// Path of the config file (`--config`).
    pub const CONFIG: &str = "III_ENGINE_CONFIG";
    /// Directory every store keeps its data in (`--data-dir`).
    pub const DATA_DIR: &str = "III_ENGINE_DATA_DIR";
}

impl EngineConfig {
    /// The address the HTTP trigger server binds: [`http_host`](Self::http_host), else
    /// [`host`](Self::host).
    pub(crate) fn http_bind_host(&self) -> IpAddr {
        self.http_host.unwrap_or(self.host)
    }

    /// The defaults, overridden by whichever of these variables are set and valid:
    ///
    /// | Variable | Field |
    /// |---|---|
    /// | `III_ENGINE_HOST` | [`host`](Self::host) |
    /// | `III_ENGINE_WS_PORT` | [`ws_port`](Self::ws_port) |
    /// | `III_ENGINE_HTTP_PORT` | [`http_port`](Self::http_port) |
    /// | `III_ENGINE_HTTP_TIMEOUT_MS` | [`http_timeout`](Self::http_timeout) |
    /// | `III_ENGINE_MAX_BODY_BYTES` | [`max_body_bytes`](Self::max_body_bytes) |
    /// | `III_ENGINE_MAX_FRAME_BYTES` | [`max_frame_bytes`](Self::max_frame_bytes) |
    /// | `III_ENGINE_MAX_MESSAGE_BYTES` | [`max_message_bytes`](Self::max_message_bytes) |
    /// | `III_ENGINE_CONCURRENCY_REQUEST_LIMIT` | [`concurrency_request_limit`](Self::concurrency_request_limit) |
    ///
    /// An unparsable value is ignored with a warning, so a typo never stops a dev engine.
    pub fn from_env() -> Self {
        let mut config = Self::default();
        if let Some(host) = read(env::HOST) {
            config.host = host;
        }
        if let Some(port) = read(env::WS_PORT) {
            config.ws_port = port;
        }
        if let Some(port) = read(env::HTTP_PORT) {
            config.http_port = port;
        }
        if let Some(ms) = read(env::HTTP_TIMEOUT_MS) {
            config.http_timeout = Duration::from_millis(ms);
        }
        if let Some(n) = read(env::MAX_BODY_BYTES) {
            config.max_body_bytes = n;
        }
        if let Some(n) = read(env::MAX_FRAME_BYTES) {
            config.max_frame_bytes = n;
        }
        if let Some(n) = read(env::MAX_MESSAGE_BYTES) {
            config.max_message_bytes = n;
        }
        if let Some(n) = read(env::CONCURRENCY_REQUEST_LIMIT) {
            config.concurrency_request_limit = n;
        }
        config
    }
}

fn read<T: FromStr>(name: &str) -> Option<T> {
    let raw = std::env::var(name).ok()?;
    match raw.trim().parse() {
        Ok(value) => Some(value),
        Err(_) => {
            tracing::warn!("ignoring {name}={raw:?}: not a valid value");
            None
        }
    }
}
