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

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use iii_protocol::RawValue;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::{Map, Value};

use crate::borrowed::{MaybeText, Text};

/// The member of a trigger's metadata that holds the stamp.
const STAMP: &str = "__iii";

/// A connection's secret: a random v4 UUID (from the operating system's generator), and the
/// text of its stamp of an `http` trigger without user metadata, as the engine sends it back
/// with every request (serde_json writes an object's members in key order).
#[derive(Clone)]
pub(crate) struct Secret(Arc<str>, Arc<str>);

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(..)")
    }
}

impl Secret {
    pub(crate) fn new() -> Self {
        let key: Arc<str> = uuid::Uuid::new_v4().simple().to_string().into();
        let mut secret = Self(key, Arc::from(""));
        secret.1 = secret
            .stamp(iii_protocol::triggers::types::HTTP, None)
            .to_string()
            .into();
        secret
    }

    /// Whether `metadata` is, to the byte, this connection's stamp of an `http` trigger
    /// without user metadata: what every request of the worker's routes carries, told without
    /// reading it. Compared without stopping at the first difference, as the key is.
    fn plain_http(&self, metadata: &RawValue) -> bool {
        same(metadata.get().as_bytes(), self.1.as_bytes())
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

    /// Reads an invocation's metadata (JSON text): the type of this worker's trigger that
    /// fired it when the metadata carries this connection's stamp, and the metadata as the
    /// user registered it. Metadata without the stamp (a direct call, another worker's trigger,
    /// a forged or stale stamp) is returned untouched.
    ///
    /// The stamp is read off the text (the last `"__iii"` member, as a map keeps it); a
    /// `Value` is built only for metadata the handler gets back.
    /// The trigger type is borrowed for the common case, an `http` trigger's plain stamp.
    pub(crate) fn open(
        &self,
        metadata: Option<&RawValue>,
    ) -> (Option<Cow<'static, str>>, Option<Value>) {
        let Some(metadata) = metadata else {
            return (None, None);
        };
        if self.plain_http(metadata) {
            return (
                Some(Cow::Borrowed(iii_protocol::triggers::types::HTTP)),
                None,
            );
        }
        let value = || serde_json::from_str::<Value>(metadata.get()).ok();
        let Some(stamp) = read_stamp(metadata).filter(|stamp| self.made(stamp)) else {
            return (None, value());
        };
        let Some(kind) = stamp.kind.map(|kind| Cow::Owned(kind.into_owned())) else {
            return (None, value());
        };
        let user = match stamp.meta.as_deref() {
            Some("none") => None,
            meta => {
                let Some(Value::Object(mut map)) = value() else {
                    return (None, value());
                };
                map.remove(STAMP);
                match meta {
                    Some("value") => map.remove("value"),
                    _ => Some(Value::Object(map)),
                }
            }
        };
        (Some(kind), user)
    }

    /// Whether `metadata` (JSON text) carries this connection's stamp of an `http` trigger.
    pub(crate) fn is_http(&self, metadata: Option<&RawValue>) -> bool {
        if metadata.is_some_and(|m| self.plain_http(m)) {
            return true;
        }
        metadata
            .and_then(read_stamp)
            .filter(|stamp| self.made(stamp))
            .is_some_and(|stamp| stamp.kind.as_deref() == Some(iii_protocol::triggers::types::HTTP))
    }

    /// Whether `stamp` was made with this secret.
    fn made(&self, stamp: &Stamp<'_>) -> bool {
        stamp
            .key
            .as_deref()
            .is_some_and(|key| same(key.as_bytes(), self.0.as_bytes()))
    }
}

/// A stamp's members as the text has them: each `None` when absent or not a string.
#[derive(Default)]
struct Stamp<'a> {
    key: Option<Cow<'a, str>>,
    kind: Option<Cow<'a, str>>,
    meta: Option<Cow<'a, str>>,
}

/// The stamp in the metadata `text`: its last `"__iii"` member when `text` is an object and
/// that member is one too, as `serde_json::Value` would read them (the last of a repeated
/// name wins, escapes decoded).
fn read_stamp(text: &RawValue) -> Option<Stamp<'_>> {
    let mut de = serde_json::Deserializer::from_str(text.get());
    let stamp = de
        .deserialize_map(LastMember::<Option<&RawValue>>::new(STAMP))
        .ok()??;
    let mut de = serde_json::Deserializer::from_str(stamp.get());
    de.deserialize_map(StampVisitor).ok()
}

/// Visits an object and keeps the value of its last member named `name`.
struct LastMember<T> {
    name: &'static str,
    kept: std::marker::PhantomData<T>,
}

impl<T> LastMember<T> {
    fn new(name: &'static str) -> Self {
        Self {
            name,
            kept: std::marker::PhantomData,
        }
    }
}

impl<'de, T: Deserialize<'de> + Default> Visitor<'de> for LastMember<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        let mut kept = T::default();
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            if name == self.name {
                kept = map.next_value()?;
            } else {
                map.next_value::<IgnoredAny>()?;
            }
        }
        Ok(kept)
    }
}

/// Reads a stamp object's `key`, `type` and `meta`.
struct StampVisitor;

