//! [`TestApp`]: the user's [`App`](crate::App) served for one test — on an engine of its own, started
//! in-process on free ports (or on the engine at `III_TEST_URL`), with the declared functions
//! registered, ready before the first request, and stopped when the test ends.

use iii_engine::EngineHandle;

use super::error::KitError;
use super::http::Http;
use super::recorder::Recorder;
use crate::app::Hook;
use crate::worker::Worker;

/// The engine the tests run against instead of an in-process one (`ws://host:port`).
pub const ENV_TEST_URL: &str = "III_TEST_URL";
/// The HTTP address of the engine at [`ENV_TEST_URL`] (`http://host:port`).
pub const ENV_TEST_HTTP_URL: &str = "III_TEST_HTTP_URL";

/// The app under test, served for one test. Dropping it stops the worker and the engine.
///
/// ```standalone_crate
/// use iii::prelude::*;
/// use iii::testing::TestApp;
///
/// # #[derive(Deserialize, Serialize, JsonSchema)] struct AddInput { a: i64, b: i64 }
/// # #[derive(Deserialize, Serialize, JsonSchema)] struct AddOutput { sum: i64 }
/// #[iii::function("math.add")]
/// #[iii::http(path = "add", method = "POST")]
/// async fn add(input: AddInput) -> iii::Result<AddOutput> {
///     Ok(AddOutput { sum: input.a + input.b })
/// }
///
/// /// The app `#[iii::main] async fn main() -> App { app() }` serves, states given once.
/// fn app() -> App {
///     App::new().name("math")
/// }
///
/// # #[tokio::main] async fn main() {
/// let t = TestApp::new(app()).await;
/// let out = t.call::<add>(AddInput { a: 2, b: 3 }).await.unwrap();
/// assert_eq!(out.sum, 5);
/// let response = t.http().post("/add").json(&serde_json::json!({"a": 1, "b": 1})).send().await.unwrap();
/// assert_eq!(response.status, 200);
/// assert_eq!(response.json(), serde_json::json!({"sum": 2}));
/// # }
/// ```
#[derive(Debug)]
pub struct TestApp {
    pub(super) worker: Worker,
    pub(super) engine: Option<EngineHandle>,
    pub(super) http: Option<Http>,
    pub(super) external: Option<String>,
    pub(super) recorder: Recorder,
    /// The declared functions it registered (whose runs the recorder sees).
    pub(super) functions: Vec<&'static str>,
    /// The app's `on_shutdown` hooks, run by [`TestApp::shutdown`].
    pub(super) on_shutdown: Hooks,
}

/// Hooks kept for later (a `Debug` that only counts them).
pub(super) struct Hooks(pub(super) Vec<Hook>);

impl std::fmt::Debug for Hooks {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} hook(s)", self.0.len())
    }
}

pub(super) async fn run_hooks(hooks: Vec<Hook>, worker: &Worker) {
    for hook in hooks {
        hook(worker.clone()).await;
    }
}

impl TestApp {
    /// The app's worker (for the plain API: `register_function`, `invoke_with`, …).
    pub fn worker(&self) -> &Worker {
        &self.worker
    }

    /// The in-process test engine (`None` against `III_TEST_URL`).
    pub fn engine(&self) -> Option<&EngineHandle> {
        self.engine.as_ref()
    }

    /// The namespace of this test's worker on an engine at `III_TEST_URL` (each test has its
    /// own); `None` on the in-process engine.
    pub fn namespace(&self) -> Option<&str> {
        self.worker.config().namespace.as_deref()
    }

    /// A client for the engine's HTTP routes.
    ///
    /// # Panics
    /// Against `III_TEST_URL` without `III_TEST_HTTP_URL`: the kit does not know where the
    /// engine's HTTP server is.
    pub fn http(&self) -> Http {
        self.http.unwrap_or_else(|| {
            panic!("set {ENV_TEST_HTTP_URL} next to {ENV_TEST_URL} for HTTP requests")
        })
    }

    /// The ids of the declared functions this app registered.
    pub fn functions(&self) -> &[&'static str] {
        &self.functions
    }

    pub(crate) fn recorder(&self) -> &Recorder {
        &self.recorder
    }

    /// The in-process engine, or why it is not there.
    pub(crate) fn own_engine(&self, what: &'static str) -> Result<&EngineHandle, KitError> {
        self.engine
            .as_ref()
            .ok_or_else(|| KitError::OnlyTestEngine {
                what,
                url: self.external.clone().unwrap_or_default(),
            })
    }

    /// Shuts down as the program would on a signal: drains the worker, runs the app's
    /// `on_shutdown` hooks, disconnects, and stops the engine, waiting for all of it (dropping
    /// the app stops the worker and the engine too, without waiting or running the hooks).
    pub async fn shutdown(self) {
        self.worker.drain().await;
        run_hooks(self.on_shutdown.0, &self.worker).await;
        self.worker.disconnect().await;
        if let Some(engine) = self.engine {
            engine.shutdown().await;
        }
    }
}
