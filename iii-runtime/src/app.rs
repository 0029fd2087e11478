//! [`App`]: what `#[iii::main]` runs — configure the worker, find or start an engine, register
//! every declared function, serve until a signal, then drain.

use std::future::Future;
use std::pin::Pin;
use std::process::ExitCode;
use std::time::Duration;

use crate::config::WorkerConfig;
use crate::error::{Error, Result};
use crate::state_map::StateMap;
use crate::status::ConnectionStatus;
use crate::worker::Worker;
use crate::{embedded, registry, signal};

type ReadyHook = Box<dyn FnOnce(Worker) -> Pin<Box<dyn Future<Output = ()> + Send>> + Send>;

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
    on_ready: Vec<ReadyHook>,
    states: StateMap,
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
            states: StateMap::new(),
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

    /// Serves until SIGINT or SIGTERM, then drains and disconnects.
    ///
    /// # Errors
    /// [`Error::Registration`] for duplicate ids or routes, or a missing `State<T>`.
    pub async fn serve(self) -> Result<()> {
        let App {
            mut config,
            on_ready,
            states,
        } = self;
        // Listen before anything else, so that a signal during start-up drains rather than
        // killing the process.
        let shutdown = signal::shutdown_requested();
        let engine = embedded::start_dev_engine_if_needed(&mut config).await;
        let worker = Worker::with_config(config);
        let count = registry::register_declared_with(&worker, states)?;
        tracing::debug!(functions = count, "declared functions registered");
        worker.start();
        let hooks = worker.clone();
        tokio::spawn(async move {
            if hooks.ready().await.is_ok() {
                for hook in on_ready {
                    hook(hooks.clone()).await;
                }
            }
        });
        let closed = worker.wait_for_connection(|s| s == ConnectionStatus::Closed);
        tokio::select! {
            () = shutdown => {
                tracing::info!("shutting down: finishing running invocations (a second signal exits at once, status 130)");
                let second = signal::shutdown_requested();
                tokio::spawn(async {
                    second.await;
                    tracing::warn!("second signal: exiting now");
                    std::process::exit(130);
                });
                worker.disconnect().await;
            }
            _ = closed => {}
        }
        if let Some(engine) = engine {
            engine.shutdown().await;
        }
        match worker.fatal_error() {
            // The engine refused this worker for good: exit with an error, not success.
            Some(reason) => Err(Error::Registration(reason)),
            None => Ok(()),
        }
    }
}

/// What an `#[iii::main]` body may evaluate to.
#[diagnostic::on_unimplemented(
    message = "`#[iii::main]` cannot run a body that returns `{Self}`",
    label = "not `()`, `iii::App` or `Result<iii::App, E>`",
    note = "return nothing to serve with the defaults, or an `iii::App` to configure the worker"
)]
pub trait IntoApp {
    /// Converts into an [`App`].
    ///
    /// # Errors
    /// When the body returned an error.
    fn into_app(self) -> Result<App>;
}

impl IntoApp for () {
    fn into_app(self) -> Result<App> {
        Ok(App::new())
    }
}

impl IntoApp for App {
    fn into_app(self) -> Result<App> {
        Ok(self)
    }
}

impl<E: std::fmt::Display> IntoApp for std::result::Result<App, E> {
    fn into_app(self) -> Result<App> {
        self.map_err(|e| Error::new("startup_failed", 500, e.to_string()))
    }
}

/// The body of the `main` that `#[iii::main]` generates.
pub fn run_main<F>(body: F) -> ExitCode
where
    F: Future + Send + 'static,
    F::Output: IntoApp,
{
    init_tracing();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(e) => {
            eprintln!("error: could not start the tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let outcome = runtime.block_on(async move { body.await.into_app()?.serve().await });
    // Handlers still running after the grace period must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Installs a `tracing` subscriber reading `RUST_LOG` (default `info`), unless the program
/// installed one already.
pub fn init_tracing() {
    use tracing_subscriber::EnvFilter;
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let ansi = std::io::IsTerminal::is_terminal(&std::io::stdout());
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(ansi)
        .try_init();
}
