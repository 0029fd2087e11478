//! Worker configuration: the engine URL and handshake, the worker's identity (name,
//! namespace, description), timeouts and limits; and the namespace each call and trigger
//! resolves in.

use std::time::Duration;

use iii_protocol::DEFAULT_ENGINE_URL;

use crate::handshake::{ENV_TOKEN, Handshake};
use crate::observe::RequestLog;

/// Environment variable naming the engine's WebSocket URL.
pub const ENV_URL: &str = "III_URL";
/// Older name of [`ENV_URL`], read when `III_URL` is unset (the seed SDK docs use it).
pub const ENV_BRIDGE_URL: &str = "III_BRIDGE_URL";
/// Environment variable naming the worker.
pub const ENV_WORKER_NAME: &str = "III_WORKER_NAME";
/// Environment variable naming the worker's namespace.
pub const ENV_NAMESPACE: &str = "III_NAMESPACE";
/// Environment variable naming the engine's HTTP base URL, for the start-up summary.
pub const ENV_HTTP_URL: &str = "III_HTTP_URL";
/// Environment variable that makes a worker a standby (`1`, `true`, `yes` or `on`): see
/// [`WorkerConfig::standby`].
pub const ENV_STANDBY: &str = "III_STANDBY";

/// Reconnect backoff: `initial · 2^attempt`, capped at `max`, randomised by ± `jitter`.
#[derive(Debug, Clone, PartialEq)]
pub struct Backoff {
    /// Delay before the first retry (default 1 s).
    pub initial: Duration,
    /// Upper bound of the delay (default 30 s).
    pub max: Duration,
    /// Relative jitter, 0.0 to 1.0 (default 0.3, i.e. ±30 %).
    pub jitter: f64,
}

impl Default for Backoff {
    fn default() -> Self {
        Self {
            initial: Duration::from_secs(1),
            max: Duration::from_secs(30),
            jitter: 0.3,
        }
    }
}

impl Backoff {
    /// The delay before retry number `attempt` (0-based).
    pub fn delay(&self, attempt: u32) -> Duration {
        let base = self
            .initial
            .saturating_mul(2u32.saturating_pow(attempt.min(31)))
            .min(self.max);
        // Guard against a NaN or out-of-range jitter: `mul_f64` would panic.
        let jitter = if self.jitter.is_finite() {
            self.jitter.clamp(0.0, 1.0)
        } else {
            0.0
        };
        let factor = 1.0 + jitter * (fastrand::f64() * 2.0 - 1.0);
        Duration::try_from_secs_f64(base.as_secs_f64() * factor).unwrap_or(self.max)
    }
}

/// Everything a [`Worker`](crate::Worker) needs to know before it connects.
#[derive(Debug, Clone)]
pub struct WorkerConfig {
    /// The engine's WebSocket URL.
    pub url: String,
    /// Whether `url` came from the caller or the environment rather than the default.
    pub url_is_explicit: bool,
    /// The worker's name, announced to the engine (default `hostname:pid`).
    pub name: String,
    /// Optional one-line description announced to the engine.
    pub description: Option<String>,
    /// The namespace the worker registers its functions in (default: `III_NAMESPACE`, else
    /// none, which the engine reads as `default`). Its calls and triggers resolve there too,
    /// but for calls to `engine::*` functions, which resolve in `default`.
    pub namespace: Option<String>,
    /// Project name announced with the worker's telemetry metadata.
    pub project_name: Option<String>,
    /// Headers, bearer token and TLS roots of the WebSocket upgrade.
    pub handshake: Handshake,
    /// How long one connection attempt (TCP + WebSocket handshake) may take (default 10 s).
    pub connect_timeout: Duration,
    /// Default timeout of [`Worker::invoke`](crate::Worker::invoke) (default 30 s).
    pub invoke_timeout: Duration,
    /// Interval of WebSocket pings (default 20 s).
    pub ping_interval: Duration,
    /// A connection that receives nothing for this long is considered dead (default 60 s).
    pub idle_timeout: Duration,
    /// Reconnect backoff.
    pub backoff: Backoff,
    /// How many invocations may run at once (default 1024).
    pub max_in_flight: usize,
    /// How long, on average, a function's handler may compute before its first await and
    /// still start on the connection's reader (default 100 µs, tokio's guidance for the time
    /// between two awaits). A handler that finishes without waiting is then answered with no
    /// task spawned and no other thread woken; one over the budget gets a task of its own for
    /// every invocation until it is quick again. `Duration::ZERO` gives every invocation a
    /// task.
    pub inline_budget: Duration,
    /// How long shutdown waits for in-flight invocations (default 30 s).
    pub shutdown_grace: Duration,
    /// What to do when the engine refuses a function because another live worker holds it
    /// (another copy of the same program): `false` (the default) reports it, from
    /// [`Worker::ready`](crate::Worker::ready) as [`Error::Refused`](crate::Error::Refused),
    /// and `#[iii::main]` exits with an error; `true` waits without registering the function's
    /// triggers and takes the function over as soon as its holder goes away.
    ///
    /// Either way, a refusal after a reconnect is retried: it usually means the engine has not
    /// yet noticed that this worker's previous connection is gone.
    pub standby: bool,
    /// The base URL of the engine's HTTP server (`http://127.0.0.1:3111`), for the start-up
    /// summary's route URLs: set for the development engine a worker starts, else from
    /// `III_HTTP_URL`; without it routes are listed as paths.
    pub http_url: Option<String>,
    /// Whether the worker may start the development engine in-process when the engine it
    /// found at the default address (another program's development engine, typically) goes
    /// away: set by [`start_dev_engine_if_needed`](crate::start_dev_engine_if_needed), which
    /// `#[iii::main]` calls. Never with an explicit URL.
    pub dev_engine: bool,
    /// Which invocations get a line in the request log, at which level (see
    /// [`RequestLog`](crate::observe::RequestLog)).
    pub request_log: RequestLog,
}

