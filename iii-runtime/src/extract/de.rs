//! A serde deserializer over text values (route parameters, query strings): each value is
//! parsed into whatever the target type asks for, so `u64`, `bool`, `Option<String>` or a
//! unit enum all work. A whole parameter set reads as a map (structs), a sequence (tuples,
//! in route order), or, when there is exactly one parameter, as that single value.

use serde::de::value::{Error, MapDeserializer, SeqDeserializer};
use serde::de::{self, Error as _, IntoDeserializer, Visitor};

/// An ordered set of `name = text` parameters.
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

/// One text value.
pub(crate) struct Text(pub(crate) String);

impl<'de> IntoDeserializer<'de, Error> for Text {
    type Deserializer = Self;

    fn into_deserializer(self) -> Self {
        self
    }
}

macro_rules! parse_as {
    ($($method:ident => $visit:ident : $ty:ty, $what:literal;)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            match self.0.trim().parse::<$ty>() {
                Ok(v) => visitor.$visit(v),
                Err(_) => Err(Error::custom(format_args!(
                    "cannot parse `{}` as {}", self.0, $what
                ))),
            }
        }
    )*};
}

impl<'de> de::Deserializer<'de> for Text {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_string(self.0)
    }

    parse_as! {
        deserialize_bool => visit_bool: bool, "a boolean (`true` or `false`)";
        deserialize_i8 => visit_i8: i8, "an integer (i8)";
        deserialize_i16 => visit_i16: i16, "an integer (i16)";
        deserialize_i32 => visit_i32: i32, "an integer (i32)";
        deserialize_i64 => visit_i64: i64, "an integer (i64)";
        deserialize_i128 => visit_i128: i128, "an integer (i128)";
        deserialize_u8 => visit_u8: u8, "a non-negative integer (u8)";
        deserialize_u16 => visit_u16: u16, "a non-negative integer (u16)";
        deserialize_u32 => visit_u32: u32, "a non-negative integer (u32)";
        deserialize_u64 => visit_u64: u64, "a non-negative integer (u64)";
        deserialize_u128 => visit_u128: u128, "a non-negative integer (u128)";
        deserialize_f32 => visit_f32: f32, "a number";
        deserialize_f64 => visit_f64: f64, "a number";
        deserialize_char => visit_char: char, "a single character";
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_some(self)
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_enum(self.0.into_deserializer())
    }

    serde::forward_to_deserialize_any! {
        str string bytes byte_buf unit_struct seq tuple tuple_struct map struct identifier
        ignored_any
    }
}

macro_rules! single {
    ($($method:ident)*) => {$(
        fn $method<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
            self.single()?.$method(visitor)
        }
    )*};
}

impl Params {
    fn single(self) -> Result<Text, Error> {
        let count = self.0.len();
        match <[(String, String); 1]>::try_from(self.0) {
            Ok([(_, value)]) => Ok(Text(value)),
            Err(_) => Err(Error::custom(format_args!(
                "expected exactly one parameter, found {count}"
            ))),
        }
    }

    fn map<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut map = MapDeserializer::new(self.0.into_iter().map(|(k, v)| (k, Text(v))));
        let value = visitor.visit_map(&mut map)?;
        map.end()?;
        Ok(value)
    }

    fn seq<'de, V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        let mut seq = SeqDeserializer::new(self.0.into_iter().map(|(_, v)| Text(v)));
        let value = visitor.visit_seq(&mut seq)?;
        seq.end()?;
        Ok(value)
    }
}

impl<'de> de::Deserializer<'de> for Params {
    type Error = Error;

    fn deserialize_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.map(visitor)
    }

    fn deserialize_map<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.map(visitor)
    }

    fn deserialize_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _fields: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.map(visitor)
    }

    fn deserialize_seq<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        self.seq(visitor)
    }

    fn deserialize_tuple<V: Visitor<'de>>(
        self,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.seq(visitor)
    }

    fn deserialize_tuple_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        _len: usize,
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.seq(visitor)
    }

    fn deserialize_newtype_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_newtype_struct(self)
    }

    fn deserialize_option<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        if self.0.is_empty() {
            visitor.visit_none()
        } else {
            visitor.visit_some(self)
        }
    }

    fn deserialize_unit<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    fn deserialize_enum<V: Visitor<'de>>(
        self,
        name: &'static str,
        variants: &'static [&'static str],
        visitor: V,
    ) -> Result<V::Value, Error> {
        self.single()?.deserialize_enum(name, variants, visitor)
    }

    fn deserialize_ignored_any<V: Visitor<'de>>(self, visitor: V) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }

    single! {
        deserialize_bool deserialize_i8 deserialize_i16 deserialize_i32 deserialize_i64
        deserialize_i128 deserialize_u8 deserialize_u16 deserialize_u32 deserialize_u64
        deserialize_u128 deserialize_f32 deserialize_f64 deserialize_char deserialize_str
        deserialize_string deserialize_bytes deserialize_byte_buf deserialize_identifier
    }

    fn deserialize_unit_struct<V: Visitor<'de>>(
        self,
        _name: &'static str,
        visitor: V,
    ) -> Result<V::Value, Error> {
        visitor.visit_unit()
    }
}

/// Deserializes `T` from `params`; the error names the offending parameter when it can.
pub(crate) fn from_params<T: de::DeserializeOwned>(
    params: Vec<(String, String)>,
) -> Result<T, (String, Option<String>)> {
    serde_path_to_error::deserialize(Params(params)).map_err(|e| {
        let path = e.path().to_string();
        (e.into_inner().to_string(), (path != ".").then_some(path))
    })
}

#[cfg(test)]
mod tests {
    use serde::Deserialize;

    use super::*;

    fn p(pairs: &[(&str, &str)]) -> Vec<(String, String)> {
        pairs
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect()
    }

    #[derive(Debug, Deserialize, PartialEq)]
    struct Ids {
        id: u64,
        name: String,
        flag: Option<bool>,
    }

    #[derive(Debug, Deserialize, PartialEq)]
    #[serde(rename_all = "lowercase")]
    enum Order {
        Asc,
        Desc,
    }

    #[test]
    fn structs_tuples_and_scalars() {
        let ids: Ids = from_params(p(&[("id", "7"), ("name", "Ada")])).expect("struct");
        assert_eq!(
            ids,
            Ids {
                id: 7,
                name: "Ada".into(),
                flag: None
            }
        );
        let pair: (String, u32) = from_params(p(&[("a", "x"), ("b", "3")])).expect("tuple");
        assert_eq!(pair, ("x".into(), 3));
        let one: u64 = from_params(p(&[("id", "42")])).expect("scalar");
        assert_eq!(one, 42);
        let order: Order = from_params(p(&[("o", "desc")])).expect("enum");
        assert_eq!(order, Order::Desc);
        let name: String = from_params(p(&[("name", "007")])).expect("string stays text");
        assert_eq!(name, "007");
    }

    #[test]
    fn errors_name_the_parameter() {
        let (message, path) =
            from_params::<Ids>(p(&[("id", "x"), ("name", "Ada")])).expect_err("bad id");
        assert_eq!(message, "cannot parse `x` as a non-negative integer (u64)");
        assert_eq!(path.as_deref(), Some("id"));
        let (message, _) = from_params::<Ids>(p(&[("id", "1")])).expect_err("missing");
        assert_eq!(message, "missing field `name`");
        let (message, _) = from_params::<u64>(p(&[])).expect_err("none");
        assert_eq!(message, "expected exactly one parameter, found 0");
    }
}
