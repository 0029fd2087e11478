//! Deserializing a handler's input straight from the frame's JSON text while removing one
//! top-level key — the `_caller_worker_id` the engine injects into worker-to-worker calls —
//! so that strict input types (`deny_unknown_fields`) work without first building a
//! `serde_json::Value` tree.
//!
//! [`Strip`] wraps a deserializer and hands the user's visitor a [`StripVisitor`]; at the top
//! level only, a map's entries pass through [`StripMap`], which skips the key and keeps its
//! string value. Everything below the top level is the wrapped deserializer's own.

use std::cell::RefCell;
use std::fmt;

use serde::de::{self, DeserializeSeed, Deserializer, MapAccess, Visitor};

/// Deserializes `T` from `text`, removing the top-level `key` and returning its string value.
///
/// `text` is the text of one `RawValue`, so it holds exactly one JSON value: there is no
/// trailing input to check for.
///
/// # Errors
/// As `serde_json`, with the path of the offending field.
pub(crate) fn from_str_stripping<T: de::DeserializeOwned>(
    text: &str,
    key: &'static str,
) -> Result<(T, Option<String>), serde_path_to_error::Error<serde_json::Error>> {
    let captured = RefCell::new(None);
    let mut json = serde_json::Deserializer::from_str(text);
    let value = serde_path_to_error::deserialize(Strip {
        inner: &mut json,
        key,
        captured: &captured,
    })?;
    Ok((value, captured.into_inner()))
}

struct Strip<'c, D> {
    inner: D,
    key: &'static str,
    captured: &'c RefCell<Option<String>>,
}

impl<'c, D> Strip<'c, D> {
    fn visitor<V>(&self, inner: V) -> StripVisitor<'c, V> {
        StripVisitor {
            inner,
            key: self.key,
            captured: self.captured,
        }
    }
}

macro_rules! forward_deserializer {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self, $($arg: $ty,)* visitor: V) -> Result<V::Value, D::Error> {
            let visitor = self.visitor(visitor);
            self.inner.$method($($arg,)* visitor)
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Strip<'_, D> {
    type Error = D::Error;

    forward_deserializer! {
        deserialize_any(); deserialize_bool(); deserialize_i8(); deserialize_i16();
        deserialize_i32(); deserialize_i64(); deserialize_i128(); deserialize_u8();
        deserialize_u16(); deserialize_u32(); deserialize_u64(); deserialize_u128();
        deserialize_f32(); deserialize_f64(); deserialize_char(); deserialize_str();
        deserialize_string(); deserialize_bytes(); deserialize_byte_buf();
        deserialize_option(); deserialize_unit(); deserialize_seq(); deserialize_map();
        deserialize_identifier(); deserialize_ignored_any();
        deserialize_unit_struct(name: &'static str);
        deserialize_newtype_struct(name: &'static str);
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
    }

    fn is_human_readable(&self) -> bool {
        self.inner.is_human_readable()
    }
}

struct StripVisitor<'c, V> {
    inner: V,
    key: &'static str,
    captured: &'c RefCell<Option<String>>,
}

macro_rules! forward_visitor {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.inner.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for StripVisitor<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.inner.expecting(f)
    }

    forward_visitor! {
        visit_bool(bool); visit_i8(i8); visit_i16(i16); visit_i32(i32); visit_i64(i64);
        visit_i128(i128); visit_u8(u8); visit_u16(u16); visit_u32(u32); visit_u64(u64);
        visit_u128(u128); visit_f32(f32); visit_f64(f64); visit_char(char);
        visit_str(&str); visit_borrowed_str(&'de str); visit_string(String);
        visit_bytes(&[u8]); visit_borrowed_bytes(&'de [u8]); visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.inner.visit_unit()
    }

    // `Option<T>` and newtype wrappers around the input are still the top level.
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let (key, captured) = (self.key, self.captured);
        self.inner.visit_some(Strip {
            inner: d,
            key,
            captured,
        })
    }

    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        let (key, captured) = (self.key, self.captured);
        self.inner.visit_newtype_struct(Strip {
            inner: d,
            key,
            captured,
        })
    }

    fn visit_seq<A: de::SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_seq(seq)
    }

    fn visit_enum<A: de::EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_enum(data)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.inner.visit_map(StripMap {
            inner: map,
            key: self.key,
            captured: self.captured,
        })
    }
}

