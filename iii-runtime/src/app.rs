//! [`App`]: what `#[iii::main]` runs — configure the worker, find or start an engine, register
//! every declared function, serve until a signal, then drain, run the shutdown hooks and
//! close; and exit with an error when the engine refuses functions another copy holds.

mod observability;

use std::future::Future;
use std::pin::Pin;
use std::time::Duration;

use crate::config::WorkerConfig;
use crate::error::{Error, Result};
use crate::state_map::StateMap;
use crate::status::{ConnectionStatus, Refusal};
use crate::worker::{CallOptions, Worker};
use crate::{embedded, registry, signal};

pub(crate) type Hook = Box<dyn FnOnce(Worker) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

/// A worker application: configuration plus start-up hooks.
///
/// `#[iii::main] async fn main() {}` serves with the defaults. To configure, return an `App`:
///
/// ```no_run
/// #[iii::main]
/// async fn main() -> iii::App {
///     iii::App::new()
///         .name("greeter")
///         .max_in_flight(64)
///         .on_ready(|worker| async move {
///             tracing::info!(?worker, "serving");
///         })
/// }
/// ```
pub struct App {
    config: WorkerConfig,
    on_ready: Vec<Hook>,
    on_shutdown: Vec<Hook>,
    states: StateMap,
    observability: observability::Settings,
}

impl std::fmt::Debug for App {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("App")
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl Default for App {
    fn default() -> Self {
        Self::new()
    }
}

impl App {
    /// An app configured from the environment (see [`WorkerConfig::from_env`]).
    pub fn new() -> Self {
        Self {
            config: WorkerConfig::from_env(),
            on_ready: Vec::new(),
            on_shutdown: Vec::new(),
            states: StateMap::new(),
            observability: observability::Settings::default(),
        }
    }

    /// Connects to this engine URL (the worker then never starts an engine itself).
    #[must_use]
    pub fn url(mut self, url: impl Into<String>) -> Self {
        self.config.url = url.into();
        self.config.url_is_explicit = true;
        self
    }

    /// The worker's name as announced to the engine.
    #[must_use]
    pub fn name(mut self, name: impl Into<String>) -> Self {
        self.config.name = name.into();
        self
    }

    /// A one-line description announced to the engine.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.config.description = Some(description.into());
        self
    }

    /// The namespace the worker registers in (its calls and triggers resolve there too).
    #[must_use]
    pub fn namespace(mut self, namespace: impl Into<String>) -> Self {
        self.config.namespace = Some(namespace.into());
        self
    }

    /// Adds a header to the WebSocket upgrade (an auth proxy's, an API gateway's).
    #[must_use]
    pub fn header(mut self, name: impl Into<String>, value: impl Into<String>) -> Self {
        self.config
            .handshake
            .headers
            .push((name.into(), value.into()));
        self
    }

    /// The bearer token of the WebSocket upgrade (default: `III_TOKEN`).
    #[must_use]
    pub fn token(mut self, token: impl Into<String>) -> Self {
        self.config.handshake.token = Some(token.into());
        self
    }

    /// How many invocations may run at once.
    #[must_use]
    pub fn max_in_flight(mut self, limit: usize) -> Self {
        self.config.max_in_flight = limit.max(1);
        self
    }

    /// How long, on average, a handler may compute before its first await and still start
    /// on the connection's reader, with no task spawned (default 100 µs; see
    /// [`WorkerConfig::inline_budget`](crate::WorkerConfig::inline_budget)).
    /// `Duration::ZERO` gives every invocation a task of its own.
    ///
    /// ```
    /// use std::time::Duration;
    ///
    /// let app = iii::App::new().inline_budget(Duration::ZERO);
    /// # let _ = app;
    /// ```
    #[must_use]
    pub fn inline_budget(mut self, budget: Duration) -> Self {
        self.config.inline_budget = budget;
        self
    }

    /// How long shutdown waits for running invocations.
    #[must_use]
    pub fn shutdown_grace(mut self, grace: Duration) -> Self {
        self.config.shutdown_grace = grace;
        self
    }

    /// The default timeout of calls to other functions.
    #[must_use]
    pub fn invoke_timeout(mut self, timeout: Duration) -> Self {
        self.config.invoke_timeout = timeout;
        self
    }

    /// Edits the whole configuration.
    #[must_use]
    pub fn configure(mut self, edit: impl FnOnce(&mut WorkerConfig)) -> Self {
        edit(&mut self.config);
        self
    }

