//! [`TestOptions`]: how a [`TestApp`] starts — which declared functions, what else is
//! registered, the engine's limits or another engine — and the start itself.

use std::net::SocketAddr;
use std::time::Duration;

use iii_engine::{Engine, EngineConfig};

use super::app::{ENV_TEST_HTTP_URL, ENV_TEST_URL, Hooks, TestApp, run_hooks};
use super::error::KitError;
use super::http::Http;
use super::recorder::Recorder;
use crate::app::App;
use crate::config::WorkerConfig;
use crate::registry;
use crate::typed_call::TypedFunction;
use crate::worker::Worker;

type Setup = Box<dyn FnOnce(&Worker) -> crate::Result<()> + Send>;

/// How a [`TestApp`] starts: which declared functions it registers, what else, and the
/// engine's limits. Made by [`TestApp::options`].
#[must_use = "options do nothing until the app is started"]
pub struct TestOptions {
    app: App,
    only: Option<Vec<&'static str>>,
    setup: Vec<Setup>,
    engine: EngineConfig,
    ready_within: Duration,
    /// The engine to use instead of an in-process one: its worker URL and HTTP base URL.
    external: Option<(String, Option<String>)>,
}

impl std::fmt::Debug for TestOptions {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestOptions")
            .field("app", &self.app)
            .field("only", &self.only)
            .field("engine", &self.engine)
            .finish_non_exhaustive()
    }
}

impl TestOptions {
    /// Registers only the declared functions named by `only` calls (this one: `F`'s), so
    /// that a test needs only their states.
    pub fn only<F: TypedFunction>(self) -> Self {
        self.only_id(F::ID)
    }

    /// [`only`](TestOptions::only) by function id (for functions without a marker type).
    pub fn only_id(mut self, id: &'static str) -> Self {
        self.only.get_or_insert_with(Vec::new).push(id);
        self
    }

    /// Registers more functions or triggers through the plain API before the worker
    /// connects (`worker.register_function(…)`, `worker.register_trigger(…)`).
    pub fn setup(
        mut self,
        setup: impl FnOnce(&Worker) -> crate::Result<()> + Send + 'static,
    ) -> Self {
        self.setup.push(Box::new(setup));
        self
    }

    /// Edits the test engine's configuration: its limits and timeouts
    /// (`config.http_timeout`, `config.max_body_bytes`, …). The ports stay free ones.
    /// Ignored against an engine at `III_TEST_URL`.
    pub fn engine(mut self, edit: impl FnOnce(&mut EngineConfig)) -> Self {
        edit(&mut self.engine);
        self
    }

    /// Runs against the engine at `url` (`ws://…`) instead of an in-process one, with its
    /// HTTP server at `http_url` (`http://host:port`): what `III_TEST_URL` and
    /// `III_TEST_HTTP_URL` set for every test.
    pub fn external(mut self, url: &str, http_url: Option<&str>) -> Self {
        self.external = Some((url.to_owned(), http_url.map(str::to_owned)));
        self
    }

    /// How long the app may take to get ready (default 10 s).
    pub fn ready_within(mut self, within: Duration) -> Self {
        self.ready_within = within;
        self
    }

    /// Starts the app.
    ///
    /// # Panics
    /// When it cannot start (the message says why, as [`try_start`](TestOptions::try_start)).
    pub async fn start(self) -> TestApp {
        self.try_start().await.unwrap_or_else(|e| panic!("{e}"))
    }

