//! The request log: [`RequestLog`], which invocations get a line and at which level, and the
//! line itself (target `iii::request`), written once an invocation has its outcome.

use std::collections::HashMap;
use std::time::Duration;

use tracing::{Level, field};
use uuid::Uuid;

use crate::error::Error;
use crate::trigger::TriggerKind;

/// The `tracing` target of request log lines (`RUST_LOG=iii::request=off` silences them).
pub const TARGET: &str = "iii::request";

/// Which invocations the request log writes a line for, and at which level.
///
/// One line per invocation, with the fields `function_id`, `trigger`, `invocation_id`, for
/// HTTP `method`, `path` (the route with its parameters filled in) and `status`, for errors
/// `code` and `error` (the message), and `duration_us`. The defaults:
///
/// - invocations fired by this worker's triggers (HTTP, cron, queue, …) at `INFO`;
/// - direct calls from other workers at `DEBUG`;
/// - failures (a status of 500 or more: handler errors, panics, timeouts) at `WARN`,
///   whatever fired them. Client errors (4xx) are logged at their trigger's level.
///
/// The line is a `tracing` event, so the subscriber's filter applies on top (`RUST_LOG`); a
/// level the filter disables costs a check of the callsite's interest and nothing else.
///
/// Queue deliveries are told apart from direct calls only when the engine delivers the
/// trigger's metadata with them (see [`TriggerKind`]); otherwise they are logged as calls.
/// An invocation the shutdown abandons (its grace ran out) gets no line: the drain logs
/// that it gave up, and its caller gets `shutdown`.
///
/// ```
/// use iii::observe::{Level, RequestLog};
///
/// // Every invocation at INFO, failures at ERROR.
/// let log = RequestLog::new().calls(Level::INFO).failures(Level::ERROR);
/// // Only failures.
/// let quiet = RequestLog::off().failures(Level::WARN);
/// # let _ = (log, quiet);
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RequestLog {
    triggered: Option<Level>,
    calls: Option<Level>,
    failures: Option<Level>,
}

impl Default for RequestLog {
    fn default() -> Self {
        Self::new()
    }
}

impl RequestLog {
    /// The defaults: triggered invocations at `INFO`, direct calls at `DEBUG`, failures at
    /// `WARN`.
    pub fn new() -> Self {
        Self {
            triggered: Some(Level::INFO),
            calls: Some(Level::DEBUG),
            failures: Some(Level::WARN),
        }
    }

    /// No line for any invocation.
    pub fn off() -> Self {
        Self {
            triggered: None,
            calls: None,
            failures: None,
        }
    }

    /// The level of invocations fired by this worker's triggers (`None`: no line).
    #[must_use]
    pub fn triggered(mut self, level: impl Into<Option<Level>>) -> Self {
        self.triggered = level.into();
        self
    }

    /// The level of direct calls (`None`: no line).
    #[must_use]
    pub fn calls(mut self, level: impl Into<Option<Level>>) -> Self {
        self.calls = level.into();
        self
    }

    /// The level of failures, status 500 and above (`None`: logged like the rest).
    #[must_use]
    pub fn failures(mut self, level: impl Into<Option<Level>>) -> Self {
        self.failures = level.into();
        self
    }

    /// The level of the line for an invocation of `trigger` that ended with `status`.
    pub(crate) fn level(&self, trigger: TriggerKind, status: u16) -> Option<Level> {
        let by_trigger = match trigger {
            TriggerKind::Call => self.calls,
            _ => self.triggered,
        };
        match self.failures {
            Some(level) if status >= 500 => Some(level),
            _ => by_trigger,
        }
    }

    /// Whether an invocation of `trigger` may get a line, whatever its outcome: decides
    /// whether the request's path is worth keeping before the handler runs.
    pub(crate) fn may_log(&self, trigger: TriggerKind) -> bool {
        [self.level(trigger, 200), self.level(trigger, 500)]
            .into_iter()
            .flatten()
            .any(enabled)
    }
}

/// What fired an invocation, as the log and the spans name it.
pub(crate) fn trigger_name(kind: TriggerKind) -> &'static str {
    match kind {
        TriggerKind::Http => "http",
        TriggerKind::Cron => "cron",
        TriggerKind::Queue => "queue",
        TriggerKind::Subscribe => "subscribe",
        TriggerKind::Kv => "kv",
        TriggerKind::Stream => "stream",
        TriggerKind::Other => "other",
        TriggerKind::Call => "call",
    }
}

