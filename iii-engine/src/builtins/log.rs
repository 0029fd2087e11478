//! `engine::log::{trace,debug,info,warn,error}`: a worker's log line, written to the engine's
//! own log (target `iii::worker`) with the caller and whatever data came with it. The SDKs'
//! loggers call these, and access-controlled listeners always allow them.

use iii_protocol::Uuid;
use serde::Deserialize;
use serde_json::Value;
use tracing::Level;

use crate::codec::{Outcome, input, null};

/// What the SDKs send.
#[derive(Deserialize)]
struct Line {
    message: String,
    #[serde(default)]
    data: Option<Value>,
    #[serde(default)]
    service_name: Option<String>,
    #[serde(default)]
    trace_id: Option<String>,
}

/// Writes one line at `level`; no result.
pub(super) fn write(level: Level, caller: Option<Uuid>, data: &str) -> Outcome {
    let line: Line = input(data)?;
    let from = line
        .service_name
        .or_else(|| caller.map(|c| c.to_string()))
        .unwrap_or_else(|| "iii-engine".to_owned());
    let data = line.data.map(|d| d.to_string()).unwrap_or_default();
    let trace = line.trace_id.unwrap_or_default();
    let message = line.message.escape_debug().to_string();
    // `tracing`'s macros take the level as a constant, hence one arm per level.
    match level {
        Level::TRACE => {
            tracing::trace!(target: "iii::worker", from = %from, trace = %trace, data = %data, "{message}")
        }
        Level::DEBUG => {
            tracing::debug!(target: "iii::worker", from = %from, trace = %trace, data = %data, "{message}")
        }
        Level::INFO => {
            tracing::info!(target: "iii::worker", from = %from, trace = %trace, data = %data, "{message}")
        }
        Level::WARN => {
            tracing::warn!(target: "iii::worker", from = %from, trace = %trace, data = %data, "{message}")
        }
        Level::ERROR => {
            tracing::error!(target: "iii::worker", from = %from, trace = %trace, data = %data, "{message}")
        }
    }
    null()
}