    /// Starts the app: the test engine on free ports (unless `III_TEST_URL` names one), the
    /// worker with the selected declared functions and the setup's registrations, ready.
    ///
    /// # Errors
    /// [`KitError::Engine`] when the engine cannot start, [`KitError::Start`] when the worker
    /// cannot register (a missing state, a duplicate route) or get ready in time.
    pub async fn try_start(self) -> Result<TestApp, KitError> {
        let (mut config, states, on_ready, on_shutdown) = self.app.into_parts();
        let external = self.external.as_ref().map(|(url, _)| url.clone());
        let (engine, http) = match &self.external {
            Some((url, http_url)) => {
                config.url.clone_from(url);
                // One namespace per test, so that tests sharing an engine do not take each
                // other's functions.
                config.namespace = Some(format!("test-{}", uuid::Uuid::new_v4().simple()));
                let http = match http_url {
                    Some(http_url) => Some(external_http(http_url).await?),
                    None => None,
                };
                (None, http)
            }
            None => {
                let engine = Engine::start(self.engine)
                    .await
                    .map_err(|e| KitError::Engine(e.to_string()))?;
                config.url = engine.ws_url();
                let http = Http::new(engine.http_addr());
                (Some(engine), Some(http))
            }
        };
        config.url_is_explicit = true;
        config.http_url = http.map(|h| format!("http://{}", h.addr()));
        quicken(&mut config);
        let worker = Worker::with_config(config);
        let recorder = Recorder::default();
        let only = self.only;
        let keep = |id: &str| only.as_ref().is_none_or(|ids| ids.contains(&id));
        let registered = std::sync::Mutex::new(Vec::new());
        let wrap = |id, function| {
            registered
                .lock()
                .unwrap_or_else(|p| p.into_inner())
                .push(id);
            recorder.wrap(function)
        };
        registry::register_selected(&worker, states, keep, wrap).map_err(KitError::Start)?;
        let functions = registered.into_inner().unwrap_or_else(|p| p.into_inner());
        for setup in self.setup {
            setup(&worker).map_err(KitError::Start)?;
        }
        match tokio::time::timeout(self.ready_within, worker.connect()).await {
            Ok(Ok(())) => {}
            Ok(Err(e)) => return Err(KitError::Start(e)),
            Err(_) => {
                return Err(KitError::Timeout {
                    what: "the app getting ready".to_owned(),
                    within: self.ready_within,
                });
            }
        }
        // Spawned, as `App::serve` does: a hook may run for as long as the app does.
        let hooks = worker.clone();
        tokio::spawn(async move { run_hooks(on_ready, &hooks).await });
        Ok(TestApp {
            worker,
            engine,
            http,
            external,
            recorder,
            functions,
            on_shutdown: Hooks(on_shutdown),
        })
    }
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

/// Quick timings for a test: a missing engine is reported within seconds, not retried for
/// a minute.
fn quicken(config: &mut WorkerConfig) {
    config.connect_timeout = config.connect_timeout.min(Duration::from_secs(5));
    config.shutdown_grace = config.shutdown_grace.min(Duration::from_secs(1));
}

/// The HTTP address of an external engine (`http://host:port`).
async fn external_http(url: &str) -> Result<Http, KitError> {
    let authority = url
        .strip_prefix("http://")
        .unwrap_or(url)
        .trim_end_matches('/');
    let addr: Option<SocketAddr> = tokio::net::lookup_host(authority)
        .await
        .ok()
        .and_then(|mut addrs| addrs.next());
    match addr {
        Some(addr) => Ok(Http::new(addr)),
        None => Err(KitError::Engine(format!(
            "the engine's HTTP URL {url} is not an http://host:port that resolves"
        ))),
    }
}

impl TestApp {
    /// Starts `app` with every declared function: see [`TestOptions::start`].
    ///
    /// # Panics
    /// When it cannot start (a missing state, a duplicate route, no engine).
    pub async fn new(app: App) -> Self {
        Self::options(app).start().await
    }

    /// Options for starting `app` (only some functions, more registrations, engine limits).
    pub fn options(app: App) -> TestOptions {
        TestOptions {
            app,
            only: None,
            setup: Vec::new(),
            engine: iii_test_support::engine::config(),
            ready_within: Duration::from_secs(10),
            external: env(ENV_TEST_URL).map(|url| (url, env(ENV_TEST_HTTP_URL))),
        }
    }
}
