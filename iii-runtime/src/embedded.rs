//! The embedded default: with `III_URL` unset and no engine answering where the development
//! engine would listen, start it in-process so that `cargo run` works with nothing else
//! running; and start it again when the engine of another program this worker relied on goes
//! away.
//!
//! Where it listens comes from `iii_engine`'s own variables (`III_ENGINE_HOST`,
//! `III_ENGINE_WS_PORT`, `III_ENGINE_HTTP_PORT`), as for the `iii-engine` binary.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};
use std::time::Duration;

use crate::config::WorkerConfig;
use crate::error::{Error, Result};

/// How long the probe for a running engine waits for the TCP handshake.
const PROBE: Duration = Duration::from_millis(500);

/// A development engine this process started (see [`start_dev_engine_if_needed`]). Dropping
/// it stops the engine; [`shutdown`](EmbeddedEngine::shutdown) stops it gracefully.
#[derive(Debug)]
pub struct EmbeddedEngine {
    #[cfg(feature = "embedded-engine")]
    handle: iii_engine::EngineHandle,
}

impl EmbeddedEngine {
    /// Stops the engine: its sockets are closed and its tasks end.
    pub async fn shutdown(self) {
        #[cfg(feature = "embedded-engine")]
        self.handle.shutdown().await;
    }

    /// The engine's worker WebSocket URL.
    pub fn ws_url(&self) -> String {
        #[cfg(feature = "embedded-engine")]
        return self.handle.ws_url();
        #[cfg(not(feature = "embedded-engine"))]
        return String::new();
    }

    /// The base URL of the engine's HTTP server.
    pub fn http_url(&self) -> String {
        #[cfg(feature = "embedded-engine")]
        return format!("http://{}", self.handle.http_addr());
        #[cfg(not(feature = "embedded-engine"))]
        return String::new();
    }
}

/// The embedded default, for programs that use the plain API: when `config`'s URL did not
/// come from the caller or `III_URL` and no engine answers where the development engine
/// listens (`127.0.0.1:49134`, or as `III_ENGINE_HOST` / `III_ENGINE_WS_PORT` say), starts
/// the development engine in-process (feature `embedded-engine`), points `config` at it and
/// logs one line saying so. When an engine answers there, points `config` at it and returns
/// `None`. Either way the worker may start the engine itself later, should that engine go
/// away.
///
/// `#[iii::main]` does this by itself.
///
/// # Errors
/// [`Error::Connect`] when no engine answers and the development engine cannot start there
/// either (the port is taken by something that is not an engine): with the cause, and the
/// variables that move the engine or point the worker elsewhere. Retrying would not help,
/// since with `III_URL` unset there is no engine to wait for.
pub async fn start_dev_engine_if_needed(
    config: &mut WorkerConfig,
) -> Result<Option<EmbeddedEngine>> {
    if config.url_is_explicit {
        return Ok(None);
    }
    config.dev_engine = true;
    let addr = engine_addr();
    if answers(addr).await {
        config.url = format!("ws://{addr}");
        return Ok(None);
    }
    match start().await {
        Ok(engine) => {
            config.url = engine.ws_url();
            config.http_url = Some(engine.http_url());
            tracing::info!(
                "no engine at ws://{addr} and III_URL is unset: started the development engine in-process; HTTP triggers are served on {}",
                engine.http_url()
            );
            Ok(Some(engine))
        }
        // Another program may have started one meanwhile.
        Err(_) if answers(addr).await => {
            config.url = format!("ws://{addr}");
            Ok(None)
        }
        Err(cause) => Err(Error::Connect {
            url: format!("ws://{addr}"),
            source: format!(
                "no engine answers there, and the development engine could not start there: {cause}\n\
                 help: set III_ENGINE_WS_PORT and III_ENGINE_HTTP_PORT (and III_ENGINE_HOST) to start it on other ports, \
                 or III_URL to use an engine that is running"
            )
            .into(),
        }),
    }
}

/// Starts the development engine where [`start_dev_engine_if_needed`] would, for a worker
/// whose engine went away; `None` when it cannot (an engine came back, or the port is taken).
pub(crate) async fn take_over() -> Option<EmbeddedEngine> {
    if answers(engine_addr()).await {
        return None;
    }
    match start().await {
        Ok(engine) => Some(engine),
        Err(cause) => {
            tracing::debug!(%cause, "could not start the development engine");
            None
        }
    }
}

/// Where the development engine listens, as seen from this host.
fn engine_addr() -> SocketAddr {
    #[cfg(feature = "embedded-engine")]
    let (host, port) = {
        let config = iii_engine::EngineConfig::from_env();
        (config.host, config.ws_port)
    };
    #[cfg(not(feature = "embedded-engine"))]
    let (host, port) = (
        IpAddr::V4(Ipv4Addr::LOCALHOST),
        iii_protocol::DEFAULT_WS_PORT,
    );
    // An engine bound to every interface answers on loopback.
    let host = match host {
        IpAddr::V4(v4) if v4.is_unspecified() => IpAddr::V4(Ipv4Addr::LOCALHOST),
        IpAddr::V6(v6) if v6.is_unspecified() => IpAddr::V6(Ipv6Addr::LOCALHOST),
        other => other,
    };
    SocketAddr::new(host, port)
}

async fn answers(addr: SocketAddr) -> bool {
    matches!(
        tokio::time::timeout(PROBE, tokio::net::TcpStream::connect(addr)).await,
        Ok(Ok(_))
    )
}

#[cfg(feature = "embedded-engine")]
async fn start() -> std::result::Result<EmbeddedEngine, String> {
    iii_engine::Engine::start(iii_engine::EngineConfig::from_env())
        .await
        .map(|handle| EmbeddedEngine { handle })
        .map_err(|e| e.to_string())
}

#[cfg(not(feature = "embedded-engine"))]
async fn start() -> std::result::Result<EmbeddedEngine, String> {
    Err("the `embedded-engine` feature of iii-runtime is off".to_owned())
}
