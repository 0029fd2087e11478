//! `engine::functions::*` and `engine::workers::*`: what is connected and registered.

use std::sync::Arc;

use iii_protocol::{ErrorBody, Uuid};
use serde::Deserialize;
use serde_json::{Value, json};

use crate::builtins::{self, input, reply};
use crate::hub::Hub;
use crate::registry::{ENGINE_OWNER, Outcome, Registry, WorkerEntry};

/// Longest worker name or description kept, in characters (as the real engine does).
const TEXT_MAX: usize = 280;

/// Stores the `engine::workers::register` payload of a worker, with its `name` and
/// `description` sanitized: control and bidirectional-formatting characters removed, cut to
/// [`TEXT_MAX`] characters, so that a worker cannot forge log lines or spoof listings.
pub(crate) fn store_worker_metadata(hub: &Hub, worker: Uuid, data: &str) {
    let mut metadata: Value = serde_json::from_str(data).unwrap_or(Value::Null);
    if let Some(map) = metadata.as_object_mut() {
        map.remove("_caller_worker_id");
        for key in ["name", "description"] {
            if let Some(Value::String(text)) = map.get_mut(key) {
                *text = sanitize(text);
            }
        }
    }
    if let Some(entry) = hub.registry().workers.get_mut(&worker) {
        entry.metadata = Some(metadata);
    }
}

/// Removes control and bidirectional-formatting characters and keeps at most [`TEXT_MAX`]
/// characters.
pub(crate) fn sanitize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(TEXT_MAX)
        .collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

/// Logs what a worker announced itself as and what it registered.
pub(crate) fn log_summary(hub: &Hub, worker: Uuid) {
    let reg = hub.registry();
    let Some(metadata) = reg.workers.get(&worker).and_then(|w| w.metadata.as_ref()) else {
        return;
    };
    let mut functions: Vec<String> = reg
        .functions
        .iter()
        .filter(|(_, f)| f.owner == worker)
        .map(|(id, _)| id.escape_debug().to_string())
        .collect();
    functions.sort_unstable();
    let mut triggers: Vec<String> = reg
        .triggers
        .values()
        .filter(|t| t.owner == worker)
        .map(|t| {
            format!(
                "{} -> {}",
                describe_trigger(&t.trigger_type, &t.config).escape_debug(),
                t.function_id.escape_debug()
            )
        })
        .collect();
    triggers.sort_unstable();
    let text = |key: &str| {
        metadata
            .get(key)
            .and_then(Value::as_str)
            .unwrap_or("?")
            .escape_debug()
            .to_string()
    };
    let name = metadata.get("name").and_then(Value::as_str).unwrap_or("?");
    tracing::info!(
        "worker {worker} is {name:?} ({} {}): functions [{}]; triggers [{}]",
        text("runtime"),
        text("version"),
        functions.join(", "),
        triggers.join(", ")
    );
}

/// A short human-readable form of a binding, for logs: `http POST /add`, `cron */5 * * * * *`.
fn describe_trigger(trigger_type: &str, config: &Value) -> String {
    let text = |key: &str| config.get(key).and_then(Value::as_str);
    let detail = match trigger_type {
        "http" => text("api_path").map(|path| {
            let method = text("http_method").unwrap_or("GET").to_ascii_uppercase();
            format!("{method} /{}", path.trim_start_matches('/'))
        }),
        "cron" => text("expression").map(str::to_owned),
        "stream" => text("stream_name").map(str::to_owned),
        _ => text("topic").or_else(|| text("scope")).map(str::to_owned),
    };
    match detail {
        Some(detail) => format!("{trigger_type} {detail}"),
        None => trigger_type.to_owned(),
    }
}

