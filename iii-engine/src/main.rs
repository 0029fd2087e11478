//! The `iii-engine` binary: run the development engine standalone, for workers in any language.

use std::net::IpAddr;
use std::path::PathBuf;

use clap::parser::ValueSource;
use clap::{ArgMatches, CommandFactory, FromArgMatches, Parser};
use iii_engine::{Cors, Engine, EngineConfig, Persistence, env};
use tracing_subscriber::EnvFilter;

/// A protocol-compatible development engine for iii workers.
///
/// Workers connect to the WebSocket port (SDK default `ws://127.0.0.1:49134`); HTTP triggers are
/// served on the HTTP port. Logs follow `RUST_LOG` (default `info`).
///
/// Settings come from the defaults, then the config file (`--config`), then the flags and
/// their environment variables, each overriding the one before.
#[derive(Parser, Debug)]
#[command(name = "iii-engine", version)]
struct Args {
    /// Address both listeners bind; use 0.0.0.0 to accept connections from other hosts.
    #[arg(long, env = env::HOST, default_value = "127.0.0.1")]
    host: IpAddr,
    /// Port of the worker WebSocket (0 picks a free port).
    #[arg(long, env = env::WS_PORT, default_value_t = iii_protocol::DEFAULT_WS_PORT)]
    ws_port: u16,
    /// Port of the HTTP trigger server (0 picks a free port).
    #[arg(long, env = env::HTTP_PORT, default_value_t = iii_protocol::DEFAULT_HTTP_PORT)]
    http_port: u16,
    /// HTTP request timeout in milliseconds; slower requests are answered 504.
    #[arg(long, env = env::HTTP_TIMEOUT_MS, default_value_t = 30_000)]
    http_timeout_ms: u64,
    /// Largest HTTP request body in bytes; larger bodies are answered 413.
    #[arg(long, env = env::MAX_BODY_BYTES, default_value_t = 16 * 1024 * 1024)]
    max_body_bytes: usize,
    /// Largest WebSocket frame from a worker, in bytes.
    #[arg(long, env = env::MAX_FRAME_BYTES, default_value_t = 16 * 1024 * 1024)]
    max_frame_bytes: usize,
    /// Largest WebSocket message from a worker, in bytes.
    #[arg(long, env = env::MAX_MESSAGE_BYTES, default_value_t = 64 * 1024 * 1024)]
    max_message_bytes: usize,
    /// HTTP requests served at once; more are answered 503.
    #[arg(long, env = env::CONCURRENCY_REQUEST_LIMIT, default_value_t = 1024)]
    concurrency_request_limit: usize,

    // What one client may hold, and what browsers may reach.
    /// Functions one worker connection may register; more are refused.
    #[arg(long, default_value_t = 10_000)]
    max_functions_per_worker: usize,
    /// Trigger bindings one worker connection may hold; more are refused.
    #[arg(long, default_value_t = 10_000)]
    max_triggers_per_worker: usize,
    /// WebSocket connections the worker port serves at once; more are answered 503.
    #[arg(long, default_value_t = 1024)]
    max_connections: usize,
    /// How long an HTTP request body may take to arrive, in milliseconds; slower bodies are
    /// answered 408.
    #[arg(long, default_value_t = 10_000)]
    http_body_timeout_ms: u64,
    /// CORS on the HTTP port: `any` (any origin, the real engine's default) or `off`.
    #[arg(long, default_value = "any", value_parser = ["any", "off"], conflicts_with = "cors_origin")]
    cors: String,
    /// Allow CORS for this origin only (repeatable), e.g. `http://localhost:5173`.
    #[arg(long, value_name = "ORIGIN")]
    cors_origin: Vec<String>,
    /// Serve HTTP requests whatever their Host header: turns off the DNS-rebinding guard that
    /// refuses foreign host names while the engine is bound to loopback.
    #[arg(long)]
    allow_any_host: bool,
    /// Let browser pages from this origin open worker-port WebSockets (repeatable; `*` for
    /// any). Without it, upgrades that carry an Origin header are refused.
    #[arg(long, value_name = "ORIGIN")]
    ws_allow_origin: Vec<String>,

    // HTTP-invoked functions (a `registerfunction` with an `invocation`).
    /// Hosts HTTP-invoked functions may call (repeatable; `*` and `?` are wildcards); replaces
    /// the config file's `url_allowlist` (default: any host).
    #[arg(long, value_name = "PATTERN")]
    http_functions_allow: Vec<String>,
    /// Let HTTP-invoked functions call private, loopback and link-local addresses (the
    /// config file's `block_private_ips: false`).
    #[arg(long)]
    http_functions_allow_private_ips: bool,
    /// Let HTTP-invoked functions use http:// URLs (the config file's `require_https:
    /// false`). iii-engine has no TLS, so without this (or the config file's word) no HTTP
    /// function can be registered.
    #[arg(long)]
    http_functions_allow_http: bool,

