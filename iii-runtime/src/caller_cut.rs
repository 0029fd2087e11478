//! Reading a worker-to-worker call's input past the `_caller_worker_id` member the engine adds
//! to object payloads, in the same pass that deserializes it: [`Cut`] wraps the JSON
//! deserializer, and the object at the top of the input (inside an `Option` or newtype too)
//! hands its target every member but that one, whose last string value it keeps.
//!
//! So a strict (`deny_unknown_fields`) input type still deserializes, maps get no extra key,
//! and neither the payload's text is searched nor copied first. Keys come to the target as
//! `serde_json` gives map keys: as strings, parsed when the target asks for a number or a bool.
//!
//! One target cannot be served this way: a `RawValue`, which borrows the text as it is. The
//! wrapper reports it ([`Found::raw`]) and fails, and the caller cuts the member from the
//! text instead.

use std::borrow::Cow;
use std::fmt;

use serde::de::value::CowStrDeserializer;
use serde::de::{
    self, DeserializeSeed, Deserializer, EnumAccess, Error as _, MapAccess, SeqAccess, Visitor,
};
use serde::forward_to_deserialize_any;

use crate::borrowed::{MaybeText, Text};

/// The member the engine adds.
pub(crate) const CALLER_KEY: &str = "_caller_worker_id";

/// The name `serde_json` gives a `RawValue`'s newtype.
const RAW_VALUE: &str = "$serde_json::private::RawValue";

/// What the wrapper found: the caller id, and whether the target was a `RawValue`.
#[derive(Debug, Default)]
pub(crate) struct Found {
    /// The value of the last `_caller_worker_id` member, when it was a string.
    pub(crate) caller: Option<String>,
    /// The target asked for the text as it is (a `RawValue`): the deserialization failed.
    pub(crate) raw: bool,
}

/// A deserializer that passes over the top-level `_caller_worker_id` member of an object.
pub(crate) struct Cut<'f, D> {
    de: D,
    found: &'f mut Found,
}

impl<'f, D> Cut<'f, D> {
    pub(crate) fn new(de: D, found: &'f mut Found) -> Self {
        Self { de, found }
    }
}

/// The visitor of the top-level value: objects get their member cut, `Some` and newtypes
/// pass the cut on to what they hold, anything else goes through unchanged.
struct Top<'f, V> {
    visitor: V,
    found: &'f mut Found,
}

macro_rules! forward_deserialize {
    ($($method:ident($($arg:ident: $ty:ty),*);)*) => {$(
        fn $method<V: Visitor<'de>>(self $(, $arg: $ty)*, visitor: V) -> Result<V::Value, D::Error> {
            self.de.$method($($arg,)* Top { visitor, found: self.found })
        }
    )*};
}

impl<'de, D: Deserializer<'de>> Deserializer<'de> for Cut<'_, D> {
    type Error = D::Error;

