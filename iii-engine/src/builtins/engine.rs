//! The engine's trigger functions: `engine::register_trigger` (a binding owned by the engine,
//! which outlives its caller), `engine::unregister_trigger` (by the worker that made the
//! binding, and only by it) and `engine::registered-triggers::list`.

use iii_protocol::{ErrorBody, RegisterTrigger, Uuid, codes};
use serde::Deserialize;
use serde_json::{Value, json};

use super::context::Context;
use crate::codec::{Outcome, input, input_or_default, reply};
use crate::registry::{ENGINE_OWNER, Unbound};

/// Longest `config_summary` of `engine::registered-triggers::list`, in characters.
const SUMMARY_MAX: usize = 80;

#[derive(Deserialize)]
struct RegisterInput {
    trigger_type: String,
    function_id: String,
    #[serde(default)]
    config: Value,
    #[serde(default)]
    metadata: Option<Value>,
}

/// `engine::register_trigger`: a binding owned by the engine, which outlives its caller; the
/// calling worker is recorded as the one that may remove it.
pub(super) async fn register(c: &Context, caller: Option<Uuid>, data: &str) -> Outcome {
    let req: RegisterInput = input(data)?;
    let id = Uuid::new_v4().to_string();
    let msg = RegisterTrigger {
        id: id.clone(),
        trigger_type: req.trigger_type,
        function_id: req.function_id,
        config: req.config,
        metadata: req.metadata,
        namespace: None,
        trigger_namespace: None,
    };
    c.triggers
        .register(ENGINE_OWNER, caller, msg)
        .await
        .map_err(|m| ErrorBody::new(codes::TRIGGER_REGISTRATION_FAILED, m))?;
    reply(&json!({ "id": id }))
}

#[derive(Deserialize)]
struct UnregisterInput {
    id: String,
}

/// `engine::unregister_trigger`: `{id}` → `{"removed": bool}` (`false` for an unknown id);
/// a binding another worker made is refused with `FORBIDDEN`, like one made with no calling
/// worker (from an HTTP route or a cron tick).
pub(super) async fn unregister(c: &Context, caller: Option<Uuid>, data: &str) -> Outcome {
    let req: UnregisterInput = input(data)?;
    let unbound = match caller {
        Some(worker) => c.triggers.unregister(worker, &req.id).await,
        None => {
            let snapshot = c.registry.snapshot();
            let binding = snapshot.triggers.get(req.id.as_str());
            binding.map_or(Unbound::Unknown, |b| Unbound::NotYours(snapshot.holder(b)))
        }
    };
    match unbound {
        Unbound::Removed => reply(&json!({ "removed": true })),
        Unbound::Unknown => reply(&json!({ "removed": false })),
        Unbound::NotYours(holder) => Err(ErrorBody::new(
            codes::FORBIDDEN,
            format!(
                "trigger {:?} belongs to {holder}; only the worker that made it may remove it",
                req.id
            ),
        )),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListInput {
    search: Option<String>,
    trigger_type: Option<String>,
    function_id: Option<String>,
    worker: Option<String>,
    include_internal: bool,
    include_pending: bool,
}

/// `engine::registered-triggers::list` → `{"registered_triggers":[…]}`.
pub(super) fn list(c: &Context, data: &str) -> Outcome {
    let filter: ListInput = input_or_default(data)?;
    let snap = c.registry.snapshot();
    let mut rows: Vec<Value> = Vec::new();
    for (id, t) in snap.triggers.iter() {
        let worker = snap.owner_name(t.owner);
        let status = t.activation.status();
        let lowered = filter.search.as_deref().map(str::to_lowercase);
        let keep = (filter.include_internal || !t.function_id.starts_with("engine::"))
            && (filter.include_pending || status == "active")
            && filter
                .trigger_type
                .as_ref()
                .is_none_or(|x| *x == t.trigger_type)
            && filter
                .function_id
                .as_ref()
                .is_none_or(|x| *x == t.function_id)
            && filter.worker.as_ref().is_none_or(|x| *x == worker)
            && lowered.as_ref().is_none_or(|s| {
                [id.as_str(), &t.trigger_type, &t.function_id]
                    .iter()
                    .any(|h| h.to_lowercase().contains(s.as_str()))
            });
        if !keep {
            continue;
        }
        rows.push(json!({
            "id": id, "trigger_type": t.trigger_type, "function_id": t.function_id,
            "worker_name": worker, "status": status, "config": t.config,
            "config_summary": summary(&t.config),
        }));
    }
    rows.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    reply(&json!({ "registered_triggers": rows }))
}

fn summary(config: &Value) -> String {
    let text = config.to_string();
    if text.chars().count() <= SUMMARY_MAX {
        return text;
    }
    let mut cut: String = text.chars().take(SUMMARY_MAX).collect();
    cut.push('…');
    cut
}
