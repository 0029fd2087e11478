//! The stamp a worker puts in the metadata of its own triggers, so that an invocation tells
//! which of them fired it: the engine delivers a trigger's metadata with every fire, and the
//! stamp carries a secret of the connection that no other worker sees.
//!
//! Why a secret: the payload's shape proves nothing. Any worker can call a function with an
//! object shaped like the HTTP request envelope, or bind its own `subscribe` trigger to another
//! worker's function and publish one; the engine injects no caller id into `publish` and
//! `enqueue` deliveries. Only the worker itself (and the engine) knows the secret of the
//! triggers it registered: the engines' introspection (`engine::registered-triggers::list`,
//! `engine::functions::info`, `engine::workers::info`) lists a trigger's configuration, not its
//! metadata. A function a trigger's configuration names as its condition or middleware does
//! see the metadata, so a trigger that names another worker's function there is not stamped.
//! Nor is a trigger of a type the engine does not implement itself (a custom type, bound with
//! [`TriggerTypeRef::bind`](crate::TriggerTypeRef::bind) or [`Trigger::new`](crate::Trigger::new)):
//! the engine forwards such a binding, metadata included, to the worker providing the type.
//!
//! The stamp is one member of the metadata object, `"__iii"`: `{"key": <secret>, "type":
//! <trigger type>, "meta": "none" | "object" | "value"}`, where `meta` says what the user's own
//! metadata was (absent, an object whose members sit next to the stamp, or another value kept
//! under `"value"`), so that the handler sees exactly the metadata it registered.

use std::sync::Arc;

use serde_json::{Map, Value};

/// The member of a trigger's metadata that holds the stamp.
const STAMP: &str = "__iii";

/// A connection's secret: a random v4 UUID (from the operating system's generator).
#[derive(Clone)]
pub(crate) struct Secret(Arc<str>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    pub(crate) fn new() -> Self {
        Self(uuid::Uuid::new_v4().simple().to_string().into())
    }

    /// The metadata to register one of this worker's triggers of type `trigger_type` with:
    /// the user's `metadata` and the stamp.
    pub(crate) fn stamp(&self, trigger_type: &str, metadata: Option<&Value>) -> Value {
        let mut stamp = Map::new();
        stamp.insert("key".into(), Value::from(&*self.0));
        stamp.insert("type".into(), Value::from(trigger_type));
        let mut out = match metadata {
            None => {
                stamp.insert("meta".into(), "none".into());
                Map::new()
            }
            Some(Value::Object(user)) => {
                stamp.insert("meta".into(), "object".into());
                user.clone()
            }
            Some(other) => {
                stamp.insert("meta".into(), "value".into());
                Map::from_iter([("value".to_owned(), other.clone())])
            }
        };
        out.insert(STAMP.into(), Value::Object(stamp));
        Value::Object(out)
    }

    /// Reads an invocation's metadata: the type of this worker's trigger that fired it when
    /// the metadata carries this connection's stamp, and the metadata as the user registered
    /// it. Metadata without the stamp (a direct call, another worker's trigger, a forged or
    /// stale stamp) is returned untouched.
    pub(crate) fn open(&self, metadata: Option<Value>) -> (Option<String>, Option<Value>) {
        let Some(Value::Object(mut map)) = metadata else {
            return (None, metadata);
        };
        let Some(kind) = self.check(map.get(STAMP)) else {
            return (None, Some(Value::Object(map)));
        };
        let meta = map
            .remove(STAMP)
            .and_then(|s| s.get("meta").and_then(Value::as_str).map(str::to_owned));
        let user = match meta.as_deref() {
            Some("none") => None,
            Some("value") => map.remove("value"),
            _ => Some(Value::Object(map)),
        };
        (Some(kind), user)
    }

    /// Whether `metadata` carries this connection's stamp of an `http` trigger.
    pub(crate) fn is_http(&self, metadata: Option<&Value>) -> bool {
        metadata
            .and_then(|m| self.check(m.get(STAMP)))
            .is_some_and(|kind| kind == iii_protocol::triggers::types::HTTP)
    }

    /// The trigger type of a stamp made with this secret.
    fn check(&self, stamp: Option<&Value>) -> Option<String> {
        let stamp = stamp?;
        let key = stamp.get("key")?.as_str()?;
        if !same(key.as_bytes(), self.0.as_bytes()) {
            return None;
        }
        Some(stamp.get("type")?.as_str()?.to_owned())
    }
}

/// Compares without stopping at the first difference, so that the time taken says nothing
/// about how much of a guess was right.
fn same(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn a_stamp_opens_with_its_own_secret_only_and_gives_back_the_users_metadata() {
        let secret = Secret::new();
        for user in [
            None,
            Some(json!({"tenant": "acme"})),
            Some(json!({})),
            Some(json!("plain")),
            Some(json!([1, 2])),
            Some(json!({"value": 1})),
        ] {
            let stamped = secret.stamp("http", user.as_ref());
            assert!(secret.is_http(Some(&stamped)));
            let (kind, back) = secret.open(Some(stamped.clone()));
            assert_eq!(kind.as_deref(), Some("http"));
            assert_eq!(back, user);

            let other = Secret::new();
            assert!(!other.is_http(Some(&stamped)));
            let (kind, back) = other.open(Some(stamped.clone()));
            assert_eq!(kind, None);
            assert_eq!(back, Some(stamped), "a foreign stamp is left as it came");
        }
        let cron = secret.stamp("cron", None);
        assert!(!secret.is_http(Some(&cron)));
        assert_eq!(secret.open(Some(cron)).0.as_deref(), Some("cron"));
    }

    #[test]
    fn forged_and_malformed_stamps_are_not_believed() {
        let secret = Secret::new();
        for forged in [
            json!({"__iii": {"key": "", "type": "http"}}),
            json!({"__iii": {"type": "http"}}),
            json!({"__iii": "http"}),
            json!({"__iii": {"key": 7, "type": "http"}}),
            json!({"__iii": {"key": secret.0.to_uppercase(), "type": "http"}}),
            json!("http"),
        ] {
            assert!(!secret.is_http(Some(&forged)), "{forged}");
            assert_eq!(secret.open(Some(forged.clone())), (None, Some(forged)));
        }
        assert!(!secret.is_http(None));
        assert_eq!(secret.open(None), (None, None));
    }
}