/// Whether a request log line at `level` would be recorded by the current subscriber.
pub(crate) fn enabled(level: Level) -> bool {
    // `enabled!` wants a constant level: one callsite per level.
    match level {
        Level::ERROR => tracing::enabled!(target: TARGET, Level::ERROR),
        Level::WARN => tracing::enabled!(target: TARGET, Level::WARN),
        Level::INFO => tracing::enabled!(target: TARGET, Level::INFO),
        Level::DEBUG => tracing::enabled!(target: TARGET, Level::DEBUG),
        _ => tracing::enabled!(target: TARGET, Level::TRACE),
    }
}

/// The HTTP request of an invocation, as its line shows it.
#[derive(Debug)]
pub(crate) struct HttpLine {
    method: String,
    path: String,
}

impl HttpLine {
    /// The method, and the route `template` with its `:name` segments replaced by `params`.
    pub(crate) fn new(method: &str, template: &str, params: &HashMap<String, String>) -> Self {
        Self {
            method: method.to_owned(),
            path: request_path(template, params),
        }
    }
}

/// `/users/:id` with `{id: 42}` is `/users/42`. A segment without a value stays as it is.
fn request_path(template: &str, params: &HashMap<String, String>) -> String {
    let mut path = String::with_capacity(template.len() + 16);
    for segment in template.trim_start_matches('/').split('/') {
        path.push('/');
        let value = segment.strip_prefix(':').and_then(|name| params.get(name));
        path.push_str(value.map_or(segment, String::as_str));
    }
    path
}

/// One invocation's outcome, as its line shows it.
pub(crate) struct Served<'a> {
    pub(crate) function_id: &'a str,
    pub(crate) trigger: TriggerKind,
    pub(crate) invocation_id: Option<Uuid>,
    pub(crate) http: Option<&'a HttpLine>,
    pub(crate) status: u16,
    pub(crate) error: Option<&'a Error>,
    pub(crate) elapsed: Duration,
}

/// Writes `served`'s line at `level`.
pub(crate) fn write(level: Level, served: &Served<'_>) {
    let message = match served.status {
        500.. => "failed",
        400.. => "rejected",
        _ => "served",
    };
    let duration_us = u64::try_from(served.elapsed.as_micros()).unwrap_or(u64::MAX);
    let http = served.http;
    macro_rules! write_at {
        ($level:expr) => {
            tracing::event!(
                target: TARGET,
                $level,
                function_id = %served.function_id,
                trigger = %trigger_name(served.trigger),
                invocation_id = served.invocation_id.map(field::display),
                method = http.map(|h| field::display(&h.method)),
                path = http.map(|h| field::display(&h.path)),
                status = http.map(|_| served.status),
                code = served.error.map(|e| field::display(e.code())),
                error = served.error.map(field::display),
                duration_us,
                "{message}"
            )
        };
    }
    match level {
        Level::ERROR => write_at!(Level::ERROR),
        Level::WARN => write_at!(Level::WARN),
        Level::INFO => write_at!(Level::INFO),
        Level::DEBUG => write_at!(Level::DEBUG),
        _ => write_at!(Level::TRACE),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_are_rebuilt_from_the_route_and_its_parameters() {
        let params: HashMap<String, String> = [("id", "42"), ("tab", "a%20b")]
            .into_iter()
            .map(|(k, v)| (k.to_owned(), v.to_owned()))
            .collect();
        assert_eq!(request_path("/users/:id", &params), "/users/42");
        assert_eq!(request_path("users/:id/:tab", &params), "/users/42/a%20b");
        assert_eq!(request_path("files/:missing", &params), "/files/:missing");
        assert_eq!(request_path("", &params), "/");
        assert_eq!(request_path("trailing/", &params), "/trailing/");
    }

    #[test]
    fn levels_follow_the_trigger_and_failures_override() {
        let log = RequestLog::new();
        assert_eq!(log.level(TriggerKind::Http, 200), Some(Level::INFO));
        assert_eq!(log.level(TriggerKind::Http, 404), Some(Level::INFO));
        assert_eq!(log.level(TriggerKind::Cron, 503), Some(Level::WARN));
        assert_eq!(log.level(TriggerKind::Call, 200), Some(Level::DEBUG));
        assert_eq!(log.level(TriggerKind::Call, 500), Some(Level::WARN));
        let off = RequestLog::off();
        assert_eq!(off.level(TriggerKind::Http, 500), None);
        let failures_only = RequestLog::off().failures(Level::ERROR);
        assert_eq!(failures_only.level(TriggerKind::Http, 200), None);
        assert_eq!(
            failures_only.level(TriggerKind::Call, 502),
            Some(Level::ERROR)
        );
        let no_override = RequestLog::new().failures(None);
        assert_eq!(
            no_override.level(TriggerKind::Call, 500),
            Some(Level::DEBUG)
        );
    }
}