struct StripMap<'c, A> {
    inner: A,
    key: &'static str,
    captured: &'c RefCell<Option<String>>,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for StripMap<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(key) = self.inner.next_key_seed(KeySeed)? else {
                return Ok(None);
            };
            if key.as_str() == self.key {
                // A non-string value is not the engine's: keep nothing, lose nothing else.
                let value: serde_json::Value = self.inner.next_value()?;
                if let serde_json::Value::String(s) = value {
                    *self.captured.borrow_mut() = Some(s);
                }
                continue;
            }
            return match key {
                Key::Borrowed(k) => seed
                    .deserialize(de::value::BorrowedStrDeserializer::new(k))
                    .map(Some),
                Key::Owned(k) => seed
                    .deserialize(de::IntoDeserializer::<A::Error>::into_deserializer(k))
                    .map(Some),
            };
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.inner.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.inner.size_hint()
    }
}

enum Key<'de> {
    Borrowed(&'de str),
    Owned(String),
}

impl Key<'_> {
    fn as_str(&self) -> &str {
        match self {
            Key::Borrowed(k) => k,
            Key::Owned(k) => k,
        }
    }
}

struct KeySeed;

impl<'de> DeserializeSeed<'de> for KeySeed {
    type Value = Key<'de>;

    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<Key<'de>, D::Error> {
        d.deserialize_str(KeySeed)
    }
}

impl<'de> Visitor<'de> for KeySeed {
    type Value = Key<'de>;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map key")
    }

    fn visit_borrowed_str<E: de::Error>(self, v: &'de str) -> Result<Key<'de>, E> {
        Ok(Key::Borrowed(v))
    }

    fn visit_str<E: de::Error>(self, v: &str) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v.to_owned()))
    }

    fn visit_string<E: de::Error>(self, v: String) -> Result<Key<'de>, E> {
        Ok(Key::Owned(v))
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;
    use serde_json::{Value, json};

    use super::*;

    const KEY: &str = "_caller_worker_id";

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        a: i64,
        nested: Option<Inner>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Inner {
        #[serde(rename = "_caller_worker_id")]
        kept: String,
    }

    #[test]
    fn strips_the_key_anywhere_in_the_top_level_object() {
        for text in [
            r#"{"_caller_worker_id":"w1","a":1}"#,
            r#"{"a":1,"_caller_worker_id":"w1"}"#,
            r#"{ "a" : 1 , "_caller_worker_id" : "w1" }"#,
        ] {
            let (v, caller) = from_str_stripping::<Strict>(text, KEY).expect(text);
            assert_eq!(v, Strict { a: 1, nested: None });
            assert_eq!(caller.as_deref(), Some("w1"));
        }
    }

    #[test]
    fn nested_keys_are_left_alone() {
        let text = r#"{"a":1,"nested":{"_caller_worker_id":"inner"},"_caller_worker_id":"w"}"#;
        let (v, caller) = from_str_stripping::<Strict>(text, KEY).expect("nested");
        assert_eq!(v.nested.expect("nested").kept, "inner");
        assert_eq!(caller.as_deref(), Some("w"));
    }

    #[test]
    fn maps_values_options_and_escaped_keys() {
        let (m, caller) = from_str_stripping::<HashMap<String, i64>>(
            r#"{"x":1,"y\u0041":2,"_caller_worker_id":"w"}"#,
            KEY,
        )
        .expect("map");
        assert_eq!(m, HashMap::from([("x".into(), 1), ("yA".into(), 2)]));
        assert_eq!(caller.as_deref(), Some("w"));
        let (v, _) =
            from_str_stripping::<Value>(r#"{"_caller_worker_id":"w","k":[1,{"z":null}]}"#, KEY)
                .expect("value");
        assert_eq!(v, json!({"k": [1, {"z": null}]}));
        let (o, _) =
            from_str_stripping::<Option<Strict>>(r#"{"a":3,"_caller_worker_id":"w"}"#, KEY)
                .expect("option");
        assert_eq!(o, Some(Strict { a: 3, nested: None }));
        #[derive(Debug, Deserialize, PartialEq)]
        struct Wrapped(Strict);
        let (w, _) = from_str_stripping::<Wrapped>(r#"{"a":4,"_caller_worker_id":"w"}"#, KEY)
            .expect("newtype");
        assert_eq!(w, Wrapped(Strict { a: 4, nested: None }));
        let (n, caller) = from_str_stripping::<i64>("42", KEY).expect("number");
        assert_eq!((n, caller), (42, None));
    }

    #[test]
    fn errors_keep_their_path() {
        let e = from_str_stripping::<Strict>(r#"{"_caller_worker_id":"w","a":"x"}"#, KEY)
            .expect_err("wrong type");
        assert_eq!(e.path().to_string(), "a");
        let e = from_str_stripping::<Strict>(r#"{"_caller_worker_id":"w","b":1}"#, KEY)
            .expect_err("unknown field");
        assert!(e.to_string().contains("unknown field `b`"), "{e}");
    }
}
