//! The worker's metrics, through the [`metrics`](https://docs.rs/metrics) facade: their names,
//! and the per-function handles the dispatch records into.
//!
//! Every metric goes to the recorder installed in the process (`metrics::set_global_recorder`,
//! or an exporter such as `metrics-exporter-prometheus`, which
//! `App::prometheus` installs with the `prometheus` feature). With
//! none installed, recording is a call into the facade's no-op recorder: nothing is allocated,
//! nothing is stored. A function's handles are registered with the recorder at its first
//! invocation, so install the recorder before the worker serves.
//!
//! | name | kind | labels | what it counts |
//! |---|---|---|---|
//! | `iii_invocations_total` | counter | `function_id` | invocations that ended (answered, failed or timed out) |
//! | `iii_invocation_errors_total` | counter | `function_id`, `code` | invocations that ended with an error, by error code |
//! | `iii_invocation_duration_seconds` | histogram | `function_id` | time from the start of the handler to its outcome |
//! | `iii_invocations_in_flight` | gauge | `function_id` | invocations running now |
//! | `iii_reconnects_total` | counter | | connections to the engine made again after one was lost |
//! | `iii_engine_logs_dropped_total` | counter | | log events not forwarded to the engine because its queue was full or closed |

use std::sync::{Arc, OnceLock};
use std::time::Duration;

use metrics::{Counter, Gauge, Histogram, SharedString, Unit};

/// Invocations that ended, by `function_id`.
pub const INVOCATIONS: &str = "iii_invocations_total";
/// Invocations that ended with an error, by `function_id` and `code`.
pub const ERRORS: &str = "iii_invocation_errors_total";
/// Duration of invocations in seconds, by `function_id`.
pub const DURATION: &str = "iii_invocation_duration_seconds";
/// Invocations running now, by `function_id`.
pub const IN_FLIGHT: &str = "iii_invocations_in_flight";
/// Connections to the engine made again after one was lost.
pub const RECONNECTS: &str = "iii_reconnects_total";
/// Log events that were not forwarded to the engine (queue full or closed).
pub const ENGINE_LOGS_DROPPED: &str = "iii_engine_logs_dropped_total";

/// Describes the worker's metrics (help text and units) to the installed recorder.
pub fn describe() {
    metrics::describe_counter!(INVOCATIONS, "Invocations that ended, by function.");
    metrics::describe_counter!(
        ERRORS,
        "Invocations that ended with an error, by function and error code."
    );
    metrics::describe_histogram!(
        DURATION,
        Unit::Seconds,
        "Duration of invocations, by function."
    );
    metrics::describe_gauge!(IN_FLIGHT, "Invocations running now, by function.");
    metrics::describe_counter!(
        RECONNECTS,
        "Connections to the engine made again after one was lost."
    );
    metrics::describe_counter!(
        ENGINE_LOGS_DROPPED,
        "Log events not forwarded to the engine because its queue was full or closed."
    );
}

/// One function's metric handles, registered with the recorder at its first invocation.
pub(crate) struct FunctionMetrics {
    id: Arc<str>,
    handles: OnceLock<Handles>,
}

struct Handles {
    invocations: Counter,
    duration: Histogram,
    in_flight: Gauge,
}

impl FunctionMetrics {
    pub(crate) fn new(function_id: Arc<str>) -> Self {
        Self {
            id: function_id,
            handles: OnceLock::new(),
        }
    }

    fn label(&self) -> SharedString {
        // Shared, not copied: a label is a reference count on the function id.
        SharedString::from_shared(Arc::clone(&self.id))
    }

    fn handles(&self) -> &Handles {
        self.handles.get_or_init(|| Handles {
            invocations: metrics::counter!(INVOCATIONS, "function_id" => self.label()),
            duration: metrics::histogram!(DURATION, "function_id" => self.label()),
            in_flight: metrics::gauge!(IN_FLIGHT, "function_id" => self.label()),
        })
    }

    /// An invocation started.
    pub(crate) fn started(&self) {
        self.handles().in_flight.increment(1.0);
    }

    /// An invocation that started ended after `elapsed`, with the error `code` if it failed.
    pub(crate) fn ended(&self, elapsed: Duration, code: Option<&str>) {
        let handles = self.handles();
        handles.in_flight.decrement(1.0);
        handles.invocations.increment(1);
        handles.duration.record(elapsed);
        if let Some(code) = code {
            // Errors are the rare case: their handle is looked up each time, by code.
            metrics::counter!(ERRORS, "function_id" => self.label(), "code" => code.to_owned())
                .increment(1);
        }
    }

    /// An invocation that started was abandoned without an outcome (shutdown).
    pub(crate) fn abandoned(&self) {
        self.handles().in_flight.decrement(1.0);
    }
}

/// The worker connected to the engine again after it lost a connection.
pub(crate) fn reconnected() {
    metrics::counter!(RECONNECTS).increment(1);
}

/// A log event was not forwarded to the engine.
pub(crate) fn engine_log_dropped() {
    metrics::counter!(ENGINE_LOGS_DROPPED).increment(1);
}
