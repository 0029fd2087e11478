//! The worker processes under test: which binary, which ids, spawning and stopping them.

use std::path::{Path, PathBuf};
use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

use crate::contract::{ENV_FUNCTION_ID, ENV_HTTP_PATH, ENV_OBSERVE, ENV_REQUEST_LOG, ENV_URL};

/// A worker implementation under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// This project's runtime (`bench-worker-iii-rs`), with no subscriber and no exporter:
    /// everything its observability does is off.
    IiiRs,
    /// The same worker with the request log on: a line per invocation (direct calls
    /// included, at `INFO`), `tracing-subscriber`'s default formatter, written to a file.
    IiiRsLog,
    /// The same worker with traces on: the `otel` feature's layer, the default sampler, a
    /// batch processor and an exporter that drops every span.
    IiiRsOtel,
    /// The official Rust SDK, crates.io `iii-sdk` 0.25.0 (`bench-worker-sdk`), as shipped:
    /// OpenTelemetry on, which records every invocation's payloads into spans.
    Sdk,
    /// The same SDK worker started with `OTEL_ENABLED=false`.
    SdkOtelOff,
}

impl Impl {
    /// Every implementation, in report order.
    pub const ALL: [Impl; 5] = [
        Impl::IiiRs,
        Impl::IiiRsLog,
        Impl::IiiRsOtel,
        Impl::Sdk,
        Impl::SdkOtelOff,
    ];

    /// The implementation a `--workers` key names (its [`key`](Impl::key)).
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.key() == key)
    }

    /// The key `--workers` names it by.
    pub fn key(self) -> &'static str {
        match self {
            Self::IiiRs => "iii-rs",
            Self::IiiRsLog => "iii-rs-log",
            Self::IiiRsOtel => "iii-rs-otel",
            Self::Sdk => "sdk",
            Self::SdkOtelOff => "sdk-otel-off",
        }
    }

    /// Column label.
    pub fn label(self) -> &'static str {
        match self {
            Self::IiiRs => "iii-rs",
            Self::IiiRsLog => "iii-rs request log",
            Self::IiiRsOtel => "iii-rs traces",
            Self::Sdk => "iii-sdk 0.25",
            Self::SdkOtelOff => "iii-sdk 0.25 OTel off",
        }
    }

    /// A short label for ratio columns.
    pub fn short(self) -> &'static str {
        match self {
            Self::IiiRs => "iii-rs",
            Self::IiiRsLog => "log",
            Self::IiiRsOtel => "traces",
            Self::Sdk => "SDK",
            Self::SdkOtelOff => "SDK OTel off",
        }
    }

    /// The worker binary's name (a `[[bin]]` of this crate).
    pub fn binary(self) -> &'static str {
        match self {
            Self::IiiRs | Self::IiiRsLog | Self::IiiRsOtel => "bench-worker-iii-rs",
            Self::Sdk | Self::SdkOtelOff => "bench-worker-sdk",
        }
    }

    /// Environment the worker process gets besides the engine URL and its ids.
    pub fn env(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::IiiRs | Self::Sdk => &[],
            Self::IiiRsLog => &[(ENV_OBSERVE, "log")],
            Self::IiiRsOtel => &[(ENV_OBSERVE, "otel")],
            Self::SdkOtelOff => &[("OTEL_ENABLED", "false")],
        }
    }

    /// The echo function's id. Each worker gets its own, so that all can stay connected to
    /// the one engine and the cases can alternate between them.
    pub fn function_id(self) -> &'static str {
        match self {
            Self::IiiRs => "bench.echo.iii-rs",
            Self::IiiRsLog => "bench.echo.iii-rs-log",
            Self::IiiRsOtel => "bench.echo.iii-rs-otel",
            Self::Sdk => "bench.echo.sdk",
            Self::SdkOtelOff => "bench.echo.sdk-otel-off",
        }
    }

    /// The HTTP path (without the leading slash) of the worker's `POST` echo route.
    pub fn http_path(self) -> &'static str {
        match self {
            Self::IiiRs => "echo/iii-rs",
            Self::IiiRsLog => "echo/iii-rs-log",
            Self::IiiRsOtel => "echo/iii-rs-otel",
            Self::Sdk => "echo/sdk",
            Self::SdkOtelOff => "echo/sdk-otel-off",
        }
    }
}

/// Where the worker binaries are: next to the running driver (`target/<profile>/`).
///
/// # Errors
/// When the driver's own path is unknown.
pub fn binary_dir() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| format!("current_exe: {e}"))?;
    exe.parent()
        .map(PathBuf::from)
        .ok_or_else(|| format!("{} has no parent directory", exe.display()))
}

/// A spawned worker process; killed if dropped without [`stop`](WorkerProcess::stop).
#[derive(Debug)]
pub struct WorkerProcess {
    child: Child,
    pid: u32,
}

impl WorkerProcess {
    /// Spawns `which` against the engine at `engine_url`; a worker with the request log on
    /// writes it to `request_log`.
    ///
    /// # Errors
    /// When the binary cannot be started.
    pub fn spawn(which: Impl, engine_url: &str, request_log: &Path) -> Result<Self, String> {
        let path = binary_dir()?.join(which.binary());
        let child = Command::new(&path)
            .env(ENV_URL, engine_url)
            .env(ENV_REQUEST_LOG, request_log)
            .env(ENV_FUNCTION_ID, which.function_id())
            .env(ENV_HTTP_PATH, which.http_path())
            .envs(which.env().iter().copied())
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", path.display()))?;
        let pid = child
            .id()
            .ok_or_else(|| format!("{} exited at once", path.display()))?;
        Ok(Self { child, pid })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// Whether the process has exited (it should not before [`stop`](Self::stop)).
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// Asks the worker to shut down (SIGTERM), and kills it if it has not exited within 3 s.
    pub async fn stop(mut self) {
        // `kill(1)` rather than FFI: this crate forbids unsafe code.
        let asked = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await
            .is_ok_and(|s| s.success());
        if asked
            && tokio::time::timeout(Duration::from_secs(3), self.child.wait())
                .await
                .is_ok()
        {
            return;
        }
        let _ = self.child.kill().await;
    }
}
