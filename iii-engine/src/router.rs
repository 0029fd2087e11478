//! Invocation routing: resolve a function id to a builtin or to the worker that owns it,
//! deliver the call over that worker's [`Link`], and wait for the answer.
//!
//! Builtins come first: their ids are reserved, so no registration can put a worker between a
//! caller and the engine's own function. The one exception is chosen by the engine, not taken
//! by a worker: a `stream::<op>` call on a stream a worker provides goes to that worker's own
//! `stream::<op>(<name>)` function (see `builtins::delegation`). A function invoked over HTTP
//! goes to its URL (`crate::http_functions`), any other to its worker, under the id that
//! worker registered (an access-controlled listener's registration prefix taken off). A call
//! reads the registry once (one snapshot); the
//! invocation waits in the target's own table of unanswered calls, not in a global one. A
//! call larger than the target accepts is not sent: its caller gets `message_too_large`.

use std::sync::Arc;

use iii_protocol::{ErrorBody, InvokeFunction, Message, Uuid, codes};
use serde_json::Value;
use serde_json::value::RawValue;

use crate::builtins;
use crate::codec::{Outcome, not_found, stopped};
use crate::http_functions::HttpFunctions;
use crate::registry::{Link, Registry, Sent, Snapshot};

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

    /// Adds the binding's metadata.
    pub(crate) fn with_metadata(mut self, metadata: Option<Value>) -> Self {
        self.metadata = metadata;
        self
    }
}

/// How long a call whose delivery failed waits for the target's cleanup to answer it.
const STOPPED_GRACE: std::time::Duration = std::time::Duration::from_secs(5);

/// Forgets the invocation when the waiting future is dropped before its answer came (an HTTP
/// timeout), so that a late answer is dropped instead of leaking an entry.
struct Waiting<'a> {
    link: &'a Link,
    id: Uuid,
    answered: bool,
}

impl Drop for Waiting<'_> {
    fn drop(&mut self) {
        if !self.answered {
            self.link.forget(self.id);
        }
    }
}

/// The router: the registry to resolve functions in, the builtins for the rest, and the client
/// of HTTP-invoked functions.
pub(crate) struct Router {
    registry: Arc<Registry>,
    builtins: builtins::Context,
    http: Arc<HttpFunctions>,
}

impl Router {
    /// A router over `registry`, the builtins of `builtins` and the HTTP functions `http`
    /// calls.
    pub(crate) fn new(
        registry: Arc<Registry>,
        builtins: builtins::Context,
        http: Arc<HttpFunctions>,
    ) -> Self {
        Self {
            registry,
            builtins,
            http,
        }
    }

    /// Routes a call and waits for its outcome. There is no engine-side timeout: callers that
    /// need one (the HTTP server) wrap this future.
    pub(crate) async fn invoke(&self, call: Call) -> Outcome {
        let snapshot = self.registry.snapshot();
        self.invoke_on(&snapshot, call).await
    }