    // Config file and persistence.
    /// The real engine's config.yaml (`workers:` or `modules:`); what it sets that iii-engine
    /// does not do is logged, one line each.
    #[arg(long, env = env::CONFIG)]
    config: Option<PathBuf>,
    /// Keep state, streams, durable queue messages and cron bookkeeping in SQLite files in
    /// this directory, so that they survive a restart (default: in memory, or as the config
    /// file's file-based stores say).
    #[arg(long, env = env::DATA_DIR)]
    data_dir: Option<PathBuf>,
}

impl Args {
    /// The CORS policy the flags ask for.
    fn cors(&self) -> Cors {
        if !self.cors_origin.is_empty() {
            Cors::Origins(self.cors_origin.clone())
        } else if self.cors == "off" {
            Cors::Off
        } else {
            Cors::Any
        }
    }
}

/// Whether the user gave `id` (as a flag or through its environment variable).
fn given(matches: &ArgMatches, id: &str) -> bool {
    matches
        .value_source(id)
        .is_some_and(|s| s != ValueSource::DefaultValue)
}

/// The config file's settings (or the defaults), logging what it ignores.
fn from_file(args: &Args) -> Result<EngineConfig, String> {
    let Some(path) = &args.config else {
        return Ok(EngineConfig::default());
    };
    #[cfg(feature = "config-file")]
    {
        let name = path.display();
        let loaded = iii_engine::config_file::load(path).map_err(|e| format!("{name}: {e}"))?;
        for line in &loaded.ignored {
            tracing::warn!("{name}: {line}");
        }
        tracing::info!("{name}: read");
        Ok(loaded.config)
    }
    #[cfg(not(feature = "config-file"))]
    {
        Err(format!(
            "cannot read {}: iii-engine was built without its `config-file` feature",
            path.display()
        ))
    }
}

/// The settings: defaults, then the config file, then what the flags and variables say.
fn settings(args: &Args, matches: &ArgMatches) -> Result<EngineConfig, String> {
    let mut config = from_file(args)?;
    if given(matches, "host") {
        // Both listeners, as the flag says, whatever the file gave the HTTP one.
        config.host = args.host;
        config.http_host = None;
    }
    if given(matches, "ws_port") {
        config.ws_port = args.ws_port;
    }
    if given(matches, "http_port") {
        config.http_port = args.http_port;
    }
    if given(matches, "http_timeout_ms") {
        config.http_timeout = std::time::Duration::from_millis(args.http_timeout_ms);
    }
    if given(matches, "max_body_bytes") {
        config.max_body_bytes = args.max_body_bytes;
    }
    if given(matches, "max_frame_bytes") {
        config.max_frame_bytes = args.max_frame_bytes;
    }
    if given(matches, "max_message_bytes") {
        config.max_message_bytes = args.max_message_bytes;
    }
    if given(matches, "concurrency_request_limit") {
        config.concurrency_request_limit = args.concurrency_request_limit;
    }
    if given(matches, "max_functions_per_worker") {
        config.max_functions_per_worker = args.max_functions_per_worker;
    }
    if given(matches, "max_triggers_per_worker") {
        config.max_triggers_per_worker = args.max_triggers_per_worker;
    }
    if given(matches, "max_connections") {
        config.max_connections = args.max_connections;
    }
    if given(matches, "http_body_timeout_ms") {
        config.http_body_timeout = std::time::Duration::from_millis(args.http_body_timeout_ms);
    }
    if given(matches, "cors") || given(matches, "cors_origin") {
        config.cors = args.cors();
    }
    if given(matches, "allow_any_host") {
        config.allow_any_host = args.allow_any_host;
    }
    if given(matches, "ws_allow_origin") {
        config.ws_allowed_origins = args.ws_allow_origin.clone();
    }
    if given(matches, "http_functions_allow") {
        config.http_functions.url_allowlist = args.http_functions_allow.clone();
    }
    if args.http_functions_allow_private_ips {
        config.http_functions.block_private_ips = false;
    }
    if args.http_functions_allow_http {
        config.http_functions.require_https = false;
    }
    if let Some(dir) = &args.data_dir {
        config.persistence = Persistence::in_dir(dir);
    }
    Ok(config)
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let matches = Args::command().get_matches();
    let args = match Args::from_arg_matches(&matches) {
        Ok(args) => args,
        Err(e) => e.exit(),
    };
    let config = match settings(&args, &matches) {
        Ok(config) => config,
        Err(e) => {
            tracing::error!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    let stop = stop_signal();
    let engine = match Engine::start(config).await {
        Ok(engine) => engine,
        Err(e) => {
            tracing::error!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    stop.await;
    tracing::info!("shutting down");
    engine.shutdown().await;
    std::process::ExitCode::SUCCESS
}

/// Installs the SIGINT/SIGTERM handlers at once (so that a signal arriving while the engine
/// starts is not fatal) and returns a future that resolves on the first of them.
fn stop_signal() -> impl std::future::Future<Output = ()> {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let int = signal(SignalKind::interrupt());
        let term = signal(SignalKind::terminate());
        async move {
            match (int, term) {
                (Ok(mut int), Ok(mut term)) => {
                    tokio::select! {
                        _ = int.recv() => {}
                        _ = term.recv() => {}
                    }
                }
                _ => {
                    tracing::warn!("cannot listen for SIGTERM; stopping on Ctrl-C only");
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