    forward_deserialize! {
        deserialize_any();
        deserialize_bool();
        deserialize_i8();
        deserialize_i16();
        deserialize_i32();
        deserialize_i64();
        deserialize_i128();
        deserialize_u8();
        deserialize_u16();
        deserialize_u32();
        deserialize_u64();
        deserialize_u128();
        deserialize_f32();
        deserialize_f64();
        deserialize_char();
        deserialize_str();
        deserialize_string();
        deserialize_bytes();
        deserialize_byte_buf();
        deserialize_option();
        deserialize_unit();
        deserialize_unit_struct(name: &'static str);
        deserialize_seq();
        deserialize_tuple(len: usize);
        deserialize_tuple_struct(name: &'static str, len: usize);
        deserialize_map();
        deserialize_struct(name: &'static str, fields: &'static [&'static str]);
        deserialize_enum(name: &'static str, variants: &'static [&'static str]);
        deserialize_identifier();
        deserialize_ignored_any();
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        name: &'static str,
        visitor: V,
    ) -> Result<V::Value, D::Error> {
        if name == RAW_VALUE {
            self.found.raw = true;
            return Err(D::Error::custom("a raw value is read from the text"));
        }
        self.de.deserialize_newtype_struct(
            name,
            Top {
                visitor,
                found: self.found,
            },
        )
    }

    fn is_human_readable(&self) -> bool {
        self.de.is_human_readable()
    }
}

macro_rules! forward_visit {
    ($($method:ident($ty:ty);)*) => {$(
        fn $method<E: de::Error>(self, v: $ty) -> Result<Self::Value, E> {
            self.visitor.$method(v)
        }
    )*};
}

impl<'de, V: Visitor<'de>> Visitor<'de> for Top<'_, V> {
    type Value = V::Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.visitor.expecting(f)
    }

    forward_visit! {
        visit_bool(bool);
        visit_i8(i8);
        visit_i16(i16);
        visit_i32(i32);
        visit_i64(i64);
        visit_i128(i128);
        visit_u8(u8);
        visit_u16(u16);
        visit_u32(u32);
        visit_u64(u64);
        visit_u128(u128);
        visit_f32(f32);
        visit_f64(f64);
        visit_char(char);
        visit_str(&str);
        visit_borrowed_str(&'de str);
        visit_string(String);
        visit_bytes(&[u8]);
        visit_borrowed_bytes(&'de [u8]);
        visit_byte_buf(Vec<u8>);
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visitor.visit_none()
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        self.visitor.visit_unit()
    }

    fn visit_some<D2: Deserializer<'de>>(self, de: D2) -> Result<Self::Value, D2::Error> {
        self.visitor.visit_some(Cut {
            de,
            found: self.found,
        })
    }

    fn visit_newtype_struct<D2: Deserializer<'de>>(self, de: D2) -> Result<Self::Value, D2::Error> {
        self.visitor.visit_newtype_struct(Cut {
            de,
            found: self.found,
        })
    }

    fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_seq(seq)
    }

    fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_map(Members {
            map,
            found: self.found,
        })
    }

    fn visit_enum<A: EnumAccess<'de>>(self, data: A) -> Result<Self::Value, A::Error> {
        self.visitor.visit_enum(data)
    }
}

/// The top-level object's members, less the caller id.
struct Members<'f, A> {
    map: A,
    found: &'f mut Found,
}

impl<'de, A: MapAccess<'de>> MapAccess<'de> for Members<'_, A> {
    type Error = A::Error;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, A::Error> {
        loop {
            let Some(Text(key)) = self.map.next_key::<Text<'de>>()? else {
                return Ok(None);
            };
            if key != CALLER_KEY {
                return seed.deserialize(KeyDeserializer::new(key)).map(Some);
            }
            // As `serde_json` keeps the last of a key written twice; a value that is no string
            // is a payload's own member of that name, not the engine's id.
            self.found.caller = self
                .map
                .next_value::<MaybeText<'de>>()?
                .0
                .map(Cow::into_owned);
        }
    }

    fn next_value_seed<S: DeserializeSeed<'de>>(&mut self, seed: S) -> Result<S::Value, A::Error> {
        self.map.next_value_seed(seed)
    }

    fn size_hint(&self) -> Option<usize> {
        self.map.size_hint()
    }
}

/// A key handed to the target, read as `serde_json` reads an object's keys: a string
/// (borrowed from the text unless it had escapes), or the number or bool it spells when the
/// target asks for one.
struct KeyDeserializer<'de, E> {
    key: Cow<'de, str>,
    error: std::marker::PhantomData<E>,
}

impl<'de, E> KeyDeserializer<'de, E> {
    fn new(key: Cow<'de, str>) -> Self {
        Self {
            key,
            error: std::marker::PhantomData,
        }
    }
}

macro_rules! parse_key {
    ($($method:ident => $visit:ident: $ty:ty;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
            match self.key.parse::<$ty>() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(E::invalid_value(
                    de::Unexpected::Str(&self.key),
                    &visitor,
                )),
            }
        }
    )*};
}