fn worker_name(reg: &Registry, worker: Uuid) -> String {
    reg.workers
        .get(&worker)
        .and_then(|w| w.metadata.as_ref())
        .and_then(|m| m.get("name"))
        .and_then(Value::as_str)
        .map_or_else(|| worker.to_string(), str::to_owned)
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListFunctions {
    search: Option<String>,
    prefix: Option<String>,
    worker: Option<String>,
    include_internal: bool,
}

/// `engine::functions::list`.
pub(crate) fn functions_list(hub: &Arc<Hub>, data: &str) -> Outcome {
    let filter: ListFunctions = if builtins::is_null(data) {
        ListFunctions::default()
    } else {
        input(data)?
    };
    let reg = hub.registry();
    let mut out = Vec::new();
    for (id, f) in &reg.functions {
        let internal = f
            .def
            .metadata
            .as_ref()
            .and_then(|m| m.get("internal"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let name = worker_name(&reg, f.owner);
        if (internal && !filter.include_internal)
            || filter
                .worker
                .as_ref()
                .is_some_and(|w| *w != name && *w != f.owner.to_string())
        {
            continue;
        }
        let mut entry = json!({"function_id": id, "namespace": "default", "worker_name": name});
        if let Some(d) = &f.def.description {
            entry["description"] = json!(d);
        }
        if let Some(m) = &f.def.metadata {
            entry["metadata"] = m.clone();
        }
        out.push(entry);
    }
    if filter.worker.is_none() {
        for (id, description) in builtins::all() {
            let hidden = id.starts_with("engine::") && !id.starts_with("engine::queue::");
            if (hidden && !filter.include_internal) || reg.functions.contains_key(*id) {
                continue;
            }
            out.push(json!({"function_id": id, "namespace": "default",
                            "worker_name": "iii-engine", "description": description}));
        }
    }
    out.retain(|e| {
        let id = e["function_id"].as_str().unwrap_or("");
        filter
            .search
            .as_ref()
            .is_none_or(|s| id.contains(s.as_str()))
            && filter
                .prefix
                .as_ref()
                .is_none_or(|p| id.starts_with(p.as_str()))
    });
    out.sort_by(|a, b| a["function_id"].as_str().cmp(&b["function_id"].as_str()));
    reply(&json!({ "functions": out }))
}

#[derive(Deserialize)]
struct FunctionInfo {
    function_id: Option<String>,
    function_ids: Option<Vec<String>>,
}

/// `engine::functions::info`.
pub(crate) fn functions_info(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: FunctionInfo = input(data)?;
    let reg = hub.registry();
    let detail = |id: &str| -> Option<Value> {
        let f = reg.functions.get(id)?;
        let triggers: Vec<Value> = reg
            .triggers
            .iter()
            .filter(|(_, t)| t.function_id == id)
            .map(|(tid, t)| json!({"id": tid, "trigger_type": t.trigger_type, "config": t.config}))
            .collect();
        let mut d = json!({
            "function_id": id, "namespace": "default", "worker_name": worker_name(&reg, f.owner),
            "registered_triggers": triggers,
        });
        for (key, value) in [
            ("description", f.def.description.clone().map(Value::String)),
            ("request_schema", f.def.request_format.clone()),
            ("response_schema", f.def.response_format.clone()),
            ("metadata", f.def.metadata.clone()),
        ] {
            if let Some(v) = value.filter(|v| !v.is_null()) {
                d[key] = v;
            }
        }
        Some(d)
    };
    match (req.function_id, req.function_ids) {
        (Some(id), _) => match detail(&id) {
            Some(d) => reply(&d),
            None => Err(ErrorBody::new(
                "NOT_FOUND",
                format!("Function {id} not found"),
            )),
        },
        (None, Some(ids)) if ids.len() <= 32 => {
            let found: Vec<Value> = ids.iter().filter_map(|id| detail(id)).collect();
            reply(&json!({ "functions": found }))
        }
        _ => Err(ErrorBody::new(
            "INVALID_ARGUMENTS",
            "expected function_id or function_ids (at most 32)",
        )),
    }
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListWorkers {
    search: Option<String>,
    runtime: Option<String>,
}

/// `engine::workers::list`.
pub(crate) fn workers_list(hub: &Arc<Hub>, data: &str) -> Outcome {
    let filter: ListWorkers = if builtins::is_null(data) {
        ListWorkers::default()
    } else {
        input(data)?
    };
    let reg = hub.registry();
    let mut out = Vec::new();
    for (id, w) in &reg.workers {
        let name = worker_name(&reg, *id);
        let runtime = w
            .metadata
            .as_ref()
            .and_then(|m| m.get("runtime"))
            .and_then(Value::as_str)
            .unwrap_or("");
        if filter
            .search
            .as_ref()
            .is_some_and(|s| !name.contains(s.as_str()))
            || filter.runtime.as_ref().is_some_and(|r| r != runtime)
        {
            continue;
        }
        out.push(worker_row(&reg, *id, w));
    }
    out.sort_by_key(|w| w["connected_at_ms"].as_i64());
    reply(&json!({ "workers": out }))
}

/// One worker as `engine::workers::list` and `engine::workers::info` describe it.
fn worker_row(reg: &Registry, id: Uuid, w: &WorkerEntry) -> Value {
    let meta = w.metadata.clone().unwrap_or(Value::Null);
    let field = |k: &str| meta.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "id": id, "name": worker_name(reg, id), "description": field("description"),
        "version": field("version"), "namespace": "default", "runtime": field("runtime"),
        "os": field("os"), "status": "connected",
        "function_count": reg.functions.values().filter(|f| f.owner == id).count(),
        "connected_at_ms": w.connected_at_ms,
        "active_invocations": reg.pending.values().filter(|p| p.target == id).count(),
        "isolation": field("isolation"), "ip_address": w.peer.ip().to_string(),
    })
}

/// The name shown for the owner of a function or binding: the worker's announced name (else
/// its id), or `iii-engine` for the engine's own bindings.
pub(crate) fn owner_name(reg: &Registry, owner: Uuid) -> String {
    if owner == ENGINE_OWNER {
        return "iii-engine".to_owned();
    }
    worker_name(reg, owner)
}

#[derive(Deserialize)]
struct WorkerInfo {
    name: String,
}

/// `engine::workers::info`: `{name}` (the announced name or the worker id) →
/// `{worker, functions, trigger_types, registered_triggers}`.
pub(crate) fn workers_info(hub: &Arc<Hub>, data: &str) -> Outcome {
    let req: WorkerInfo = input(data)?;
    let reg = hub.registry();
    let mut candidates: Vec<(&Uuid, &WorkerEntry)> = reg
        .workers
        .iter()
        .filter(|(id, _)| worker_name(&reg, **id) == req.name || id.to_string() == req.name)
        .collect();
    // The most recent connection wins when an old one with the same name lingers.
    candidates.sort_by_key(|(_, w)| std::cmp::Reverse(w.connected_at_ms));
    let Some((&id, w)) = candidates.first().copied() else {
        return Err(ErrorBody::new(
            "NOT_FOUND",
            format!("Worker {} not found", req.name),
        ));
    };
    let mut functions: Vec<Value> = reg
        .functions
        .iter()
        .filter(|(_, f)| f.owner == id)
        .map(|(fid, f)| {
            let mut row = json!({"function_id": fid, "namespace": "default",
                                 "worker_name": worker_name(&reg, id)});
            if let Some(d) = &f.def.description {
                row["description"] = json!(d);
            }
            if let Some(m) = &f.def.metadata {
                row["metadata"] = m.clone();
            }
            row
        })
        .collect();
    functions.sort_by(|a, b| a["function_id"].as_str().cmp(&b["function_id"].as_str()));
    let mut triggers: Vec<Value> = reg
        .triggers
        .iter()
        .filter(|(_, t)| t.owner == id)
        .map(|(tid, t)| {
            json!({"id": tid, "trigger_type": t.trigger_type, "function_id": t.function_id,
                   "worker_name": worker_name(&reg, id), "status": t.activation.status(),
                   "config": t.config})
        })
        .collect();
    triggers.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let mut worker = worker_row(&reg, id, w);
    worker["internal"] = json!(false);
    if let Some(pid) = w.metadata.as_ref().and_then(|m| m.get("pid")) {
        worker["pid"] = pid.clone();
    }
    reply(&json!({
        "worker": worker, "functions": functions, "trigger_types": [],
        "registered_triggers": triggers,
    }))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sanitize_strips_controls_and_bidi_and_caps() {
        assert_eq!(sanitize("a\nb\r\u{1b}[31mc\u{202E}d\u{2066}e"), "ab[31mcde");
        assert_eq!(sanitize(&"é".repeat(500)).chars().count(), TEXT_MAX);
        assert_eq!(sanitize("plain name"), "plain name");
    }
}
