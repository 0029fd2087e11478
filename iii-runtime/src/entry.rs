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
            // Once, at ERROR, like every other line the worker logs.
            tracing::error!("{e}");
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
