//! The JSON plumbing that every function the engine answers shares: the [`Outcome`] of an
//! invocation, decoding a builtin's input, encoding its reply, and the engine's own invocation
//! errors.
//!
//! It sits just above the protocol types, so that the stores, the builtin handlers, the router
//! and the firing layer all use it without importing one another.

use iii_protocol::{ErrorBody, codes};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

/// What an invocation ends with: a result (absent = `null`) or an error body.
pub(crate) type Outcome = Result<Option<Box<RawValue>>, ErrorBody>;

/// Decodes a builtin's input; a mismatch is a `deserialization_error`.
pub(crate) fn input<T: DeserializeOwned>(data: &str) -> Result<T, ErrorBody> {
    serde_json::from_str(data)
        .map_err(|e| ErrorBody::new(codes::DESERIALIZATION_ERROR, e.to_string()))
}

/// Decodes an optional input: JSON `null` is `T::default()` (filters that may be left out).
pub(crate) fn input_or_default<T: DeserializeOwned + Default>(data: &str) -> Result<T, ErrorBody> {
    if is_null(data) {
        Ok(T::default())
    } else {
        input(data)
    }
}

/// Encodes a value as a raw JSON payload.
pub(crate) fn to_raw<T: Serialize + ?Sized>(value: &T) -> Result<Box<RawValue>, ErrorBody> {
    iii_protocol::raw::to_raw(value)
        .map_err(|e| ErrorBody::new(codes::SERIALIZATION_ERROR, e.to_string()))
}

/// Encodes a builtin's output.
pub(crate) fn reply<T: Serialize + ?Sized>(value: &T) -> Outcome {
    to_raw(value).map(Some)
}

/// The `null` result.
pub(crate) fn null() -> Outcome {
    Ok(None)
}

/// Whether a raw payload is JSON `null` (builtins with optional filters accept it).
pub(crate) fn is_null(data: &str) -> bool {
    data.trim() == "null"
}

/// The error of a call whose function is unknown.
pub(crate) fn not_found(function_id: &str) -> ErrorBody {
    ErrorBody::new(
        codes::FUNCTION_NOT_FOUND,
        format!("Function {function_id} not found"),
    )
}

/// The error of a call whose holder went away (or of an engine that is stopping).
pub(crate) fn stopped() -> ErrorBody {
    ErrorBody::new(codes::INVOCATION_STOPPED, "Invocation stopped")
}
