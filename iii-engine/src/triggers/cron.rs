//! `cron` triggers: seconds-first schedules (the `cron` crate's syntax), one sequential job per
//! binding.

use std::str::FromStr;
use std::sync::Arc;

use chrono::{SecondsFormat, Utc};
use cron::Schedule;
use serde_json::{Value, json};

use crate::hub::Hub;

/// What a job fires.
pub(crate) struct Job {
    pub(crate) trigger_id: String,
    pub(crate) function_id: String,
    pub(crate) condition: Option<String>,
    pub(crate) metadata: Option<Value>,
}

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

/// Runs a job until it is aborted or the engine stops. The next tick is computed after the
/// previous fire returned, so ticks missed during a slow run are skipped, never overlapped.
pub(crate) async fn run(hub: Arc<Hub>, schedule: Schedule, job: Job) {
    loop {
        let Some(next) = schedule.upcoming(Utc).next() else {
            tracing::info!("cron job {:?} has no further ticks", job.trigger_id);
            return;
        };
        let wait = (next - Utc::now()).to_std().unwrap_or_default();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = hub.shutdown.wait() => return,
        }
        let payload = json!({
            "trigger": "cron",
            "job_id": job.trigger_id,
            "scheduled_time": next.to_rfc3339_opts(SecondsFormat::Secs, false),
            "actual_time": Utc::now().to_rfc3339_opts(SecondsFormat::Nanos, false),
        });
        let fired = tokio::select! {
            r = super::fire(&hub, &job.function_id, job.condition.clone(), &payload,
                            job.metadata.clone()) => r,
            () = hub.shutdown.wait() => return,
        };
        if let Err(e) = fired {
            tracing::warn!(
                "cron job {:?} -> {:?} failed: {}",
                job.trigger_id,
                job.function_id,
                e.to_string().escape_debug()
            );
        }
    }
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
