//! Streams that a worker provides: when a worker has registered `stream::<op>(<name>)`, a
//! `stream::<op>` call for stream `<name>` goes to that function instead of the store, as the
//! engine's stream worker does. The router asks [`delegation`] before it runs the builtin,
//! invokes the provider's function itself (this table never invokes a function), and hands
//! the outcome back to [`Context::delegated`], which checks its shape and fires the `stream`
//! triggers a write makes.

use serde::Deserialize;
use serde_json::{Value, json};

use super::context::Context;
use crate::codec::{Outcome, reply};
use crate::events::Event;
use crate::registry::Snapshot;
use iii_protocol::ErrorBody;

/// The `stream::*` operations a provider may serve.
const OPS: [&str; 6] = ["get", "set", "delete", "update", "list", "list_groups"];

/// A `stream::*` call to hand to the worker providing its stream.
pub(crate) struct Delegation {
    /// The provider's function: `stream::<op>(<name>)`.
    pub(crate) target: String,
    /// The call's input, without the engine's `_caller_worker_id` (the engine builds the
    /// provider's input from the typed request, which has no such field).
    pub(crate) data: String,
    op: &'static str,
    stream: String,
    group: String,
    item: String,
}

#[derive(Deserialize)]
struct Names {
    stream_name: String,
    #[serde(default)]
    group_id: String,
    #[serde(default)]
    item_id: String,
}

/// The delegation of `function_id` with `data`, when it is a `stream::*` operation on a
/// stream that a live worker provides in `snapshot`.
pub(crate) fn delegation(snapshot: &Snapshot, function_id: &str, data: &str) -> Option<Delegation> {
    let op = function_id.strip_prefix("stream::")?;
    let op = OPS.into_iter().find(|o| *o == op)?;
    let mut value: Value = serde_json::from_str(data).ok()?;
    let names: Names = serde_json::from_value(value.clone()).ok()?;
    let target = format!("stream::{op}({})", names.stream_name);
    snapshot.link_of(&target)?;
    if let Some(map) = value.as_object_mut() {
        map.remove("_caller_worker_id");
    }
    Some(Delegation {
        target,
        data: value.to_string(),
        op,
        stream: names.stream_name,
        group: names.group_id,
        item: names.item_id,
    })
}

/// A write's answer as the provider must give it.
#[derive(Deserialize)]
struct WriteResult {
    #[serde(default)]
    old_value: Option<Value>,
    #[serde(default)]
    new_value: Value,
}

fn failed(op: &str, message: String) -> ErrorBody {
    ErrorBody::new(format!("STREAM_{}_ERROR", op.to_ascii_uppercase()), message)
}

impl Context {
    /// The answer to a delegated call: reads pass the provider's outcome on; writes must
    /// answer `{old_value, new_value}` (`{old_value}` for a delete), and fire the stream's
    /// triggers as a write to the store does.
    pub(crate) async fn delegated(&self, d: Delegation, outcome: Outcome) -> Outcome {
        if matches!(d.op, "get" | "list" | "list_groups") {
            return outcome;
        }
        let result = match outcome {
            Ok(Some(result)) => result,
            Ok(None) => return Err(failed(d.op, format!("{} returned no result", d.target))),
            Err(e) => {
                return Err(failed(d.op, format!("{} failed: {}", d.target, e.message)));
            }
        };
        let written: WriteResult = serde_json::from_str(result.get()).map_err(|e| {
            ErrorBody::new(
                "JSON_ERROR",
                format!("{} answered an unexpected shape: {e}", d.target),
            )
        })?;
        let change = match (d.op, &written.old_value) {
            ("delete", None) => None,
            ("delete", Some(old)) => Some(("delete", old.clone())),
            (_, Some(_)) => Some(("update", written.new_value.clone())),
            (_, None) => Some(("create", written.new_value.clone())),
        };
        if let Some((event, data)) = change {
            let event = Event::Stream {
                stream: d.stream,
                group: d.group,
                item: d.item,
                event,
                data,
            };
            self.fires.send(event).await;
        }
        if d.op == "delete" {
            return reply(&json!({ "old_value": written.old_value }));
        }
        Ok(Some(result))
    }
}
