//! Helpers for the raw JSON values that the protocol forwards without parsing.

use serde_json::value::RawValue;

/// A raw JSON `null`, the value of a missing `data` or `config`.
pub fn null() -> Box<RawValue> {
    RawValue::NULL.to_owned()
}

/// Whether a raw value is JSON `null`.
pub fn is_null(value: &RawValue) -> bool {
    value.get().trim() == "null"
}

/// Serializes `value` into a raw JSON value.
///
/// # Errors
/// Fails when `value`'s `Serialize` implementation fails (for example a map with non-string keys).
pub fn to_raw<T: serde::Serialize + ?Sized>(value: &T) -> serde_json::Result<Box<RawValue>> {
    serde_json::value::to_raw_value(value)
}
