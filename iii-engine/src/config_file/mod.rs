//! Reading the real engine's `config.yaml` into an [`EngineConfig`] (`iii-engine --config`).
//!
//! Both generations of the file are read: the current one, a `workers:` list of
//! `{name, config}` (`iii-worker-manager`, `iii-http`, `iii-stream`, `iii-state`, `iii-queue`,
//! `iii-cron`, `iii-pubsub`, `iii-http-functions`, `configuration`, the observability
//! workers; the short names `http`, `state`, `queue`, `cron`, `pubsub` too), and the older
//! `modules:` list of `{class: modules::…::XModule, config}`. `${VAR}` and `${VAR:default}`
//! are replaced in the text first, outside full-line comments; a variable that is not set and
//! has no default is an error.
//!
//! Every setting of a module the engine implements is applied; everything else (a module it
//! does not have, a key it does not read, an adapter it does not offer) is reported in
//! [`Loaded::ignored`], one line each, and never stops the engine. A value of the wrong type
//! is an error naming the path of its key (`workers[2].config.port: …`).
//!
//! What maps where:
//!
//! | Entry | Read | Into |
//! |---|---|---|
//! | `iii-worker-manager` / `WorkerModule`, the first | `host`, `port`, `handshake_timeout_ms`, `middleware_function_id`, `rbac` | [`EngineConfig::host`], [`EngineConfig::ws_port`], [`EngineConfig::handshake_timeout`], [`EngineConfig::ws_access`] |
//! | any later `iii-worker-manager` (`#rbac` or not) | `host` (default loopback), `port`, `middleware_function_id`, `rbac` (`auth_function_id`, `expose_functions`, the three `on_*_registration_function_id` hooks) | one [`WorkerListener`](crate::WorkerListener) of [`EngineConfig::listeners`] each |
//! | `iii-http-functions` | `security`: `url_allowlist`, `block_private_ips`, `require_https` | [`EngineConfig::http_functions`] |
//! | `iii-http` / `RestApiModule` | `host`, `port`, `default_timeout`, `concurrency_request_limit` | [`EngineConfig::http_host`], [`EngineConfig::http_port`], [`EngineConfig::http_timeout`], [`EngineConfig::concurrency_request_limit`] |
//! | `iii-http` / `RestApiModule` | `cors.allowed_origins` (none, or a `"*"` among them: any origin) | [`EngineConfig::cors`] |
//! | `iii-state`, `iii-stream`, `iii-queue`, `iii-cron` | `adapter` (`kv`/`builtin` with `store_method: file_based`, `file_path`) | [`EngineConfig::persistence`]: SQLite at `<file_path>.sqlite3` |
//! | `iii-queue` / `QueueModule` | `queue_configs` (`max_retries`, `backoff_ms`, `concurrency`, `type`, `message_group_field`) | [`EngineConfig::queues`] |
//!
//! A bad `expose_functions` rule is an error naming it (`…rbac.expose_functions[1]: …`):
//! a listener must never open with rules other than the ones written.

mod access;
mod modules;
mod section;
mod stores;
mod subst;
#[cfg(test)]
mod tests;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::config::EngineConfig;
use section::Section;

/// Why a config file could not be read.
#[derive(Debug, thiserror::Error)]
pub enum ConfigFileError {
    /// The file could not be read.
    #[error("cannot read {path}: {source}")]
    Read {
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// A `${VAR}` without default names a variable that is not set.
    #[error(
        "line {line}: ${{{name}}} is not set and has no default (`${{{name}:value}}` gives one)"
    )]
    Unset {
        /// The line of the reference (1-based).
        line: usize,
        /// The variable.
        name: String,
    },
    /// The text is not YAML.
    #[error("not valid YAML: {0}")]
    Yaml(String),
    /// A value has the wrong type or is out of range.
    #[error("{path}: {message}")]
    Value {
        /// Where the value sits, e.g. `workers[2].config.port`.
        path: String,
        /// What is wrong with it.
        message: String,
    },
}

/// A config file, read.
#[derive(Debug, Clone)]
pub struct Loaded {
    /// The defaults with the file's settings applied.
    pub config: EngineConfig,
    /// What the file says that the engine does not do, one line each (`<path>: ignored: …`).
    pub ignored: Vec<String>,
}

/// Reads the file at `path`, substituting the process's environment variables.
///
/// # Errors
/// See [`ConfigFileError`].
pub fn load(path: &Path) -> Result<Loaded, ConfigFileError> {
    let text = std::fs::read_to_string(path).map_err(|source| ConfigFileError::Read {
        path: path.to_owned(),
        source,
    })?;
    parse(&text, &|name| std::env::var(name).ok())
}

/// Reads config text, looking `${VAR}` references up with `var`.
///
/// # Errors
/// See [`ConfigFileError`].
pub fn parse(text: &str, var: &dyn Fn(&str) -> Option<String>) -> Result<Loaded, ConfigFileError> {
    let text = subst::substitute(text, var)?;
    let root: Value = if text.trim().is_empty() {
        Value::Null
    } else {
        serde_saphyr::from_str(&text).map_err(|e| ConfigFileError::Yaml(e.to_string()))?
    };
    let mut root = Section::new("", root)?;
    let mut reader = modules::Reader::default();
    for (list, by) in [("workers", "name"), ("modules", "class")] {
        let Some(entries) = root.take_raw(list).filter(|v| !v.is_null()) else {
            continue;
        };
        let Value::Array(entries) = entries else {
            return Err(ConfigFileError::Value {
                path: list.to_owned(),
                message: format!("expected a list, found {}", section::kind(&entries)),
            });
        };
        for (n, entry) in entries.into_iter().enumerate() {
            let mut entry = Section::new(format!("{list}[{n}]"), entry)?;
            let id: String = entry.take(by)?.ok_or_else(|| ConfigFileError::Value {
                path: entry.key_path(by),
                message: format!("every entry of `{list}` needs a `{by}`"),
            })?;
            let config = Section::new(
                entry.key_path("config"),
                entry.take_raw("config").unwrap_or(Value::Null),
            )?;
            entry.finish(&format!("an entry of `{list}`"), &mut reader.ignored);
            reader.entry(&id, config)?;
        }
    }
    root.finish("the top level", &mut reader.ignored);
    Ok(reader.done())
}
