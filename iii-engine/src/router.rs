//! Invocation routing: resolve a function id to its owner (or a builtin), deliver the call, and
//! wait for the answer.

use std::sync::Arc;

use iii_protocol::{ErrorBody, InvokeFunction, Message, Uuid, codes};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::oneshot;

use crate::builtins;
use crate::hub::Hub;
use crate::registry::{Outcome, Pending};

/// One call to route, whoever makes it (a worker, an HTTP route, a cron tick, a queue).
pub(crate) struct Call {
    pub(crate) function_id: String,
    pub(crate) data: Box<RawValue>,
    pub(crate) metadata: Option<Value>,
    pub(crate) traceparent: Option<String>,
    pub(crate) baggage: Option<String>,
    /// The id to reuse towards the target, when the caller gave one (parity with the engine).
    pub(crate) preferred_id: Option<Uuid>,
    /// The worker that made the call, if a worker did.
    pub(crate) caller: Option<Uuid>,
}

impl Call {
    /// An engine-initiated call.
    pub(crate) fn new(function_id: impl Into<String>, data: Box<RawValue>) -> Self {
        Self {
            function_id: function_id.into(),
            data,
            metadata: None,
            traceparent: None,
            baggage: None,
            preferred_id: None,
            caller: None,
        }
    }

    pub(crate) fn with_metadata(mut self, metadata: Option<Value>) -> Self {
        self.metadata = metadata;
        self
    }
}

/// The error of a call whose function is unknown.
pub(crate) fn not_found(function_id: &str) -> ErrorBody {
    ErrorBody::new(
        codes::FUNCTION_NOT_FOUND,
        format!("Function {function_id} not found"),
    )
}

/// The error of a call whose holder went away.
pub(crate) fn stopped() -> ErrorBody {
    ErrorBody::new(codes::INVOCATION_STOPPED, "Invocation stopped")
}

/// How long a call whose delivery failed waits for the target's cleanup to answer it.
const STOPPED_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Removes the pending entry when the waiting future ends or is dropped (HTTP timeout), so that
/// a late answer is dropped instead of leaking an entry.
struct PendingGuard<'a> {
    hub: &'a Hub,
    id: Uuid,
}

impl Drop for PendingGuard<'_> {
    fn drop(&mut self) {
        self.hub.registry().pending.remove(&self.id);
    }
}

/// Routes a call and waits for its outcome. There is no engine-side timeout: callers that
/// need one (the HTTP server) wrap this future.
pub(crate) async fn invoke(hub: &Arc<Hub>, call: Call) -> Outcome {
    let delivery = {
        let mut reg = hub.registry();
        let owner = reg.functions.get(&call.function_id).map(|f| f.owner);
        match owner.and_then(|o| reg.workers.get(&o).map(|w| (o, w.tx.clone()))) {
            Some((owner, tx)) => {
                let id = match call.preferred_id {
                    Some(id) if !reg.pending.contains_key(&id) => id,
                    _ => Uuid::new_v4(),
                };
                let (done, wait) = oneshot::channel();
                // Registered under the same lock as the owner lookup, so a disconnect either
                // happened before (no owner) or will find this entry and stop it.
                reg.pending.insert(
                    id,
                    Pending {
                        target: owner,
                        caller: call.caller,
                        tx: done,
                    },
                );
                Some((id, tx, wait))
            }
            None => None,
        }
    };
    let Some((id, tx, wait)) = delivery else {
        return match builtins::call(hub, &call).await {
            Some(outcome) => outcome,
            None => Err(not_found(&call.function_id)),
        };
    };
    let _guard = PendingGuard { hub, id };
    let frame = InvokeFunction {
        invocation_id: Some(id),
        function_id: call.function_id,
        data: call.data,
        traceparent: call.traceparent,
        baggage: call.baggage,
        action: None,
        metadata: call.metadata,
        namespace: None,
    };
    let mut wait = wait;
    // Raced against the outcome: while this waits for room in the target's queue, the target
    // may go away, and its cleanup answers `invocation_stopped` through `wait`.
    tokio::select! {
        sent = tx.send(Message::from(frame).encode()) => {
            if sent.is_err() {
                // The connection is ending; its cleanup (which finds the pending entry) is what
                // answers. Bounded in case it already ran.
                return tokio::time::timeout(STOPPED_GRACE, wait)
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or_else(|| Err(stopped()));
            }
        }
        outcome = &mut wait => return outcome.unwrap_or_else(|_| Err(stopped())),
    }
    wait.await.unwrap_or_else(|_| Err(stopped()))
}

