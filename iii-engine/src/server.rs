//! Starting and stopping an engine: [`Engine::start`] binds every listener, builds the layers
//! bottom-up (stores and registry, router and firing, front ends) and spawns their tasks;
//! [`EngineHandle`] reports the bound addresses and stops everything.

use std::net::SocketAddr;
use std::sync::Arc;

use tokio::net::TcpListener;

use crate::builtins;
use crate::config::EngineConfig;
use crate::error::EngineError;
use crate::events::Fires;
use crate::fire::{self, Firing};
use crate::http;
use crate::http_functions::HttpFunctions;
use crate::limit::Limit;
use crate::registry::{Caps, Registry};
use crate::router::Router;
use crate::stores::Owner;
use crate::stores::channels::Channels;
use crate::stores::cron::CronStore;
use crate::stores::db::{Db, StoreError};
use crate::stores::queues::{QueueStore, Queues};
use crate::stores::state::StateStore;
use crate::stores::streams::StreamStore;
use crate::tasks::Tasks;
use crate::triggers::Triggers;
use crate::ws::{self, endpoint::Endpoint};

/// The development engine. See the [crate documentation](crate) for what it implements.
#[derive(Debug)]
pub struct Engine;

impl Engine {
    /// Binds the worker WebSocket (and each further worker listener of
    /// [`EngineConfig::listeners`]) and the HTTP trigger server, then serves them in background
    /// tasks on the current tokio runtime.
    ///
    /// Every listener is bound before this returns, so a busy port is reported here and
    /// clients can connect as soon as it returns.
    ///
    /// # Errors
    /// [`EngineError::Bind`] when a port cannot be bound, [`EngineError::Store`] when a
    /// store's data cannot be opened.
    pub async fn start(config: EngineConfig) -> Result<EngineHandle, EngineError> {
        // Opened first: a data directory held by another engine must not leave ports bound.
        let caps = Caps {
            functions: config.max_functions_per_worker,
            triggers: config.max_triggers_per_worker,
        };
        let registry = Arc::new(Registry::new(caps));
        let opened = open_stores(&config, registry.clone()).await?;
        let ws_listener = bind(SocketAddr::new(config.host, config.ws_port)).await?;
        let http_listener =
            bind(SocketAddr::new(config.http_bind_host(), config.http_port)).await?;
        let mut more = Vec::with_capacity(config.listeners.len());
        for listener in &config.listeners {
            let bound = bind(SocketAddr::new(listener.host, listener.port)).await?;
            let addr = bound.local_addr().map_err(EngineError::LocalAddr)?;
            more.push((bound, addr, Arc::new(listener.access.clone())));
        }
        let listener_addrs = more.iter().map(|(_, addr, _)| *addr).collect();
        let ws_addr = ws_listener.local_addr().map_err(EngineError::LocalAddr)?;
        let http_addr = http_listener.local_addr().map_err(EngineError::LocalAddr)?;
        let grace = config.shutdown_grace;
        let config = Arc::new(config);
        let tasks = Tasks::default();
        let (fires, inbox) = Fires::channel();
        // The stores and the registry, which know nothing of what is above them.
        let channels = Arc::new(Channels::default());
        let state = Owner::spawn(opened.state, fires.sender(), &tasks);
        let streams = Owner::spawn(opened.streams, fires.sender(), &tasks);
        let queues = Queues::spawn(opened.queues, fires.sender(), &tasks);
        let crons = Owner::spawn(opened.cron, fires.sender(), &tasks);
        let (triggers_registry, triggers_fires) = (registry.clone(), fires.clone());
        let triggers = Triggers {
            registry: registry.clone(),
            fires: fires.clone(),
            tasks: tasks.clone(),
            provided: Arc::default(),
            crons,
            queues: queues.clone(),
        };
        // The router and the one owner of trigger firing.
        let builtins = builtins::Context {
            registry: registry.clone(),
            state,
            streams,
            channels: channels.clone(),
            queues: queues.clone(),
            fires: fires.clone(),
            triggers: triggers.clone(),
        };
        let http_functions = Arc::new(HttpFunctions::new(
            config.http_functions.clone(),
            config.max_message_bytes,
        ));
        let router = Arc::new(Router::new(
            registry.clone(),
            builtins,
            http_functions.clone(),
        ));
        let firing = Firing {
            registry: registry.clone(),
            router: router.clone(),
            queues: queues.clone(),
            config: config.clone(),
            tasks: tasks.clone(),
        };
        tasks.spawn(firing.run(inbox));
        tasks.spawn(fire::sweep(queues.clone(), tasks.clone()));
        tasks.spawn(fire::watch_functions(
            registry.clone(),
            fires.clone(),
            config.functions_coalesce,
            tasks.clone(),
        ));
        tasks.spawn(
            channels
                .clone()
                .sweep_every(config.channel_ttl, tasks.clone()),
        );
        // The front ends.
        let http = http::server::Server::new(
            router.clone(),
            registry.clone(),
            channels.clone(),
            config.clone(),
            tasks.clone(),
        );
        tasks.spawn(http::listener::serve(Arc::new(http), http_listener));
        let endpoint = Endpoint {
            router,
            registry,
            channels,
            http_functions,
            triggers,
            fires,
            queues,
            connections: Limit::new(config.max_connections),
            config,
            tasks: tasks.clone(),
        };
        let endpoint = Arc::new(endpoint);
        let main_access = Arc::new(endpoint.config.ws_access.clone());
        tasks.spawn(ws::listener::serve(
            endpoint.clone(),
            ws_listener,
            main_access,
        ));
        for (listener, addr, access) in more {
            let what = if access.is_open() {
                ""
            } else {
                " (access-controlled)"
            };
            tracing::info!("iii-engine: workers also on ws://{addr}{what}");
            tasks.spawn(ws::listener::serve(endpoint.clone(), listener, access));
        }
        tracing::info!(
            "iii-engine: workers on ws://{ws_addr}, HTTP triggers on http://{http_addr}"
        );
        Ok(EngineHandle {
            ws_addr,
            listener_addrs,
            http_addr,
            tasks,
            grace,
            cron: CronHook {
                registry: Arc::clone(&triggers_registry),
                fires: triggers_fires,
            },
        })
    }
}