impl<'de> Visitor<'de> for StampVisitor {
    type Value = Stamp<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("an object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Stamp<'de>, A::Error> {
        let mut stamp = Stamp::default();
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            let slot = match name.as_ref() {
                "key" => &mut stamp.key,
                "type" => &mut stamp.kind,
                "meta" => &mut stamp.meta,
                _ => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            *slot = map.next_value::<MaybeText<'de>>()?.0;
        }
        Ok(stamp)
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

    fn text(value: &Value) -> Box<RawValue> {
        serde_json::value::to_raw_value(value).expect("raw")
    }

    /// What reading the metadata as a `Value` gives (the reading before the text one): the
    /// oracle for metadata a `Value` cannot show as it came (repeated names, escapes).
    fn through_value(secret: &Secret, metadata: &str) -> (Option<String>, Option<Value>) {
        let metadata: Value = serde_json::from_str(metadata).expect("JSON");
        let Value::Object(mut map) = metadata else {
            return (None, Some(metadata));
        };
        let kind = map.get(STAMP).and_then(|stamp| {
            let key = stamp.get("key")?.as_str()?;
            if !same(key.as_bytes(), secret.0.as_bytes()) {
                return None;
            }
            Some(stamp.get("type")?.as_str()?.to_owned())
        });
        let Some(kind) = kind else {
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
            assert!(secret.is_http(Some(&text(&stamped))));
            let (kind, back) = secret.open(Some(&text(&stamped)));
            assert_eq!(kind.as_deref(), Some("http"));
            assert_eq!(back, user);

            let other = Secret::new();
            assert!(!other.is_http(Some(&text(&stamped))));
            let (kind, back) = other.open(Some(&text(&stamped)));
            assert_eq!(kind, None);
            assert_eq!(back, Some(stamped), "a foreign stamp is left as it came");
        }
        let cron = secret.stamp("cron", None);
        assert!(!secret.is_http(Some(&text(&cron))));
        assert_eq!(secret.open(Some(&text(&cron))).0.as_deref(), Some("cron"));
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
            assert!(!secret.is_http(Some(&text(&forged))), "{forged}");
            assert_eq!(secret.open(Some(&text(&forged))), (None, Some(forged)));
        }
        assert!(!secret.is_http(None));
        assert_eq!(secret.open(None), (None, None));
    }

    #[test]
    fn the_plain_http_stamp_is_known_by_its_text() {
        let secret = Secret::new();
        // As an engine keeps the registered metadata and sends it back: parsed and written.
        let stamp = secret.stamp("http", None);
        let sent = text(&serde_json::from_str::<Value>(&stamp.to_string()).expect("json"));
        assert!(secret.plain_http(&sent));
        assert_eq!(secret.open(Some(&sent)), (Some(Cow::from("http")), None));
        assert!(secret.is_http(Some(&sent)));
        // Another spelling of the same stamp takes the reading, with the same answer.
        let spaced = RawValue::from_string(serde_json::to_string_pretty(&stamp).expect("json"))
            .expect("json");
        assert!(!secret.plain_http(&spaced));
        assert_eq!(secret.open(Some(&spaced)), (Some(Cow::from("http")), None));
        assert!(secret.is_http(Some(&spaced)));
        assert!(!Secret::new().plain_http(&sent));
    }

    #[test]
    fn the_text_reads_as_a_value_would() {
        let secret = Secret::new();
        let key = &*secret.0;
        let cases = [
            format!(
                r#"{{"__iii":{{"key":"x","type":"cron"}},"__iii":{{"key":"{key}","type":"http","meta":"none"}}}}"#
            ),
            format!(
                r#"{{"__iii":{{"key":"{key}","type":"http","meta":"none"}},"__iii":{{"key":"x","type":"http"}}}}"#
            ),
            format!(
                r#"{{"\u005f_iii":{{"k\u0065y":"{key}","type":"h\u0074tp","meta":"object"}},"a":1}}"#
            ),
            format!(r#"{{"__iii":{{"key":"{key}","key":7,"type":"http"}}}}"#),
            format!(
                r#"{{"__iii":{{"key":7,"key":"{key}","type":"http","meta":"value"}},"value":[1]}}"#
            ),
            format!(
                r#"{{"__iii":{{"key":"{key}","type":"http","meta":1}},"a":{{"b":[null,true,1.5]}}}}"#
            ),
            format!(r#"{{"__iii":{{"key":"{key}","type":["http"]}}}}"#),
            format!(
                r#"{{"__iii":{{"key":"{key}","type":"http","meta":"none","x":{{"y":[1,{{}}]}}}}}}"#
            ),
            r#"{"__iii":null,"a":1}"#.to_owned(),
            format!(r#"[{{"__iii":{{"key":"{key}","type":"http"}}}}]"#),
            r#"null"#.to_owned(),
            r#"12"#.to_owned(),
        ];
        for metadata in &cases {
            let raw = RawValue::from_string(metadata.clone()).expect("JSON");
            let expected = through_value(&secret, metadata);
            let (kind, back) = secret.open(Some(&raw));
            assert_eq!((kind.map(Cow::into_owned), back), expected, "{metadata}");
            let http = expected.0.as_deref() == Some(iii_protocol::triggers::types::HTTP);
            assert_eq!(secret.is_http(Some(&raw)), http, "{metadata}");
        }
    }
}
