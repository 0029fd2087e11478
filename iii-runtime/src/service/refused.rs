//! [`Standby`]: what the service keeps about refused functions across retries (when to claim
//! them again, the hidden function that hears when, who held each), and the names the
//! hand-over shares with the standbys.

use std::collections::HashMap;
use std::time::Duration;

use iii_protocol::raw;
use serde_json::json;
use tokio::time::Instant;

use crate::status::Refusal;

/// The pub/sub topic on which a worker that shuts down names the functions it released.
pub(super) const RELEASED_TOPIC: &str = "iii-rs::released";

/// The prefix of the hidden function that hears when to claim again.
pub(super) const WATCHER_PREFIX: &str = "iii-rs::standby::";

/// The first retry, doubled up to the last.
pub(super) const RETRY_FIRST: Duration = Duration::from_millis(250);
pub(super) const RETRY_MAX: Duration = Duration::from_secs(10);

/// The service's record of refused functions across retries.
#[derive(Default)]
pub(super) struct Standby {
    /// When to claim the refused functions again.
    pub(super) retry_at: Option<Instant>,
    pub(super) attempt: u32,
    /// The hidden function and its triggers, while any function is refused.
    pub(super) watcher: Option<(String, Vec<String>)>,
    /// Every function refused since it was last held, with who held it: to say so on takeover.
    pub(super) refused: HashMap<String, Refusal>,
}

impl Standby {
    /// Whether `id` is the hidden function, which no summary lists.
    pub(super) fn is_watcher(id: &str) -> bool {
        id.starts_with(WATCHER_PREFIX)
    }
}

/// The payload of the notice a worker that hands over publishes on [`RELEASED_TOPIC`].
pub(super) fn released_notice(functions: &[String]) -> Box<iii_protocol::RawValue> {
    raw::to_raw(&json!({"topic": RELEASED_TOPIC, "data": {"released": functions}}))
        .unwrap_or_else(|_| raw::null())
}
