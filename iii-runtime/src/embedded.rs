//! The embedded default: with `III_URL` unset and nothing listening on the default address,
//! start the development engine in-process so that `cargo run` works with nothing else running.

use std::time::Duration;

use crate::config::WorkerConfig;

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
}

/// The embedded default, for programs that use the plain API: when `config`'s URL did not
/// come from the caller or `III_URL` and nothing listens on `127.0.0.1:49134`, starts the
/// development engine in-process (feature `embedded-engine`), points `config` at it and logs
/// one line saying so. Otherwise does nothing and returns `None`.
///
/// `#[iii::main]` does this by itself.
pub async fn start_dev_engine_if_needed(config: &mut WorkerConfig) -> Option<EmbeddedEngine> {
    if config.url_is_explicit {
        return None;
    }
    let addr = std::net::SocketAddr::from(([127, 0, 0, 1], iii_protocol::DEFAULT_WS_PORT));
    let probe = tokio::time::timeout(
        Duration::from_millis(500),
        tokio::net::TcpStream::connect(addr),
    )
    .await;
    if matches!(probe, Ok(Ok(_))) {
        return None;
    }
    start(config).await
}

#[cfg(feature = "embedded-engine")]
async fn start(config: &mut WorkerConfig) -> Option<EmbeddedEngine> {
    let engine_config = iii_engine::EngineConfig::default();
    match iii_engine::Engine::start(engine_config).await {
        Ok(handle) => {
            config.url = handle.ws_url();
            tracing::info!(
                "no engine at {} and III_URL is unset: started the development engine in-process; HTTP triggers are served on http://{}",
                iii_protocol::DEFAULT_ENGINE_URL,
                handle.http_addr()
            );
            Some(EmbeddedEngine { handle })
        }
        Err(e) => {
            tracing::warn!(error = %e, "could not start the development engine; connecting to {} anyway", config.url);
            None
        }
    }
}

#[cfg(not(feature = "embedded-engine"))]
async fn start(config: &mut WorkerConfig) -> Option<EmbeddedEngine> {
    tracing::warn!(
        "no engine at {} and the `embedded-engine` feature is off: start one and set III_URL",
        config.url
    );
    None
}
