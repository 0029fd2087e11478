//! The worker processes under test: which binary, which ids and routes, spawning them.

use std::path::{Path, PathBuf};

use tokio::process::Command;

use crate::contract::{
    ENV_ADD_PATH, ENV_FUNCTION_ID, ENV_HTTP_PATH, ENV_OBSERVE, ENV_REQUEST_LOG, ENV_URL,
};
use crate::process::Process;

/// A worker implementation under test.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Impl {
    /// The floor (`bench-worker-floor`): a bare tokio-tungstenite socket, serde_json, every
    /// frame answered on one task. The least a worker can do; a measuring stick, not a product.
    Floor,
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
    pub const ALL: [Impl; 6] = [
        Impl::Floor,
        Impl::IiiRs,
        Impl::IiiRsLog,
        Impl::IiiRsOtel,
        Impl::Sdk,
        Impl::SdkOtelOff,
    ];

    /// The implementation `--workers` knows by `key` (its [`key`](Impl::key)).
    pub fn from_key(key: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|w| w.key() == key)
    }

    /// The name `--workers` knows this implementation by.
    pub fn key(self) -> &'static str {
        match self {
            Self::Floor => "floor",
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
            Self::Floor => "floor",
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
            Self::Floor => "floor",
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
            Self::Floor => "bench-worker-floor",
            Self::IiiRs | Self::IiiRsLog | Self::IiiRsOtel => "bench-worker-iii-rs",
            Self::Sdk | Self::SdkOtelOff => "bench-worker-sdk",
        }
    }

    /// Environment the worker process gets besides the engine URL and its ids.
    pub fn env(self) -> &'static [(&'static str, &'static str)] {
        match self {
            Self::Floor | Self::IiiRs | Self::Sdk => &[],
            Self::IiiRsLog => &[(ENV_OBSERVE, "log")],
            Self::IiiRsOtel => &[(ENV_OBSERVE, "otel")],
            Self::SdkOtelOff => &[("OTEL_ENABLED", "false")],
        }
    }

    /// The echo function's id. Each worker gets its own, so that all can stay connected to
    /// the one engine and the cases can alternate between them.
    pub fn function_id(self) -> &'static str {
        match self {
            Self::Floor => "bench.echo.floor",
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
            Self::Floor => "echo/floor",
            Self::IiiRs => "echo/iii-rs",
            Self::IiiRsLog => "echo/iii-rs-log",
            Self::IiiRsOtel => "echo/iii-rs-otel",
            Self::Sdk => "echo/sdk",
            Self::SdkOtelOff => "echo/sdk-otel-off",
        }
    }

    /// The HTTP path (without the leading slash) of the worker's typed `POST` route: the
    /// quickstart's `{"a":2,"b":3}` → `{"sum":5}`.
    pub fn add_path(self) -> &'static str {
        match self {
            Self::Floor => "add/floor",
            Self::IiiRs => "add/iii-rs",
            Self::IiiRsLog => "add/iii-rs-log",
            Self::IiiRsOtel => "add/iii-rs-otel",
            Self::Sdk => "add/sdk",
            Self::SdkOtelOff => "add/sdk-otel-off",
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

/// Spawns `which` against the engine at `engine_url`; a worker with the request log on
/// writes it to `request_log`.
///
/// # Errors
/// When the binary cannot be started.
pub fn spawn(which: Impl, engine_url: &str, request_log: &Path) -> Result<Process, String> {
    let path = binary_dir()?.join(which.binary());
    let mut command = Command::new(&path);
    command
        .env(ENV_URL, engine_url)
        .env(ENV_FUNCTION_ID, which.function_id())
        .env(ENV_HTTP_PATH, which.http_path())
        .env(ENV_ADD_PATH, which.add_path())
        .env(ENV_REQUEST_LOG, request_log)
        .envs(which.env().iter().copied());
    Process::spawn(command, &path.display().to_string(), false)
}
