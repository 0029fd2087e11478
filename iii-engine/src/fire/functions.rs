//! `engine::functions-available`: watches the registry's function set and raises one event
//! with the current list whenever the set of ids changed, coalescing bursts of changes.

use std::sync::Arc;
use std::time::Duration;

use serde_json::Value;

use crate::builtins::functions_list;
use crate::events::{Event, Fires};
use crate::registry::Registry;
use crate::tasks::Tasks;

/// Runs until the engine stops.
pub(crate) async fn watch_functions(
    registry: Arc<Registry>,
    fires: Fires,
    coalesce: Duration,
    tasks: Tasks,
) {
    let mut changed = registry.functions_changed();
    let mut last = registry.snapshot().function_ids();
    loop {
        // Cancel-safe: `changed` only observes the watch channel's version.
        tokio::select! {
            r = changed.changed() => if r.is_err() { return },
            () = tasks.stopping() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(coalesce) => {}
            () = tasks.stopping() => return,
        }
        // Changes made while sleeping are part of this round.
        changed.mark_unchanged();
        let snapshot = registry.snapshot();
        let now = snapshot.function_ids();
        if now == last {
            continue;
        }
        last = now;
        let functions = functions_list(&snapshot, None, "null")
            .ok()
            .flatten()
            .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
            .map_or(Value::Null, |mut v| v["functions"].take());
        fires.send(Event::Functions { functions }).await;
    }
}
