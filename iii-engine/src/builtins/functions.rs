//! `engine::functions::list` and `engine::functions::info`: what is registered, worker-hosted
//! functions and builtins alike; a caller from an access-controlled listener sees only what it
//! may call.

use iii_protocol::{ErrorBody, Uuid, codes};
use serde::Deserialize;
use serde_json::{Value, json};

use super::context::Context;
use crate::access::Access;
use crate::codec::{Outcome, input, input_or_default, reply};
use crate::registry::Snapshot;

/// What `caller` may see: `None` when it may see everything.
fn visible_to(snap: &Snapshot, caller: Option<Uuid>) -> Option<&Access> {
    snap.workers.get(&caller?)?.access.as_deref()
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListFunctions {
    search: Option<String>,
    prefix: Option<String>,
    worker: Option<String>,
    include_internal: bool,
}

/// `engine::functions::list` for `caller` → `{"functions":[…]}`, sorted by id.
pub(super) fn list<'a>(
    snap: &Snapshot,
    builtins: impl Iterator<Item = (&'a str, &'a str)>,
    caller: Option<Uuid>,
    data: &str,
) -> Outcome {
    let filter: ListFunctions = input_or_default(data)?;
    let access = visible_to(snap, caller);
    let mut out = Vec::new();
    for (id, f) in snap.functions.iter() {
        let internal = f
            .def
            .metadata
            .as_ref()
            .and_then(|m| m.get("internal"))
            .and_then(Value::as_bool)
            .unwrap_or(false);
        let name = snap.worker_name(f.owner);
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
        for (id, description) in builtins {
            let hidden = id.starts_with("engine::") && !id.starts_with("engine::queue::");
            if hidden && !filter.include_internal {
                continue;
            }
            out.push(json!({"function_id": id, "namespace": "default",
                            "worker_name": "iii-engine", "description": description}));
        }
    }
    out.retain(|e| {
        let id = e["function_id"].as_str().unwrap_or("");
        access.is_none_or(|a| a.allows(id, e.get("metadata")))
            && filter
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

/// `engine::functions::info` for `caller`: `{function_id}` → its details, or `{function_ids}`
/// (at most 32) → `{"functions":[…]}`. A function the caller may not see is `FORBIDDEN`
/// alone and left out of a list.
pub(super) fn info(c: &Context, caller: Option<Uuid>, data: &str) -> Outcome {
    let req: FunctionInfo = input(data)?;
    let snap = c.registry.snapshot();
    let access = visible_to(&snap, caller);
    let detail = |id: &str| -> Option<Value> {
        let f = snap.functions.get(id)?;
        if access.is_some_and(|a| !a.allows(id, f.def.metadata.as_ref())) {
            return None;
        }
        let triggers: Vec<Value> = snap
            .triggers
            .iter()
            .filter(|(_, t)| t.function_id == id)
            .map(|(tid, t)| json!({"id": tid, "trigger_type": t.trigger_type, "config": t.config}))
            .collect();
        let mut d = json!({
            "function_id": id, "namespace": "default", "worker_name": snap.worker_name(f.owner),
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
        (Some(id), _) => match (detail(&id), access) {
            (Some(d), _) => reply(&d),
            // Refused whether or not it exists: a caller does not learn what it may not see.
            (None, Some(a)) if !a.allows(&id, None) => Err(a.refusal(&id)),
            (None, _) => Err(ErrorBody::new(
                codes::NOT_FOUND,
                format!("Function {id} not found"),
            )),
        },
        (None, Some(ids)) if ids.len() <= 32 => {
            let found: Vec<Value> = ids.iter().filter_map(|id| detail(id)).collect();
            reply(&json!({ "functions": found }))
        }
        _ => Err(ErrorBody::new(
            codes::INVALID_ARGUMENTS,
            "expected function_id or function_ids (at most 32)",
        )),
    }
}