/// The stores, loaded from their data.
struct Opened {
    state: StateStore,
    streams: StreamStore,
    queues: QueueStore,
    cron: CronStore,
}

/// Opens every store where [`EngineConfig::persistence`] says, off the runtime threads.
async fn open_stores(
    config: &EngineConfig,
    registry: Arc<Registry>,
) -> Result<Opened, EngineError> {
    let persistence = config.persistence.clone();
    let settings = config.queues.clone();
    let opened = tokio::task::spawn_blocking(move || {
        let db = |store: &'static str, path: &Option<std::path::PathBuf>| match path {
            Some(path) => {
                tracing::info!("{store}: kept in {}", path.display());
                Db::open(path).map_err(|e| failed(store, &e))
            }
            None => Ok(Db::memory()),
        };
        let directory = Arc::new(fire::Subscriptions(registry));
        let now = chrono::Utc::now().timestamp_millis();
        Ok(Opened {
            state: StateStore::open(db("state", &persistence.state)?)
                .map_err(|e| failed("state", &e))?,
            streams: StreamStore::open(db("streams", &persistence.streams)?)
                .map_err(|e| failed("streams", &e))?,
            queues: QueueStore::open(db("queues", &persistence.queues)?, directory, settings)
                .map_err(|e| failed("queues", &e))?,
            cron: CronStore::open(db("cron", &persistence.cron)?, now)
                .map_err(|e| failed("cron", &e))?,
        })
    })
    .await;
    opened.unwrap_or_else(|e| {
        Err(EngineError::Store {
            store: "every",
            message: format!("the task opening the stores died: {e}"),
        })
    })
}

fn failed(store: &'static str, e: &StoreError) -> EngineError {
    EngineError::Store {
        store,
        message: e.to_string(),
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
    listener_addrs: Vec<SocketAddr>,
    http_addr: SocketAddr,
    tasks: Tasks,
    grace: std::time::Duration,
    cron: CronHook,
}

/// What [`EngineHandle::fire_cron`] needs: the bindings, and the firing owner's inbox.
struct CronHook {
    registry: Arc<Registry>,
    fires: Fires,
}

impl std::fmt::Debug for CronHook {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CronHook").finish_non_exhaustive()
    }
}

impl EngineHandle {
    /// The address the worker WebSocket is bound to.
    pub fn ws_addr(&self) -> SocketAddr {
        self.ws_addr
    }

    /// The addresses the further worker listeners ([`EngineConfig::listeners`]) are bound to,
    /// in the same order.
    pub fn listener_addrs(&self) -> &[SocketAddr] {
        &self.listener_addrs
    }

    /// The URLs of the further worker listeners, e.g. `ws://127.0.0.1:49135`, in the order of
    /// [`EngineConfig::listeners`].
    pub fn listener_urls(&self) -> Vec<String> {
        self.listener_addrs
            .iter()
            .map(|addr| format!("ws://{addr}"))
            .collect()
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

    /// Fires every `cron` binding of `function_id` now, with the payload a scheduled tick
    /// carries (`scheduled_time` is now), and waits until each fire has ended (its function
    /// answered, or failed); returns how many bindings fired. For tests (`iii::testing`):
    /// only the process that started the engine can do this, no worker over the protocol.
    pub async fn fire_cron(&self, function_id: &str) -> usize {
        crate::triggers::cron::fire_now(&self.cron.registry, &self.cron.fires, function_id).await
    }

    /// Stops the listeners, closes every worker socket with a Close frame, and waits (up to the
    /// configured grace period) for every task to end.
    pub async fn shutdown(self) {
        self.tasks.stop();
        let grace = self.grace;
        if tokio::time::timeout(grace, self.tasks.wait())
            .await
            .is_err()
        {
            tracing::warn!("iii-engine: some tasks were still running after {grace:?}");
        }
        tracing::info!("iii-engine stopped");
    }
}

impl Drop for EngineHandle {
    fn drop(&mut self) {
        // Covers the handle being dropped without `shutdown`; stopping twice is harmless.
        self.tasks.stop();
    }
}