/// Completes a pending invocation; unknown ids are dropped silently (late or duplicate
/// answers).
pub(crate) fn complete(hub: &Hub, from: Uuid, id: Uuid, outcome: Outcome) {
    let mut reg = hub.registry();
    if reg.pending.get(&id).is_some_and(|p| p.target == from)
        && let Some(pending) = reg.pending.remove(&id)
    {
        drop(reg);
        let _ = pending.tx.send(outcome);
    } else {
        tracing::debug!("dropping result for unknown invocation {id}");
    }
}

/// Adds `"_caller_worker_id"` to an object payload, as the engine does for worker-initiated
/// calls. Other payloads are returned unchanged.
pub(crate) fn inject_caller(data: Box<RawValue>, worker: Uuid) -> Box<RawValue> {
    let text = data.get().trim_start();
    let Some(rest) = text.strip_prefix('{') else {
        return data;
    };
    let field = format!("\"_caller_worker_id\":\"{worker}\"");
    // A backslash may spell the key with escapes (`"_caller\u005fworker_id"`), which a plain
    // text search misses: such payloads take the slow path too.
    let spliced = if text.contains("\"_caller_worker_id\"") || text.contains('\\') {
        // Rare: the key may already be there. Rebuild the object so that it appears once
        // (parsing decodes escaped keys, and a repeated key keeps one value).
        let Ok(mut map) = serde_json::from_str::<serde_json::Map<String, Value>>(text) else {
            return data;
        };
        map.insert(
            "_caller_worker_id".into(),
            Value::String(worker.to_string()),
        );
        Value::Object(map).to_string()
    } else if rest.trim_start().starts_with('}') {
        format!("{{{field}{rest}")
    } else {
        format!("{{{field},{rest}")
    };
    RawValue::from_string(spliced).unwrap_or(data)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raw(s: &str) -> Box<RawValue> {
        RawValue::from_string(s.to_owned()).unwrap_or_else(|_| iii_protocol::raw::null())
    }

    #[test]
    fn injects_into_objects_only() {
        let id = Uuid::nil();
        let cases = [
            (
                r#"{"a":1}"#,
                format!(r#"{{"_caller_worker_id":"{id}","a":1}}"#),
            ),
            ("{}", format!(r#"{{"_caller_worker_id":"{id}"}}"#)),
            (" { } ", format!(r#"{{"_caller_worker_id":"{id}" }}"#)),
            ("[1]", "[1]".to_owned()),
            ("null", "null".to_owned()),
            ("\"s\"", "\"s\"".to_owned()),
        ];
        for (input, expected) in cases {
            assert_eq!(inject_caller(raw(input), id).get(), expected, "{input}");
        }
    }

    #[test]
    fn replaces_an_escaped_caller_field() {
        let id = Uuid::nil();
        for input in [
            r#"{"_caller\u005fworker_id":"forged","b":"x\ty"}"#,
            r#"{"a":1,"\u005fcaller_worker_id":"forged"}"#,
            r#"{"_caller_worker_id":"x","_caller\u005fworker_id":"forged"}"#,
        ] {
            let out = inject_caller(raw(input), id);
            assert!(!out.get().contains("forged"), "{input} -> {}", out.get());
            let v: Value = serde_json::from_str(out.get()).unwrap_or_default();
            assert_eq!(v["_caller_worker_id"], id.to_string(), "{input}");
        }
    }

    #[test]
    fn replaces_an_existing_caller_field() {
        let id = Uuid::nil();
        let out = inject_caller(raw(r#"{"_caller_worker_id":"x","b":2}"#), id);
        let v: Value = serde_json::from_str(out.get()).unwrap_or_default();
        assert_eq!(v["_caller_worker_id"], id.to_string());
        assert_eq!(v["b"], 2);
    }
}
