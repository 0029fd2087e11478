//! `engine::workers::*`: the announce (`engine::workers::register`), and what is connected.

use std::sync::Arc;

use iii_protocol::{ErrorBody, Uuid, codes};
use serde::Deserialize;
use serde_json::{Value, json};

use super::context::Context;
use crate::codec::{Outcome, input, input_or_default, reply};
use crate::events::Event;
use crate::registry::{Snapshot, WorkerEntry};

/// Longest worker name or description kept, in characters (as the real engine does).
const TEXT_MAX: usize = 280;

/// `engine::workers::register`: stores the caller's announce, with its `name` and
/// `description` sanitized (see [`sanitize`]) so that a worker cannot forge log lines or spoof
/// listings, and fires `engine::workers-available`.
pub(super) async fn register(c: &Context, caller: Option<Uuid>, data: &str) -> Outcome {
    if let Some(worker) = caller {
        let mut metadata: Value = serde_json::from_str(data).unwrap_or(Value::Null);
        if let Some(map) = metadata.as_object_mut() {
            map.remove("_caller_worker_id");
            for key in ["name", "description"] {
                if let Some(Value::String(text)) = map.get_mut(key) {
                    *text = sanitize(text);
                }
            }
        }
        if let Some(link) = c.registry.announce(worker, metadata) {
            link.announced.notify_one();
        }
        c.fires
            .send(Event::Worker {
                event: "worker_metadata_updated",
                worker,
            })
            .await;
    }
    reply(&json!({ "success": true }))
}

/// Removes control and bidirectional-formatting characters and keeps at most [`TEXT_MAX`]
/// characters.
fn sanitize(text: &str) -> String {
    text.chars()
        .filter(|c| !c.is_control() && !is_bidi_control(*c))
        .take(TEXT_MAX)
        .collect()
}

fn is_bidi_control(c: char) -> bool {
    matches!(c, '\u{061C}' | '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

#[derive(Deserialize, Default)]
#[serde(default)]
struct ListWorkers {
    search: Option<String>,
    runtime: Option<String>,
}

/// `engine::workers::list`.
pub(super) fn list(c: &Context, data: &str) -> Outcome {
    let filter: ListWorkers = input_or_default(data)?;
    let snap = c.registry.snapshot();
    let mut out = Vec::new();
    for (id, w) in snap.workers.iter() {
        let name = snap.worker_name(*id);
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
        out.push(worker_row(&snap, *id, w));
    }
    out.sort_by_key(|w| w["connected_at_ms"].as_i64());
    reply(&json!({ "workers": out }))
}

/// One worker as `engine::workers::list` and `engine::workers::info` describe it.
fn worker_row(snap: &Snapshot, id: Uuid, w: &WorkerEntry) -> Value {
    let meta = w.metadata.clone().unwrap_or(Value::Null);
    let field = |k: &str| meta.get(k).cloned().unwrap_or(Value::Null);
    json!({
        "id": id, "name": snap.worker_name(id), "description": field("description"),
        "version": field("version"), "namespace": "default", "runtime": field("runtime"),
        "os": field("os"), "status": "connected",
        "function_count": snap.functions.values().filter(|f| f.owner == id).count(),
        "connected_at_ms": w.connected_at_ms,
        "active_invocations": w.link.in_flight(),
        "isolation": field("isolation"), "ip_address": w.peer.ip().to_string(),
    })
}

#[derive(Deserialize)]
struct WorkerInfo {
    name: String,
}

/// `engine::workers::info`: `{name}` (the announced name or the worker id) →
/// `{worker, functions, trigger_types, registered_triggers}`.
pub(super) fn info(c: &Context, data: &str) -> Outcome {
    let req: WorkerInfo = input(data)?;
    let snap = c.registry.snapshot();
    let mut candidates: Vec<(&Uuid, &Arc<WorkerEntry>)> = snap
        .workers
        .iter()
        .filter(|(id, _)| snap.worker_name(**id) == req.name || id.to_string() == req.name)
        .collect();
    // The most recent connection wins when an old one with the same name lingers.
    candidates.sort_by_key(|(_, w)| std::cmp::Reverse(w.connected_at_ms));
    let Some((&id, w)) = candidates.first().copied() else {
        return Err(ErrorBody::new(
            codes::NOT_FOUND,
            format!("Worker {} not found", req.name),
        ));
    };
    let mut functions: Vec<Value> = snap
        .functions
        .iter()
        .filter(|(_, f)| f.owner == id)
        .map(|(fid, f)| {
            let mut row = json!({"function_id": fid, "namespace": "default",
                                 "worker_name": snap.worker_name(id)});
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
    let mut triggers: Vec<Value> = snap
        .triggers
        .iter()
        .filter(|(_, t)| t.owner == id)
        .map(|(tid, t)| {
            json!({"id": tid, "trigger_type": t.trigger_type, "function_id": t.function_id,
                   "worker_name": snap.worker_name(id), "status": t.activation.status(),
                   "config": t.config})
        })
        .collect();
    triggers.sort_by(|a, b| a["id"].as_str().cmp(&b["id"].as_str()));
    let mut worker = worker_row(&snap, id, w);
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