impl Default for WorkerConfig {
    fn default() -> Self {
        Self {
            url: DEFAULT_ENGINE_URL.to_owned(),
            url_is_explicit: false,
            name: default_name(),
            description: None,
            namespace: None,
            project_name: None,
            handshake: Handshake::default(),
            connect_timeout: Duration::from_secs(10),
            invoke_timeout: Duration::from_secs(30),
            ping_interval: Duration::from_secs(20),
            idle_timeout: Duration::from_secs(60),
            backoff: Backoff::default(),
            max_in_flight: 1024,
            inline_budget: Duration::from_micros(100),
            shutdown_grace: Duration::from_secs(30),
            standby: false,
            http_url: None,
            dev_engine: false,
            request_log: RequestLog::default(),
        }
    }
}

impl WorkerConfig {
    /// The defaults, with the URL, name, namespace, token, standby and HTTP URL read from the
    /// environment (`III_URL`, else `III_BRIDGE_URL`; `III_WORKER_NAME`; `III_NAMESPACE`;
    /// `III_TOKEN`; `III_STANDBY`; `III_HTTP_URL`; blank values are ignored).
    pub fn from_env() -> Self {
        let mut config = Self::default();
        if let Some(url) = env_url() {
            config.url = url;
            config.url_is_explicit = true;
        }
        if let Some(name) = non_empty_env(ENV_WORKER_NAME) {
            config.name = name;
        }
        config.namespace = non_empty_env(ENV_NAMESPACE);
        config.handshake.token = non_empty_env(ENV_TOKEN);
        config.http_url = non_empty_env(ENV_HTTP_URL);
        if let Some(standby) = non_empty_env(ENV_STANDBY) {
            config.standby = matches!(
                standby.to_ascii_lowercase().as_str(),
                "1" | "true" | "yes" | "on"
            );
        }
        config
    }

    /// Checks what retrying cannot fix: the URL, the namespace, the handshake headers.
    ///
    /// # Errors
    /// A sentence saying what is wrong and what is expected.
    pub(crate) fn check(&self) -> std::result::Result<(), String> {
        check_url(&self.url)?;
        if self
            .namespace
            .as_deref()
            .is_some_and(|n| n.trim().is_empty())
        {
            return Err(
                "the worker's namespace is blank; give it a name, or leave it unset for `default`"
                    .to_owned(),
            );
        }
        #[cfg(feature = "tls")]
        if self.url.to_ascii_lowercase().starts_with("wss://") {
            self.handshake.tls_config()?;
        }
        self.handshake.http_headers().map(drop)
    }

    /// The namespace a call to `function_id` resolves in: the one asked for, else the
    /// worker's, but `default` for the engine's `engine::*` and `configuration::*` functions
    /// (as the official SDKs resolve them).
    pub(crate) fn call_namespace(
        &self,
        function_id: &str,
        explicit: Option<String>,
    ) -> Option<String> {
        if explicit.is_some() {
            return explicit;
        }
        let ns = self.namespace.clone()?;
        if function_id.starts_with("engine::") || function_id.starts_with("configuration::") {
            return Some("default".to_owned());
        }
        Some(ns)
    }
}

