//! The summary a worker's connection logs once it has announced itself: its name, runtime and
//! version, and what it registered; and when to log it.

use std::time::Duration;

use iii_protocol::Uuid;
use serde_json::Value;
use tokio::time::Instant;

use crate::registry::Snapshot;

/// Quiet time after an announce (or the registration that follows it) before the summary is
/// logged: SDKs may announce before or after registering.
const SETTLE: Duration = Duration::from_millis(250);
/// The longest the summary waits after an announce, however busy the worker is.
const MAX_WAIT: Duration = Duration::from_secs(3);
/// Functions and triggers listed at most; a worker with thousands gets a count of the rest.
const LISTED: usize = 50;

/// When the summary is due: a while after the announce, once registrations settle.
#[derive(Default)]
pub(crate) struct Due {
    /// (when, at the latest).
    at: Option<(Instant, Instant)>,
}

impl Due {
    /// The worker announced itself: the summary is due after [`SETTLE`].
    pub(crate) fn announced(&mut self) {
        let now = Instant::now();
        self.at = Some((now + SETTLE, now + MAX_WAIT));
    }

    /// A registration came in: push the summary back, up to [`MAX_WAIT`] after the announce.
    pub(crate) fn registered(&mut self) {
        if let Some((at, latest)) = self.at.as_mut() {
            *at = (Instant::now() + SETTLE).min(*latest);
        }
    }

    /// When the summary is due, if it is.
    pub(crate) fn at(&self) -> Option<Instant> {
        self.at.map(|(at, _)| at)
    }

    /// Whether it was due; it is not any more.
    pub(crate) fn take(&mut self) -> bool {
        self.at.take().is_some()
    }
}

/// Logs what a worker announced itself as and what it registered.
pub(crate) fn log(snapshot: &Snapshot, worker: Uuid) {
    let Some(metadata) = snapshot
        .workers
        .get(&worker)
        .and_then(|w| w.metadata.as_ref())
    else {
        return;
    };
    let mut functions: Vec<String> = snapshot
        .functions
        .iter()
        .filter(|(_, f)| f.owner == worker)
        .map(|(id, _)| id.escape_debug().to_string())
        .collect();
    functions.sort_unstable();
    let mut triggers: Vec<String> = snapshot
        .triggers
        .values()
        .filter(|t| t.owner == worker)
        .map(|t| {
            format!(
                "{} -> {}",
                describe_trigger(&t.trigger_type, &t.config).escape_debug(),
                t.function_id.escape_debug()
            )
        })
        .collect();
    triggers.sort_unstable();
    let text = |key: &str| {
        metadata
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .escape_debug()
            .to_string()
    };
    let name = metadata.get("name").and_then(Value::as_str).unwrap_or("?");
    tracing::info!(
        "worker {worker} is {name:?} ({} {}): functions [{}]; triggers [{}]",
        text("runtime"),
        text("version"),
        listed(&functions),
        listed(&triggers)
    );
}

/// The first [`LISTED`] items, and how many more there are.
fn listed(items: &[String]) -> String {
    let shown = items[..items.len().min(LISTED)].join(", ");
    match items.len().checked_sub(LISTED) {
        Some(more) if more > 0 => format!("{shown}, … and {more} more"),
        _ => shown,
    }
}

/// A short human-readable form of a binding, for logs: `http POST /add`, `cron */5 * * * * *`.
fn describe_trigger(trigger_type: &str, config: &Value) -> String {
    let text = |key: &str| config.get(key).and_then(Value::as_str);
    let detail = match trigger_type {
        "http" => text("api_path").map(|path| {
            let method = text("http_method").unwrap_or("GET").to_ascii_uppercase();
            format!("{method} /{}", path.trim_start_matches('/'))
        }),
        "cron" => text("expression").map(str::to_owned),
        "stream" => text("stream_name").map(str::to_owned),
        _ => text("topic").or_else(|| text("scope")).map(str::to_owned),
    };
    match detail {
        Some(detail) => format!("{trigger_type} {detail}"),
        None => trigger_type.to_owned(),
    }
}
