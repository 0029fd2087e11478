//! The engine's own trigger types and trigger functions: `engine::workers-available`,
//! `engine::functions-available`, `engine::register_trigger`, `engine::unregister_trigger` and
//! `engine::registered-triggers::list`.

use std::sync::Arc;

use iii_protocol::{ErrorBody, RegisterTrigger, Uuid, codes};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::builtins::{input, is_null, reply};
use crate::hub::Hub;
use crate::introspect;
use crate::registry::{Activation, ENGINE_OWNER, Outcome};

/// Trigger type fired when a worker connects, announces itself or disconnects.
pub(crate) const WORKERS_AVAILABLE: &str = "engine::workers-available";
/// Trigger type fired when the set of registered functions changes.
pub(crate) const FUNCTIONS_AVAILABLE: &str = "engine::functions-available";
/// Id of the builtin that makes a durable binding.
pub(crate) const REGISTER_TRIGGER: &str = "engine::register_trigger";
/// Id of the builtin that removes a binding by id.
pub(crate) const UNREGISTER_TRIGGER: &str = "engine::unregister_trigger";
/// Id of the builtin that lists trigger bindings.
pub(crate) const REGISTERED_TRIGGERS_LIST: &str = "engine::registered-triggers::list";

/// Longest `config_summary` of `engine::registered-triggers::list`, in characters.
const SUMMARY_MAX: usize = 80;

/// Fires every binding whose activation `matches` with `payload`, without waiting.
fn fire_all(hub: &Arc<Hub>, matches: fn(&Activation) -> bool, payload: &Value) {
    super::fire_matching(hub, "engine", payload, matches);
}

/// Fires `engine::workers-available` with `{"event", "worker_id"}`.
pub(crate) fn worker_event(hub: &Arc<Hub>, event: &str, worker: Uuid) {
    let payload = json!({"event": event, "worker_id": worker});
    fire_all(hub, |a| matches!(a, Activation::WorkersAvailable), &payload);
}

/// Watches the function registry and fires `engine::functions-available` with the current
/// list whenever the set of function ids changed, coalescing bursts of changes.
pub(crate) async fn watch_functions(hub: Arc<Hub>) {
    let mut last = function_ids(&hub);
    loop {
        tokio::select! {
            () = hub.functions_changed.notified() => {}
            () = hub.shutdown.wait() => return,
        }
        tokio::select! {
            () = tokio::time::sleep(hub.config.functions_coalesce) => {}
            () = hub.shutdown.wait() => return,
        }
        let now = function_ids(&hub);
        if now == last {
            continue;
        }
        last = now;
        let functions = introspect::functions_list(&hub, "null")
            .ok()
            .flatten()
            .and_then(|raw| serde_json::from_str::<Value>(raw.get()).ok())
            .map_or(Value::Null, |mut v| v["functions"].take());
        let payload = json!({"event": "functions_changed", "functions": functions});
        fire_all(
            &hub,
            |a| matches!(a, Activation::FunctionsAvailable),
            &payload,
        );
    }
}

fn function_ids(hub: &Hub) -> Vec<String> {
    let mut ids: Vec<String> = hub.registry().functions.keys().cloned().collect();
    ids.sort();
    ids
}

#[derive(Deserialize)]
struct RegisterInput {
    trigger_type: String,
    function_id: String,
    #[serde(default)]
    config: Value,
    #[serde(default)]
    metadata: Option<Value>,
}

/// `engine::register_trigger`: a binding owned by the engine, which outlives its caller.
pub(crate) fn register(hub: &Arc<Hub>, data: &str) -> Outcome {
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
    super::register(hub, ENGINE_OWNER, msg)
        .map_err(|m| ErrorBody::new(codes::TRIGGER_REGISTRATION_FAILED, m))?;
    reply(&json!({ "id": id }))
}

#[derive(Deserialize)]
struct UnregisterInput {
    id: String,
}

/// `engine::unregister_trigger`: `{id}` → `{"removed": bool}`.
pub(crate) fn unregister(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: UnregisterInput = input(data)?;
    reply(&json!({ "removed": super::unregister_any(hub, &req.id) }))
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
pub(crate) fn list(hub: &Arc<Hub>, data: &str) -> Outcome {
    let filter: ListInput = if is_null(data) {
        ListInput::default()
    } else {
        input(data)?
    };
    let reg = hub.registry();
    let mut rows: Vec<Value> = Vec::new();
    for (id, t) in &reg.triggers {
        let worker = introspect::owner_name(&reg, t.owner);
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