    /// Like [`Router::invoke`], resolving the function in a snapshot the caller already holds.
    pub(crate) async fn invoke_on(&self, snapshot: &Snapshot, call: Call) -> Outcome {
        if builtins::is_builtin(&call.function_id) {
            // A stream a worker provides: its function serves the call instead of the store.
            if let Some(d) = builtins::delegation(snapshot, &call.function_id, call.data.get()) {
                let data = RawValue::from_string(d.data.clone()).unwrap_or(call.data);
                let target = Call {
                    function_id: d.target.clone(),
                    data,
                    ..call
                };
                let outcome = Box::pin(self.invoke_on(snapshot, target)).await;
                return Box::pin(self.builtins.delegated(d, outcome)).await;
            }
            let data = call.data.get();
            let outcome = self
                .builtins
                .call(&call.function_id, call.caller, data)
                .await;
            return outcome.unwrap_or_else(|| Err(not_found(&call.function_id)));
        }
        if let Some(target) = snapshot
            .functions
            .get(&call.function_id)
            .filter(|f| snapshot.workers.contains_key(&f.owner))
            .and_then(|f| f.http.clone())
        {
            let id = call.preferred_id.unwrap_or_else(Uuid::new_v4);
            // Boxed, like the delegation above: the HTTP client's future is several KiB, and
            // inline it would make every call's future that large, to be copied on each move.
            return Box::pin(self.http.invoke(&target, id, &call.data)).await;
        }
        let registered = snapshot.link_of(&call.function_id).and_then(|link| {
            let (id, wait) = link.expect(call.preferred_id)?;
            Some((link.clone(), id, wait))
        });
        // A link that closed since the snapshot was taken: its worker left (or is leaving), so
        // look again in the current tables, where it no longer owns the function.
        let registered = match registered {
            Some(found) => Some(found),
            None if snapshot.functions.contains_key(&call.function_id) => {
                let fresh = self.registry.snapshot();
                fresh.link_of(&call.function_id).and_then(|link| {
                    let (id, wait) = link.expect(call.preferred_id)?;
                    Some((link.clone(), id, wait))
                })
            }
            None => None,
        };
        let Some((link, id, wait)) = registered else {
            return Err(not_found(&call.function_id));
        };
        let mut waiting = Waiting {
            link: &link,
            id,
            answered: false,
        };
        let function_id = call.function_id.clone();
        let frame = InvokeFunction {
            invocation_id: Some(id),
            function_id: snapshot.local_id(&call.function_id).to_owned(),
            data: call.data,
            traceparent: call.traceparent,
            baggage: call.baggage,
            action: None,
            metadata: call.metadata,
            namespace: None,
        };
        let mut wait = wait;
        let frame = Message::from(frame).encode();
        let size = frame.len();
        // Raced against the outcome: while this waits for room in the target's queue, the
        // target may go away, and its cleanup answers `invocation_stopped` through `wait`.
        let outcome = tokio::select! {
            sent = link.send(frame) => match sent {
                Sent::Queued => wait.await.unwrap_or_else(|_| Err(stopped())),
                // Never sent: `waiting` forgets the entry when it is dropped.
                Sent::TooLarge => return Err(too_large(&function_id, size, link.max_message())),
                // The connection is ending; its cleanup (which finds the entry) is what
                // answers. Bounded in case it already ran.
                Sent::Closed => tokio::time::timeout(STOPPED_GRACE, wait)
                    .await
                    .ok()
                    .and_then(Result::ok)
                    .unwrap_or_else(|| Err(stopped())),
            },
            outcome = &mut wait => outcome.unwrap_or_else(|_| Err(stopped())),
        };
        waiting.answered = true;
        outcome
    }

    /// Asks a condition function (resolved in `snapshot`) whether a fire goes ahead: JSON
    /// `false` means no, any other result (including none) means yes, an error is returned.
    pub(crate) async fn allows(
        &self,
        snapshot: &Snapshot,
        condition: &str,
        data: Box<RawValue>,
        metadata: Option<Value>,
    ) -> Result<bool, iii_protocol::ErrorBody> {
        let call = Call::new(condition, data).with_metadata(metadata);
        let result = self.invoke_on(snapshot, call).await?;
        Ok(result.is_none_or(|r| r.get().trim() != "false"))
    }

    /// Fires `function_id` with `payload` after its optional condition, both resolved in one
    /// snapshot. A refused condition is `Ok(None)`, like a function without result.
    pub(crate) async fn fire(
        &self,
        function_id: &str,
        condition: Option<&str>,
        payload: &RawValue,
        metadata: Option<Value>,
    ) -> Outcome {
        let snapshot = self.registry.snapshot();
        if let Some(condition) = condition
            && !self
                .allows(&snapshot, condition, payload.to_owned(), metadata.clone())
                .await?
        {
            tracing::debug!("condition {condition:?} skipped a fire of {function_id:?}");
            return Ok(None);
        }
        let call = Call::new(function_id, payload.to_owned()).with_metadata(metadata);
        self.invoke_on(&snapshot, call).await
    }
}

/// The error of a call whose frame is larger than its target accepts.
fn too_large(function_id: &str, size: usize, max: usize) -> ErrorBody {
    ErrorBody::new(
        codes::MESSAGE_TOO_LARGE,
        format!(
            "the invocation of {function_id:?} would be a {size}-byte message, over the \
             {max} bytes a worker accepts; it was not sent"
        ),
    )
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
#[path = "router_props.rs"]
mod props;

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