/// Checks that `url` is one the worker can connect to: `ws://host[:port][/path]`, or
/// `wss://…` with the `tls` feature.
///
/// # Errors
/// A sentence saying what is wrong and what is expected.
fn check_url(url: &str) -> std::result::Result<(), String> {
    let lower = url.to_ascii_lowercase();
    let rest = if let Some(rest) = lower.strip_prefix("wss://") {
        if !cfg!(feature = "tls") {
            return Err(format!(
                "engine URL `{url}`: wss:// (TLS) needs the `tls` feature of iii-runtime; enable it, or use ws://"
            ));
        }
        rest
    } else if let Some(rest) = lower.strip_prefix("ws://") {
        rest
    } else {
        return Err(format!(
            "engine URL `{url}` is not a ws:// URL; expected something like ws://127.0.0.1:49134 (set III_URL)"
        ));
    };
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    if host.is_empty() || host.contains(char::is_whitespace) {
        return Err(format!(
            "engine URL `{url}` has no host; expected something like ws://127.0.0.1:49134"
        ));
    }
    Ok(())
}

/// The engine URL from `III_URL`, else `III_BRIDGE_URL`, ignoring empty values.
pub(crate) fn env_url() -> Option<String> {
    non_empty_env(ENV_URL).or_else(|| non_empty_env(ENV_BRIDGE_URL))
}

fn non_empty_env(key: &str) -> Option<String> {
    std::env::var(key)
        .ok()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

fn default_name() -> String {
    let host = std::fs::read_to_string("/proc/sys/kernel/hostname")
        .ok()
        .or_else(|| std::env::var("HOSTNAME").ok())
        .map(|h| h.trim().to_owned())
        .filter(|h| !h.is_empty())
        .unwrap_or_else(|| "localhost".to_owned());
    format!("{host}:{}", std::process::id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn engine_urls_are_checked() {
        for ok in [
            "ws://127.0.0.1:49134",
            "WS://localhost",
            "ws://engine.internal:1/ws?x=1",
        ] {
            assert!(check_url(ok).is_ok(), "{ok}");
        }
        for bad in [
            "localhost:1234",
            "http://127.0.0.1:49134",
            "ws://",
            "ws:// x",
            "",
        ] {
            let e = check_url(bad).expect_err(bad);
            assert!(e.contains("ws://"), "{bad}: {e}");
        }
        if cfg!(feature = "tls") {
            assert!(check_url("wss://example.com").is_ok());
        } else {
            let e = check_url("wss://example.com").expect_err("tls");
            assert!(e.contains("`tls` feature"), "{e}");
        }
    }

    #[test]
    fn calls_resolve_in_the_worker_namespace_but_engine_functions_in_default() {
        let mut config = WorkerConfig::default();
        assert_eq!(config.call_namespace("shop.add", None), None);
        assert_eq!(config.call_namespace("engine::functions::list", None), None);
        config.namespace = Some("shop".into());
        assert_eq!(
            config.call_namespace("shop.add", None).as_deref(),
            Some("shop")
        );
        assert_eq!(
            config.call_namespace("state::get", None).as_deref(),
            Some("shop")
        );
        let engine = config.call_namespace("engine::functions::list", None);
        assert_eq!(engine.as_deref(), Some("default"));
        let explicit = config.call_namespace("x", Some("other".into()));
        assert_eq!(explicit.as_deref(), Some("other"));
        config.namespace = Some("  ".into());
        assert!(config.check().expect_err("blank").contains("blank"));
    }

    #[test]
    fn odd_backoff_settings_do_not_panic() {
        let b = Backoff {
            jitter: f64::NAN,
            ..Backoff::default()
        };
        assert_eq!(b.delay(0), Duration::from_secs(1));
        let b = Backoff {
            initial: Duration::MAX,
            max: Duration::MAX,
            jitter: 1.0,
        };
        let _ = b.delay(u32::MAX);
    }

    #[test]
    fn backoff_doubles_to_the_cap_within_jitter() {
        let b = Backoff::default();
        for (attempt, base) in [
            (0, 1.0),
            (1, 2.0),
            (2, 4.0),
            (4, 16.0),
            (5, 30.0),
            (40, 30.0),
        ] {
            for _ in 0..50 {
                let d = b.delay(attempt).as_secs_f64();
                assert!(
                    d >= base * 0.7 - 1e-9 && d <= base * 1.3 + 1e-9,
                    "{attempt}: {d}"
                );
            }
        }
    }
}