    /// Shares `value` with every handler that takes a `State<T>` parameter of its type (one
    /// value per type; a second value of the same type replaces the first).
    ///
    /// A function whose `State<T>` has no value is reported before the worker connects.
    #[must_use]
    pub fn state<T: Send + Sync + 'static>(mut self, value: T) -> Self {
        self.states.insert(value);
        self
    }

    /// [`state`](App::state) for a value that is already shared (`Arc<T>`), e.g. one the
    /// program keeps using itself.
    #[must_use]
    pub fn state_arc<T: Send + Sync + 'static>(mut self, value: std::sync::Arc<T>) -> Self {
        self.states.insert_arc(value);
        self
    }

    /// Runs as a standby when another live worker (another copy of this program) holds its
    /// functions: waits without registering their triggers and takes them over as soon as
    /// that worker goes away, saying so in the log. Without it (the default, unless
    /// `III_STANDBY` says otherwise) such a refusal on start-up is an error: one ERROR naming
    /// each refused function and its holder, then a non-zero exit. See
    /// [`WorkerConfig::standby`].
    #[must_use]
    pub fn standby(mut self, standby: bool) -> Self {
        self.config.standby = standby;
        self
    }

    /// Runs `hook` once, the first time the worker is ready.
    #[must_use]
    pub fn on_ready<F, Fut>(mut self, hook: F) -> Self
    where
        F: FnOnce(Worker) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_ready
            .push(Box::new(move |worker| Box::pin(hook(worker))));
        self
    }

    /// Runs `hook` once on shutdown, after the running invocations finished (or the grace
    /// ran out) and before the connection closes: it may still call other functions, e.g. to
    /// save what the worker holds. Hooks run in the order they were added; a second signal
    /// exits at once.
    #[must_use]
    pub fn on_shutdown<F, Fut>(mut self, hook: F) -> Self
    where
        F: FnOnce(Worker) -> Fut + Send + 'static,
        Fut: Future<Output = ()> + Send + 'static,
    {
        self.on_shutdown
            .push(Box::new(move |worker| Box::pin(hook(worker))));
        self
    }

    /// The configuration, the states and the hooks, for a harness that serves the app its own
    /// way (`iii::testing`).
    #[cfg(feature = "testing")]
    pub(crate) fn into_parts(self) -> (WorkerConfig, StateMap, Vec<Hook>, Vec<Hook>) {
        (self.config, self.states, self.on_ready, self.on_shutdown)
    }

    /// Serves until SIGINT or SIGTERM, then drains, runs the shutdown hooks and disconnects.
    ///
    /// # Errors
    /// [`Error::Registration`] for duplicate ids or routes, or a missing `State<T>`;
    /// [`Error::Refused`] when other live workers hold some of the functions and the app is
    /// not a [standby](App::standby); [`Error::Connect`] when no engine answers and the
    /// development engine cannot start.
    pub async fn serve(self) -> Result<()> {
        let App {
            mut config,
            on_ready,
            on_shutdown,
            states,
            observability,
        } = self;
        // Listen before anything else, so that a signal during start-up drains rather than
        // killing the process.
        let mut shutdown = Box::pin(signal::shutdown_requested());
        observability.before_start()?;
        let engine = embedded::start_dev_engine_if_needed(&mut config).await?;
        let worker = Worker::with_config(config);
        let count = registry::register_declared_with(&worker, states)?;
        tracing::debug!(functions = count, "declared functions registered");
        worker.start();
        observability.after_start(&worker);
        // Cancel safety: both futures only wait on the worker's published status or a signal.
        let started = tokio::select! {
            ready = worker.ready() => Some(ready),
            () = &mut shutdown => None,
        };
        if let Some(Err(Error::Refused(refused))) = started {
            let refused = name_holders(&worker, refused).await;
            worker.disconnect().await;
            stop(engine).await;
            return Err(Error::Refused(refused));
        }
        if matches!(started, Some(Ok(()))) {
            let hooks = worker.clone();
            tokio::spawn(async move {
                for hook in on_ready {
                    hook(hooks.clone()).await;
                }
            });
            let closed = worker.wait_for_connection(|s| s == ConnectionStatus::Closed);
            tokio::select! {
                () = &mut shutdown => {}
                _ = closed => {}
            }
        }
        if worker.connection() != ConnectionStatus::Closed {
            tracing::info!(
                "shutting down: finishing running invocations (a second signal exits at once, status 130)"
            );
            let second = signal::shutdown_requested();
            tokio::spawn(async {
                second.await;
                tracing::warn!("second signal: exiting now");
                std::process::exit(130);
            });
            worker.drain().await;
            for hook in on_shutdown {
                hook(worker.clone()).await;
            }
            worker.disconnect().await;
        }
        stop(engine).await;
        match worker.fatal_error() {
            // The engine refused this worker for good: exit with an error, not success.
            Some(reason) => Err(Error::Registration(reason)),
            None => Ok(()),
        }
    }
}

async fn stop(engine: Option<embedded::EmbeddedEngine>) {
    if let Some(engine) = engine {
        engine.shutdown().await;
    }
}

/// Adds the holders' names, which the engine's refusal does not carry, from
/// `engine::workers::list` (best effort, briefly).
async fn name_holders(worker: &Worker, mut refused: Vec<Refusal>) -> Vec<Refusal> {
    let options = CallOptions {
        timeout: Some(Duration::from_secs(1)),
        ..Default::default()
    };
    let listed: Result<serde_json::Value> = worker
        .invoke_with(
            iii_protocol::builtins::WORKERS_LIST,
            serde_json::json!({}),
            options,
        )
        .await;
    let Ok(listed) = listed else {
        return refused;
    };
    for refusal in refused.iter_mut().filter(|r| r.owner_name.is_none()) {
        refusal.owner_name = listed["workers"].as_array().and_then(|workers| {
            workers
                .iter()
                .find(|w| w["id"] == refusal.owner_worker_id.as_str())
                .and_then(|w| w["name"].as_str())
                .map(str::to_owned)
        });
    }
    refused
}
