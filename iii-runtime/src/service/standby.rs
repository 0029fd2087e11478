//! Functions the engine refused because another live worker holds them (another copy of the
//! same program, usually): reporting them, and claiming them again when that may succeed.
//!
//! On the first connection a refusal is reported (`Worker::ready` answers
//! `Error::Refused`, and `#[iii::main]` exits with it), unless the worker is a standby. A
//! standby, and any worker on a later connection (where a refusal usually means that the
//! engine has not yet reaped the worker's own previous connection), claims the functions
//! again: at once when it learns that their holder may be gone, else on a bounded backoff.
//! It learns it through a hidden function of its own bound to the engine's
//! `engine::workers-available` (a worker disconnected) and `engine::functions-available`
//! (the set of functions changed) triggers, and to the `iii-rs::released` pub/sub topic, on
//! which a worker shutting down names the functions it just unregistered.

use iii_protocol::{RegistrationRejected, UnregisterFunction};
use serde_json::{Value, json};
use tokio::time::Instant;

use super::conn::{Conn, Stage};
use super::refused::{RELEASED_TOPIC, RETRY_FIRST, RETRY_MAX, WATCHER_PREFIX};
use super::task::Service;
use crate::status::Refusal;
use crate::trigger::Trigger;
use crate::worker::{Command, Function, Invocation};

impl Service {
    /// `registrationrejected` for one function.
    pub(super) fn on_refused(&mut self, r: RegistrationRejected) {
        let function_id = r.function_id.unwrap_or_default();
        let mut refusal = Refusal::new(function_id.clone(), r.owner_worker_id);
        refusal.owner_name = r.worker_name;
        if !self.claims.refused(refusal.clone()) {
            tracing::debug!(%function_id, "ignored a refusal of a function this worker did not claim");
            return;
        }
        // A refusal after the function's triggers went out (an engine that answers the ping
        // before it applies the registrations): take them back.
        self.withdraw_triggers(&function_id);
        let first = self
            .standby
            .refused
            .insert(function_id, refusal.clone())
            .is_none();
        let settled = !matches!(
            self.conn,
            Conn::Open {
                stage: Stage::Registering,
                ..
            }
        );
        if first && self.retries() {
            if self.config.standby {
                tracing::info!(
                    "standing by: {refusal}; taking it over as soon as that worker goes away"
                );
            } else {
                tracing::warn!(
                    "after a reconnect, {refusal} (probably this worker's previous connection, not yet gone); claiming it again"
                );
            }
        }
        if settled {
            self.refusals_settled();
        }
    }

    /// Whether refused functions are claimed again (else they are only reported).
    fn retries(&self) -> bool {
        self.config.standby || self.ever_ready
    }

    /// The refusals of the connection's start are known (or a late one arrived).
    pub(super) fn refusals_settled(&mut self) {
        self.republish();
        if self.claims.refusals().is_empty() {
            self.stop_watching();
            return;
        }
        if !self.retries() {
            tracing::debug!("functions refused on the first connection: reported by `ready`");
            return;
        }
        self.watch();
        if self.standby.retry_at.is_none() {
            self.standby.retry_at = Some(Instant::now() + RETRY_FIRST);
        }
    }

    /// The backoff timer: claim the refused functions again, and wait longer next time.
    pub(super) fn on_retry_timer(&mut self) {
        self.standby.attempt = self.standby.attempt.saturating_add(1);
        let delay = RETRY_FIRST
            .saturating_mul(2u32.saturating_pow(self.standby.attempt.min(16)))
            .min(RETRY_MAX);
        self.standby.retry_at = Some(Instant::now() + delay);
        self.claim_refused();
    }

    fn claim_refused(&mut self) {
        if !matches!(
            self.conn,
            Conn::Open {
                stage: Stage::Binding(_) | Stage::Ready,
                ..
            }
        ) {
            return;
        }
        for refusal in self.claims.refusals() {
            self.claim(&refusal.function_id);
        }
    }

    /// Functions just held: those refused before were taken over.
    pub(super) fn took_over(&mut self, held: &[String]) {
        for id in held {
            if let Some(before) = self.standby.refused.remove(id) {
                tracing::info!(
                    "took over `{id}` (its holder, worker {}, is gone)",
                    before.owner_worker_id
                );
            }
        }
        if !held.is_empty() && self.claims.refusals().is_empty() {
            self.standby.retry_at = None;
            self.standby.attempt = 0;
            self.stop_watching();
            self.republish();
        }
    }

    /// What the hidden function heard: claim again at once if the holder may be gone.
    pub(super) fn on_hint(&mut self, hint: Value) {
        let refusals = self.claims.refusals();
        let named = |list: &Value| -> Vec<String> {
            list.as_array()
                .map(|a| {
                    a.iter()
                        .filter_map(|f| f.get("function_id").or(Some(f)).and_then(Value::as_str))
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default()
        };
        let worth = match hint.get("event").and_then(Value::as_str) {
            Some("worker_disconnected") => {
                let gone = hint.get("worker_id").and_then(Value::as_str);
                refusals
                    .iter()
                    .any(|r| Some(r.owner_worker_id.as_str()) == gone)
            }
            Some("functions_changed") => {
                let now = named(&hint["functions"]);
                refusals.iter().any(|r| !now.contains(&r.function_id))
            }
            _ => {
                let released = named(&hint["released"]);
                refusals.iter().any(|r| released.contains(&r.function_id))
            }
        };
        if worth {
            tracing::debug!(%hint, "the holder of a refused function may be gone; claiming it");
            self.standby.attempt = 0;
            self.standby.retry_at = Some(Instant::now() + RETRY_FIRST);
            self.claim_refused();
        }
    }

    /// Registers the hidden function and its triggers (once).
    fn watch(&mut self) {
        if self.standby.watcher.is_some() {
            return;
        }
        let id = format!("{WATCHER_PREFIX}{}", uuid::Uuid::new_v4());
        let function = Function::from_erased(|mut inv: Invocation| {
            Box::pin(async move {
                let hint: Value = inv.input().unwrap_or(Value::Null);
                inv.context().worker().command(Command::Hint(hint));
                crate::worker::json_reply(&())
            })
        })
        .description("iii-rs: claims refused functions again when their holder goes away")
        .metadata(json!({"internal": true}));
        self.admission.register(id.clone(), function);
        self.claim(&id);
        let triggers = [
            ("engine::workers-available", Value::Null),
            ("engine::functions-available", Value::Null),
            ("subscribe", json!({"topic": RELEASED_TOPIC})),
        ]
        .map(|(trigger_type, config)| {
            // In the worker's namespace, where the hidden function is registered (and where
            // a copy handing over publishes the released topic).
            Trigger::new(trigger_type, id.clone(), config).into_frame(
                uuid::Uuid::new_v4().to_string(),
                self.config.namespace.as_deref(),
            )
        });
        let ids = triggers.iter().map(|t| t.id.clone()).collect();
        self.triggers.extend(triggers);
        self.standby.watcher = Some((id, ids));
    }

    /// Removes the hidden function and its triggers once nothing is refused.
    fn stop_watching(&mut self) {
        let Some((id, trigger_ids)) = self.standby.watcher.take() else {
            return;
        };
        self.withdraw_triggers(&id);
        self.triggers.retain(|t| !trigger_ids.contains(&t.id));
        self.claims.forget(&id);
        if self.admission.unregister(&id) {
            self.send_control(iii_protocol::Message::UnregisterFunction(
                UnregisterFunction { id },
            ));
        }
    }
}
