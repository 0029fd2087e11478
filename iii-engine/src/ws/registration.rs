//! Registration frames and reattach: functions (builtin ids are reserved), trigger bindings
//! and their removal, trigger types (the engine's own are reserved), and taking over from a
//! previous connection.

use std::sync::Arc;
use std::time::Duration;

use iii_protocol::triggers::types;
use iii_protocol::{
    ErrorBody, Reattach, RegisterFunction, RegisterTrigger, RegisterTriggerType,
    RegistrationRejected, TriggerRegistrationResult, Uuid, codes,
};

use super::frames::Conn;
use crate::builtins;
use crate::registry::{Refused, Unbound};

/// How long a reattach waits for the evicted connection's cleanup.
const REATTACH_EVICT_TIMEOUT: Duration = Duration::from_secs(5);

impl Conn {
    /// `registerfunction`: refused (`registrationrejected`, code `FUNCTION_NAMESPACE_CONFLICT`)
    /// for an id the engine provides itself (with an empty `owner_worker_id`, as the real
    /// engine answers for a reserved id), for one another live worker owns, past the
    /// per-connection cap, and for an HTTP-invoked function whose `invocation` fails its
    /// checks (the URL policy, a missing secret).
    pub(super) async fn register_function(&self, def: RegisterFunction) {
        let fid = def.id.clone();
        if builtins::is_builtin(&fid) {
            let why = "the engine provides this function itself";
            return self
                .refuse_function(fid, String::new(), why.to_owned())
                .await;
        }
        let http = match &def.invocation {
            None => None,
            Some(invocation) => match self.ep.http_functions.target(&fid, invocation).await {
                Ok(target) => Some(Arc::new(target)),
                Err(e) => {
                    let why = format!("the HTTP function cannot be registered: {e}");
                    return self.refuse_function(fid, String::new(), why).await;
                }
            },
        };
        let over_http = http.is_some();
        let (owner, why) = match self.ep.registry.claim_function(self.id, def, http) {
            Ok(()) => {
                let how = if over_http {
                    " (invoked over HTTP)"
                } else {
                    ""
                };
                tracing::info!("worker {} registered function {fid:?}{how}", self.name());
                return;
            }
            Err(Refused::Owned(owner)) => (
                owner.to_string(),
                format!("live worker {owner} owns this function"),
            ),
            Err(Refused::Cap(held)) => (
                String::new(),
                format!(
                    "this connection holds {held} functions already, the most one may \
                     (max_functions_per_worker)"
                ),
            ),
        };
        self.refuse_function(fid, owner, why).await;
    }

    /// Answers a refused `registerfunction`: `registrationrejected` with the only code that
    /// SDKs take as refusing one function (any other code stops them for good), and why.
    pub(super) async fn refuse_function(&self, fid: String, owner: String, why: String) {
        tracing::warn!("worker {}: function {fid:?} refused: {why}", self.id);
        self.send(RegistrationRejected {
            code: codes::FUNCTION_NAMESPACE_CONFLICT.into(),
            namespace: "default".into(),
            worker_name: None,
            function_id: Some(fid),
            owner_worker_id: owner,
            message: Some(why),
        })
        .await;
    }

    /// `registertrigger`: a refusal is answered `triggerregistrationresult` with the reason.
    pub(super) async fn register_trigger(&self, t: RegisterTrigger) {
        let (id, trigger_type, function_id) =
            (t.id.clone(), t.trigger_type.clone(), t.function_id.clone());
        let Err(message) = self.ep.triggers.register(self.id, Some(self.id), t).await else {
            return;
        };
        let error = ErrorBody::new(codes::TRIGGER_REGISTRATION_FAILED, message);
        self.refuse_trigger(id, trigger_type, function_id, error)
            .await;
    }

    /// Answers a refused `registertrigger` (or `registertriggertype`, whose id is the type's).
    pub(super) async fn refuse_trigger(
        &self,
        id: String,
        trigger_type: String,
        function_id: String,
        error: ErrorBody,
    ) {
        let what = if function_id.is_empty() {
            format!("trigger type {id:?}")
        } else {
            format!("{trigger_type:?} trigger {id:?} -> {function_id:?}")
        };
        tracing::warn!(
            "worker {}: {what} refused: {}",
            self.id,
            error.message.escape_debug()
        );
        self.send(TriggerRegistrationResult {
            id,
            trigger_type,
            function_id,
            error: Some(error),
        })
        .await;
    }

    /// `unregistertrigger`: removes a binding this worker made; anything else is ignored (the
    /// message has no answer), with a warning for another worker's binding.
    pub(super) async fn unregister_trigger(&self, id: &str) {
        if let Unbound::NotYours(holder) = self.ep.triggers.unregister(self.id, id).await {
            tracing::warn!(
                "worker {}: unregistertrigger {id:?} ignored: the binding belongs to {holder}",
                self.id
            );
        }
    }

    /// `registertriggertype`: makes this worker the type's provider, unless the engine
    /// implements the type itself (`http`, `cron`, …): then its bindings, routes included,
    /// stay the engine's, and the frame (which has no answer) is ignored with a warning.
    pub(super) async fn provide_trigger_type(&self, t: RegisterTriggerType) {
        if types::ENGINE_PROVIDED.contains(&t.id.as_str()) {
            tracing::warn!(
                "worker {}: registertriggertype {:?} ignored: the engine implements that type",
                self.id,
                t.id.escape_debug().to_string()
            );
            return;
        }
        self.ep
            .triggers
            .provide(self.id, self.link.clone(), t)
            .await;
    }

    /// Evicts the named previous connection when the token matches, and waits for its cleanup
    /// so that this connection's registration replay is not undone by it.
    pub(super) async fn reattach(&self, r: Reattach) {
        let Ok(previous) = Uuid::parse_str(&r.previous_worker_id) else {
            tracing::warn!("worker {}: reattach with a malformed worker id", self.id);
            return;
        };
        if previous == self.id {
            tracing::warn!("worker {}: reattach to itself ignored", self.id);
            return;
        }
        let previous_link = self
            .ep
            .registry
            .snapshot()
            .workers
            .get(&previous)
            .filter(|w| w.reattach_token.to_string() == r.reattach_token)
            .map(|w| w.link.clone());
        let Some(previous_link) = previous_link else {
            tracing::warn!(
                "worker {}: reattach to {previous} ignored (unknown worker or bad token)",
                self.id
            );
            return;
        };
        previous_link.evict.cancel();
        // `gone` is cancelled once the old connection's cleanup is done: waiting for it
        // needs no polling.
        let cleaned = tokio::time::timeout(REATTACH_EVICT_TIMEOUT, previous_link.gone.cancelled());
        if cleaned.await.is_err() {
            tracing::warn!(
                "worker {}: previous connection {previous} slow to go",
                self.id
            );
            return;
        }
        let handed = self.ep.registry.hand_over(previous, self.id);
        tracing::info!(
            "worker {} reattached, replacing {previous} ({handed} engine binding(s) handed over)",
            self.id
        );
    }
}
