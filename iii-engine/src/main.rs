//! The `iii-engine` binary: run the development engine standalone, for workers in any language.

use std::net::IpAddr;

use clap::Parser;
use iii_engine::{Engine, EngineConfig, env};
use tracing_subscriber::EnvFilter;

/// A protocol-compatible development engine for iii workers.
///
/// Workers connect to the WebSocket port (SDK default `ws://127.0.0.1:49134`); HTTP triggers are
/// served on the HTTP port. Logs follow `RUST_LOG` (default `info`).
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
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    let config = EngineConfig {
        host: args.host,
        ws_port: args.ws_port,
        http_port: args.http_port,
        http_timeout: std::time::Duration::from_millis(args.http_timeout_ms),
        max_body_bytes: args.max_body_bytes,
        max_frame_bytes: args.max_frame_bytes,
        max_message_bytes: args.max_message_bytes,
        concurrency_request_limit: args.concurrency_request_limit,
        ..EngineConfig::default()
    };
    let engine = match Engine::start(config).await {
        Ok(engine) => engine,
        Err(e) => {
            tracing::error!("{e}");
            return std::process::ExitCode::FAILURE;
        }
    };
    wait_for_signal().await;
    tracing::info!("shutting down");
    engine.shutdown().await;
    std::process::ExitCode::SUCCESS
}

async fn wait_for_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(_) => {
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
