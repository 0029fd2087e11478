//! What a `Path<T>`'s `T` expects, learned from its own `Deserialize` impl: the field names
//! serde matches (after `rename` and `rename_all`), and whether a field the route does not
//! provide is required. Checked against each route before the worker connects, since the macro
//! only sees `T`'s name, not its definition.

use std::fmt;

use serde::de::value::StrDeserializer;
use serde::de::{self, DeserializeOwned, DeserializeSeed, IntoDeserializer, MapAccess, Visitor};

/// The route-parameter facts about one `Path<T>`, as function pointers a `static`
/// registration can hold.
#[derive(Debug, Clone, Copy)]
pub struct PathProbe {
    /// `T`'s name, for messages.
    pub type_name: fn() -> &'static str,
    /// The field names serde matches when `T` is a struct; `None` for anything else (maps,
    /// newtypes, tuples, `#[serde(flatten)]`, hand-written impls).
    pub fields: fn() -> Option<&'static [&'static str]>,
    /// The first field `T` requires that is not among the given parameters, when that can be
    /// told.
    pub missing: fn(&[&str]) -> Option<&'static str>,
}

impl PathProbe {
    /// The probe of `T`.
    pub const fn of<T: DeserializeOwned>() -> Self {
        Self {
            type_name: std::any::type_name::<T>,
            fields: fields_of::<T>,
            missing: missing_of::<T>,
        }
    }
}

/// The field names `T::deserialize` hands to `deserialize_struct`.
pub(crate) fn fields_of<T: DeserializeOwned>() -> Option<&'static [&'static str]> {
    match T::deserialize(FieldsProbe) {
        Err(Stop::Fields(fields)) => Some(fields),
        _ => None,
    }
}

/// Deserializes `T` from a map holding `params` with placeholder values: serde reports the
/// first required field that is absent. Values a placeholder cannot stand for (a `Uuid`, an
/// enum) end the probe without an answer.
pub(crate) fn missing_of<T: DeserializeOwned>(params: &[&str]) -> Option<&'static str> {
    match T::deserialize(MapProbe {
        keys: params.iter(),
    }) {
        Err(Stop::Missing(field)) => Some(field),
        _ => None,
    }
}

/// Ends a probe: with what it found, or because the type asked for something else.
#[derive(Debug)]
enum Stop {
    Fields(&'static [&'static str]),
    Missing(&'static str),
    Other,
}

impl fmt::Display for Stop {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("probe finished")
    }
}

impl std::error::Error for Stop {}

impl de::Error for Stop {
    fn custom<M: fmt::Display>(_: M) -> Self {
        Self::Other
    }

    fn missing_field(field: &'static str) -> Self {
        Self::Missing(field)
    }
}

struct FieldsProbe;

impl<'de> de::Deserializer<'de> for FieldsProbe {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop::Other)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        fields: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        Err(Stop::Fields(fields))
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

struct MapProbe<'a> {
    keys: std::slice::Iter<'a, &'a str>,
}

impl<'de> de::Deserializer<'de> for MapProbe<'_> {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop::Other)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_map(self)
    }

    serde::forward_to_deserialize_any! {
        bool i8 i16 i32 i64 i128 u8 u16 u32 u64 u128 f32 f64 char str string bytes byte_buf
        option unit unit_struct newtype_struct seq tuple tuple_struct map enum identifier
        ignored_any
    }
}

impl<'de> MapAccess<'de> for MapProbe<'_> {
    type Error = Stop;

    fn next_key_seed<K: DeserializeSeed<'de>>(
        &mut self,
        seed: K,
    ) -> Result<Option<K::Value>, Stop> {
        match self.keys.next() {
            Some(key) => {
                let key: StrDeserializer<'_, Stop> = key.into_deserializer();
                seed.deserialize(key).map(Some)
            }
            None => Ok(None),
        }
    }

    fn next_value_seed<V: DeserializeSeed<'de>>(&mut self, seed: V) -> Result<V::Value, Stop> {
        seed.deserialize(Placeholder)
    }
}

/// A value of whatever scalar type is asked for.
struct Placeholder;

impl<'de> de::Deserializer<'de> for Placeholder {
    type Error = Stop;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_str("0")
    }

    fn deserialize_bool<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_bool(false)
    }

    fn deserialize_i64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_i64(0)
    }

    fn deserialize_u64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_u64(0)
    }

    fn deserialize_f64<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_f64(0.0)
    }

    fn deserialize_char<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_char('0')
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_none()
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _: &'static str,
        visitor: V,
    ) -> Result<V::Value, Stop> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Stop> {
        visitor.visit_unit()
    }

    fn deserialize_seq<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop::Other)
    }

    fn deserialize_map<V: Visitor<'de>>(self, _: V) -> Result<V::Value, Stop> {
        Err(Stop::Other)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _: &'static str,
        _: &'static [&'static str],
        _: V,
    ) -> Result<V::Value, Stop> {
        Err(Stop::Other)
    }

    serde::forward_to_deserialize_any! {
        i8 i16 i32 i128 u8 u16 u32 u128 f32 str string bytes byte_buf unit_struct tuple
        tuple_struct struct identifier
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;

    use serde::Deserialize;

    use super::*;

    #[derive(Deserialize)]
    #[allow(dead_code)]
    #[serde(rename_all = "camelCase")]
    struct Camel {
        user_id: u64,
        post_id: Option<String>,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Renamed {
        #[serde(rename = "id")]
        user_id: u64,
        #[serde(default)]
        verbose: bool,
        name: String,
    }

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct UserId(u64);

    #[derive(Deserialize)]
    #[allow(dead_code)]
    struct Flat {
        #[serde(flatten)]
        rest: HashMap<String, String>,
    }

    #[test]
    fn fields_are_serdes_names() {
        assert_eq!(fields_of::<Camel>(), Some(&["userId", "postId"][..]));
        assert_eq!(fields_of::<Renamed>(), Some(&["id", "verbose", "name"][..]));
        assert_eq!(fields_of::<UserId>(), None);
        assert_eq!(fields_of::<HashMap<String, String>>(), None);
        assert_eq!(fields_of::<Flat>(), None);
        assert_eq!(fields_of::<(u64, String)>(), None);
        assert_eq!(fields_of::<u64>(), None);
    }

    #[test]
    fn required_fields_the_route_lacks() {
        assert_eq!(missing_of::<Camel>(&["userId"]), None);
        assert_eq!(missing_of::<Camel>(&[]), Some("userId"));
        assert_eq!(missing_of::<Renamed>(&["id", "name"]), None);
        assert_eq!(missing_of::<Renamed>(&["id"]), Some("name"));
        assert_eq!(missing_of::<UserId>(&[]), None);
        assert_eq!(missing_of::<HashMap<String, String>>(&["a"]), None);
    }
}