impl<'de, E: de::Error> Deserializer<'de> for KeyDeserializer<'de, E> {
    type Error = E;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        CowStrDeserializer::<E>::new(self.key).deserialize_any(visitor)
    }

    parse_key! {
        deserialize_bool => visit_bool: bool;
        deserialize_i8 => visit_i8: i8;
        deserialize_i16 => visit_i16: i16;
        deserialize_i32 => visit_i32: i32;
        deserialize_i64 => visit_i64: i64;
        deserialize_i128 => visit_i128: i128;
        deserialize_u8 => visit_u8: u8;
        deserialize_u16 => visit_u16: u16;
        deserialize_u32 => visit_u32: u32;
        deserialize_u64 => visit_u64: u64;
        deserialize_u128 => visit_u128: u128;
        deserialize_f32 => visit_f32: f32;
        deserialize_f64 => visit_f64: f64;
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, E> {
        visitor.visit_some(self)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, E> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, E> {
        CowStrDeserializer::<E>::new(self.key).deserialize_enum(name, variants, visitor)
    }

    forward_to_deserialize_any! {
        char str string bytes byte_buf unit unit_struct seq tuple tuple_struct map struct
        identifier ignored_any
    }
}

#[cfg(test)]
mod tests {
    use std::collections::{BTreeMap, HashMap};

    use serde::Deserialize;
    use serde::de::DeserializeOwned;
    use serde_json::{Value, json};

    use super::*;

    fn read<T: DeserializeOwned>(text: &str) -> (Result<T, serde_json::Error>, Found) {
        let mut found = Found::default();
        let mut de = serde_json::Deserializer::from_str(text);
        let read = T::deserialize(Cut::new(&mut de, &mut found)).and_then(|v| de.end().map(|()| v));
        (read, found)
    }

    #[derive(Debug, PartialEq, Deserialize)]
    #[serde(deny_unknown_fields)]
    struct Strict {
        a: u32,
        b: Vec<Value>,
    }

    #[test]
    fn a_strict_struct_reads_without_the_member_wherever_it_stands() {
        for text in [
            r#"{"_caller_worker_id":"w1","a":1,"b":[{"_caller_worker_id":"inner"}]}"#,
            r#"{"a":1,"_caller_worker_id":"w1","b":[{"_caller_worker_id":"inner"}]}"#,
            r#"{"a":1,"b":[{"_caller_worker_id":"inner"}],"_caller\u005fworker_id":"w1"}"#,
            r#"{"_caller_worker_id":7,"a":1,"b":[{"_caller_worker_id":"inner"}],"_caller_worker_id":"w1"}"#,
        ] {
            let (value, found) = read::<Strict>(text);
            let value = value.unwrap_or_else(|e| panic!("{text}: {e}"));
            assert_eq!(value.a, 1, "{text}");
            assert_eq!(
                value.b,
                vec![json!({"_caller_worker_id": "inner"})],
                "{text}"
            );
            assert_eq!(found.caller.as_deref(), Some("w1"), "{text}");
            assert!(!found.raw);
        }
        // The last one counts, as serde_json keeps it; a value that is no string is no id.
        let (_, found) = read::<Value>(r#"{"_caller_worker_id":"w1","_caller_worker_id":[1]}"#);
        assert_eq!(found.caller, None);
    }

    #[test]
    fn maps_values_options_and_enums_lose_the_member_too() {
        let text = r#"{"1":"x","_caller_worker_id":"w1","20":"y"}"#;
        let (map, found) = read::<HashMap<u32, String>>(text);
        assert_eq!(
            map.expect("numeric keys").get(&20).map(String::as_str),
            Some("y")
        );
        assert_eq!(found.caller.as_deref(), Some("w1"));

        let (value, _) = read::<Value>(r#"{"_caller_worker_id":"w1","k":{"n":null}}"#);
        assert_eq!(value.expect("value"), json!({"k": {"n": null}}));

        let (some, found) = read::<Option<Strict>>(r#"{"a":2,"b":[],"_caller_worker_id":"w"}"#);
        assert_eq!(some.expect("some"), Some(Strict { a: 2, b: vec![] }));
        assert_eq!(found.caller.as_deref(), Some("w"));

        #[derive(Debug, PartialEq, Deserialize)]
        #[serde(tag = "kind", rename_all = "lowercase")]
        enum Tagged {
            Add { n: i64 },
        }
        let (tagged, _) = read::<Tagged>(r#"{"_caller_worker_id":"w","kind":"add","n":-3}"#);
        assert_eq!(tagged.expect("tagged"), Tagged::Add { n: -3 });

        #[derive(Debug, PartialEq, Eq, PartialOrd, Ord, Deserialize)]
        #[serde(rename_all = "lowercase")]
        enum Unit {
            On,
        }
        let (keys, _) = read::<BTreeMap<Unit, bool>>(r#"{"on":true,"_caller_worker_id":"w"}"#);
        assert_eq!(keys.expect("unit keys").get(&Unit::On), Some(&true));

        // Not an object: nothing to cut, the input as it is.
        let (list, found) = read::<Vec<String>>(r#"["_caller_worker_id","w"]"#);
        assert_eq!(list.expect("list").len(), 2);
        assert_eq!(found.caller, None);
    }

    #[test]
    fn a_raw_value_is_reported_not_read() {
        let (raw, found) = read::<Box<serde_json::value::RawValue>>(r#"{"_caller_worker_id":"w"}"#);
        assert!(raw.is_err());
        assert!(found.raw);
        let (raw, found) =
            read::<Option<Box<serde_json::value::RawValue>>>(r#"{"_caller_worker_id":"w"}"#);
        assert!(raw.is_err());
        assert!(found.raw);
    }

    #[test]
    fn errors_are_those_of_the_input_and_keep_their_path() {
        let mut found = Found::default();
        let mut de =
            serde_json::Deserializer::from_str(r#"{"_caller_worker_id":"w","a":"x","b":[]}"#);
        let err = serde_path_to_error::deserialize::<_, Strict>(Cut::new(&mut de, &mut found))
            .expect_err("a is no number");
        assert_eq!(err.path().to_string(), "a");
        let (strict, _) = read::<Strict>(r#"{"a":1,"b":[],"c":0,"_caller_worker_id":"w"}"#);
        assert!(
            strict
                .expect_err("c is unknown")
                .to_string()
                .contains("unknown field `c`")
        );
        let (number, _) = read::<HashMap<u8, String>>(r#"{"300":"x"}"#);
        assert!(number.is_err());
    }
}
