//! What `#[iii::main]` generates calls: [`run_main`], the body of `main` (tracing, the tokio
//! runtime, the [`App`] the user's body evaluates to, the exit status), and [`IntoApp`], what
//! that body may evaluate to.

use std::future::Future;
use std::process::ExitCode;
use std::time::Duration;

use crate::app::App;
use crate::error::{Error, Result};

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
    // Within the runtime: the trace exporter (feature `otel`) runs on it.
    runtime.block_on(async { init_tracing() });
    let outcome = runtime.block_on(async move { body.await.into_app()?.serve().await });
    // While the runtime still runs the exporter: what is left goes out.
    crate::observe::shutdown();
    // Handlers still running after the grace period must not keep the process alive.
    runtime.shutdown_timeout(Duration::from_millis(100));
    match outcome {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            // Once, at ERROR, like every other line the worker logs.
            tracing::error!("{e}");
            ExitCode::FAILURE
        }
    }
}

/// Installs a `tracing` subscriber reading `RUST_LOG` (default `info`), unless the program
/// installed one already: the console formatter, the
/// [`EngineLogLayer`](crate::observe::EngineLogLayer) (idle until logs are forwarded) and,
/// with the `otel` feature, OpenTelemetry from the `OTEL_*` variables (see
/// `iii::observe::otel`; call it within a Tokio runtime then).
pub fn init_tracing() {
    crate::observe::init();
}
