//! Starting and stopping an engine: [`Engine::start`] binds both listeners and spawns their
//! tasks; [`EngineHandle`] reports the bound addresses and stops everything.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;
use tokio::sync::{mpsc, watch};

use crate::config::EngineConfig;
use crate::error::EngineError;
use crate::hub::Hub;
use crate::shutdown::{Shutdown, TaskTracker, all_done};
use crate::{channels, http, triggers, ws};

/// The development engine. See the [crate documentation](crate) for what it implements.
#[derive(Debug)]
pub struct Engine;

impl Engine {
    /// Binds the worker WebSocket and the HTTP trigger server, then serves them in background
    /// tasks on the current tokio runtime.
    ///
    /// Both listeners are bound before this returns, so a busy port is reported here and
    /// clients can connect as soon as it returns.
    ///
    /// # Errors
    /// [`EngineError::Bind`] when a port cannot be bound.
    pub async fn start(config: EngineConfig) -> Result<EngineHandle, EngineError> {
        let ws_listener = bind(SocketAddr::new(config.host, config.ws_port)).await?;
        let http_listener = bind(SocketAddr::new(config.host, config.http_port)).await?;
        let ws_addr = ws_listener.local_addr().map_err(EngineError::LocalAddr)?;
        let http_addr = http_listener.local_addr().map_err(EngineError::LocalAddr)?;
        let (stop, shutdown) = Shutdown::new();
        let (tasks, done) = TaskTracker::new();
        let grace = config.shutdown_grace;
        let hub = Arc::new(Hub::new(config, shutdown, tasks));
        hub.tasks.spawn(ws::serve(hub.clone(), ws_listener));
        hub.tasks.spawn(http::serve(hub.clone(), http_listener));
        hub.tasks.spawn(channels::sweeper(hub.clone()));
        hub.tasks
            .spawn(triggers::engine::watch_functions(hub.clone()));
        tracing::info!(
            "iii-engine: workers on ws://{ws_addr}, HTTP triggers on http://{http_addr}"
        );
        Ok(EngineHandle {
            ws_addr,
            http_addr,
            stop,
            done: Some(done),
            grace,
        })
    }
}

async fn bind(addr: SocketAddr) -> Result<TcpListener, EngineError> {
    TcpListener::bind(addr)
        .await
        .map_err(|source| EngineError::Bind { addr, source })
}

/// A running engine. Dropping it stops the engine too, without waiting.
#[derive(Debug)]
pub struct EngineHandle {
    ws_addr: SocketAddr,
    http_addr: SocketAddr,
    stop: watch::Sender<bool>,
    done: Option<mpsc::Receiver<()>>,
    grace: std::time::Duration,
}

impl EngineHandle {
    /// The address the worker WebSocket is bound to.
    pub fn ws_addr(&self) -> SocketAddr {
        self.ws_addr
    }

    /// The address the HTTP trigger server is bound to.
    pub fn http_addr(&self) -> SocketAddr {
        self.http_addr
    }

    /// The URL workers connect to, e.g. `ws://127.0.0.1:49134`.
    pub fn ws_url(&self) -> String {
        format!("ws://{}", self.ws_addr)
    }

    /// The base URL of the HTTP trigger server, e.g. `http://127.0.0.1:3111`.
    pub fn http_url(&self) -> String {
        format!("http://{}", self.http_addr)
    }

    /// Stops the listeners, closes every worker socket with a Close frame, and waits (up to the
    /// configured grace period) for every task to end.
    pub async fn shutdown(mut self) {
        let _ = self.stop.send(true);
        let grace = self.grace;
        let Some(done) = self.done.take() else { return };
        if tokio::time::timeout(grace, all_done(done)).await.is_err() {
            tracing::warn!("iii-engine: some tasks were still running after {grace:?}");
        }
        tracing::info!("iii-engine stopped");
    }
}

impl Drop for EngineHandle {
    fn drop(&mut self) {
        // Covers the handle being dropped without `shutdown`; a second send is harmless.
        let _ = self.stop.send(true);
    }
}
