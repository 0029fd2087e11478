//! `cron` triggers: seconds-first schedules (the `cron` crate's syntax), one sequential job per
//! binding. A job only tells time: each tick is claimed in the cron bookkeeping
//! (`crate::stores::cron`, so that no tick fires twice, even across a restart) and is then an
//! event for the firing owner, which fires the binding like any other.

use std::str::FromStr;

use chrono::{DateTime, SecondsFormat, Utc};
use cron::Schedule;
use serde_json::{Value, json};
use tokio::sync::oneshot;

use crate::events::{Event, Fires};
use crate::registry::{Activation, Registry};
use crate::stores::Owner;
use crate::stores::cron::CronStore;
use crate::stores::db::StoreError;
use crate::tasks::Tasks;

/// Parses a trigger's `expression`. Classic 5-field expressions are refused, as the engine
/// does, rather than guessed at.
pub(crate) fn parse(config: &Value) -> Result<Schedule, String> {
    let expression = config
        .get("expression")
        .and_then(Value::as_str)
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or("Cron expression is required")?;
    let fields = expression.split_whitespace().count();
    if !expression.starts_with('@') && !(6..=7).contains(&fields) {
        return Err(format!(
            "Invalid cron expression '{expression}': expected 6 or 7 fields \
             (sec min hour day-of-month month day-of-week [year]), got {fields}"
        ));
    }
    Schedule::from_str(expression)
        .map_err(|e| format!("Invalid cron expression '{expression}': {e}"))
}

/// Runs the job of binding `trigger_id` until it is aborted or the engine stops. The next
/// tick is computed after the previous fire ended, so ticks missed during a slow run are
/// skipped, never overlapped.
pub(crate) async fn run(
    fires: Fires,
    tasks: Tasks,
    crons: Owner<CronStore, Event>,
    schedule: Schedule,
    trigger_id: String,
) {
    loop {
        let Some(next) = schedule.upcoming(Utc).next() else {
            tracing::info!("cron job {trigger_id:?} has no further ticks");
            return;
        };
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = tasks.stopping() => return,
        }
        let (job, tick) = (trigger_id.clone(), next.timestamp_millis());
        match crons.run(move |c| (c.claim(&job, tick), None)).await {
            Ok(true) => {}
            Ok(false) => {
                tracing::debug!("cron job {trigger_id:?} fired {next} already; skipped");
                continue;
            }
            Err(StoreError::Stopping) => return,
            // Firing without the record loses only the at-most-once guarantee of this tick.
            Err(e) => tracing::warn!("cron job {trigger_id:?}: {e}; firing {next} anyway"),
        }
        let payload = payload(&trigger_id, next);
        let (done, fired) = oneshot::channel();
        let tick = Event::Cron {
            trigger_id: trigger_id.clone(),
            payload,
            done,
        };
        // Cancel-safe: dropping the send or the wait on shutdown loses only this tick.
        tokio::select! {
            () = fires.send(tick) => {}
            () = tasks.stopping() => return,
        }
        tokio::select! {
            _ = fired => {}
            () = tasks.stopping() => return,
        }
    }
}

/// What a tick of binding `trigger_id` scheduled for `scheduled` sends its function.
fn payload(trigger_id: &str, scheduled: DateTime<Utc>) -> Value {
    json!({
        "trigger": "cron",
        "job_id": trigger_id,
        "scheduled_time": scheduled.to_rfc3339_opts(SecondsFormat::Secs, false),
        "actual_time": Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, false),
    })
}

/// Fires every cron binding of `function_id` now, out of schedule (for tests:
/// `EngineHandle::fire_cron`), and waits until each fire has ended; returns how many there
/// were. The tick is not claimed in the cron bookkeeping: the schedule's own ticks still fire.
pub(crate) async fn fire_now(registry: &Registry, fires: &Fires, function_id: &str) -> usize {
    let snapshot = registry.snapshot();
    let bindings: Vec<String> = snapshot
        .triggers
        .iter()
        .filter(|(_, t)| {
            t.function_id == function_id && matches!(t.activation, Activation::Cron(_))
        })
        .map(|(id, _)| id.clone())
        .collect();
    let mut fired = Vec::with_capacity(bindings.len());
    for trigger_id in bindings {
        let (done, ended) = oneshot::channel();
        let payload = payload(&trigger_id, Utc::now());
        fires
            .send(Event::Cron {
                trigger_id,
                payload,
                done,
            })
            .await;
        fired.push(ended);
    }
    let count = fired.len();
    for ended in fired {
        // `done` is dropped once the fire ended (or found nothing to fire).
        let _ = ended.await;
    }
    count
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_six_and_seven_fields_and_shortcuts() {
        for ok in [
            "*/2 * * * * *",
            "0 0 9 * * MON-FRI 2030",
            "@daily",
            "0 0 * * * ?",
        ] {
            assert!(parse(&json!({ "expression": ok })).is_ok(), "{ok}");
        }
    }

    #[test]
    fn rejects_five_fields_and_garbage() {
        for bad in ["*/5 * * * *", "", "every minute", "0 0 0 * * 0"] {
            assert!(parse(&json!({ "expression": bad })).is_err(), "{bad}");
        }
        assert!(parse(&json!({})).is_err());
        assert!(parse(&Value::Null).is_err());
    }
}
