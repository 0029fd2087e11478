//! Support for the code `iii-macros` generates. Not a public API: names here change without
//! notice.

pub use inventory;
pub use schemars;
pub use serde;
pub use serde_json;

pub use crate::app::{IntoApp, run_main};
pub use crate::extract::{FromInvocation, StateKey};
pub use crate::handler::{HandlerFuture, json_reply, run_blocking};
pub use crate::invocation::{Invocation, Reply};
pub use crate::registry::{FunctionRegistration, TriggerSpec};
pub use crate::reply::http_reply;
pub use crate::typed_call::TypedFunction;

use crate::error::{BoxError, Error};

/// Boxes a handler future.
pub fn boxed<F>(future: F) -> HandlerFuture
where
    F: std::future::Future<Output = crate::Result<Reply>> + Send + 'static,
{
    Box::pin(future)
}

/// The JSON Schema of `T`, for `request_format` / `response_format`.
pub fn schema_of<T: schemars::JsonSchema>() -> Option<serde_json::Value> {
    serde_json::to_value(schemars::schema_for!(T)).ok()
}

/// Wraps a handler's error for conversion into [`Error`] by autoref specialization: an
/// `iii::Error` passes through, any `std::error::Error` is kept as the source, anything else
/// convertible into a boxed error (`anyhow::Error`, `String`, `&str`) is boxed.
pub struct ErrorWrap<'a, E>(pub &'a E);

/// Conversion chosen for `iii::Error`.
pub struct IiiTag;
/// Conversion chosen for `std::error::Error` types.
pub struct StdTag;
/// Conversion chosen for other types convertible into a boxed error.
pub struct BoxTag;

impl IiiTag {
    /// Passes the error through.
    pub fn convert(self, e: Error) -> Error {
        e
    }
}

impl StdTag {
    /// Keeps the error as the source of an `invocation_failed` error.
    pub fn convert<E: std::error::Error + Send + Sync + 'static>(self, e: E) -> Error {
        Error::from_source(e)
    }
}

impl BoxTag {
    /// Boxes the error.
    pub fn convert<E: Into<BoxError>>(self, e: E) -> Error {
        Error::from_source(e)
    }
}

/// Highest priority: `iii::Error`.
pub trait IiiKind {
    /// Picks the conversion.
    fn iii_kind(&self) -> IiiTag {
        IiiTag
    }
}
impl IiiKind for &&ErrorWrap<'_, Error> {}

/// Second: `std::error::Error`.
pub trait StdKind {
    /// Picks the conversion.
    fn iii_kind(&self) -> StdTag {
        StdTag
    }
}
impl<E: std::error::Error + Send + Sync + 'static> StdKind for &ErrorWrap<'_, E> {}

/// Last: anything convertible into a boxed error.
pub trait BoxKind {
    /// Picks the conversion.
    fn iii_kind(&self) -> BoxTag {
        BoxTag
    }
}
impl<E: Into<BoxError>> BoxKind for ErrorWrap<'_, E> {}

/// Compile-time check that a handler's input type can be deserialized; the macro places it at
/// the input type so that a missing `Deserialize` is reported there.
pub fn assert_input<T: serde::de::DeserializeOwned + Send + 'static>() {}

/// Compile-time check that a handler's output type can be serialized.
pub fn assert_output<T: serde::Serialize>() {}

/// Compile-time check that a parameter classified as an extractor is one.
pub fn assert_extractor<T: FromInvocation>() {}

/// Compile-time check that a handler's error type converts into [`Error`].
pub fn assert_error<E: HandlerError>() {}

/// What a handler's `Result<T, E>` may use as `E`: [`Error`], any `std::error::Error`,
/// `anyhow::Error`, `String`, `&'static str`: everything that converts into a [`BoxError`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a handler's error type",
    label = "this error type does not convert into `iii::Error`",
    note = "use `iii::Error`, a type implementing `std::error::Error + Send + Sync + 'static`, `anyhow::Error` or `String`"
)]
pub trait HandlerError {}

impl<E: Into<BoxError>> HandlerError for E {}

/// Compile-time check of what an `#[iii::main]` body evaluates to.
pub fn assert_into_app<T: IntoApp>() {}

/// The key of a `State<T>` parameter, recorded for the check before connecting.
pub fn state_key<T: 'static>() -> StateKey {
    StateKey::of::<T>()
}

/// Finds `T`'s JSON Schema when `T: JsonSchema`, `None` otherwise (autoref specialization).
pub struct SchemaProbe<T>(std::marker::PhantomData<T>);

impl<T> SchemaProbe<T> {
    /// The probe.
    pub fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<T> Default for SchemaProbe<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen when `T: JsonSchema`.
pub trait HasSchema {
    /// The schema.
    fn schema(&self) -> Option<serde_json::Value>;
}

impl<T: schemars::JsonSchema> HasSchema for &SchemaProbe<T> {
    fn schema(&self) -> Option<serde_json::Value> {
        schema_of::<T>()
    }
}

/// Chosen otherwise.
pub trait NoSchema {
    /// No schema.
    fn schema(&self) -> Option<serde_json::Value> {
        None
    }
}

impl<T> NoSchema for SchemaProbe<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Debug, thiserror::Error)]
    #[error("custom failure")]
    struct Custom;

    #[test]
    #[allow(clippy::needless_borrow)] // the macro writes `&&&` for every error type
    fn autoref_picks_the_most_specific_conversion() {
        let e = Error::not_found("nope");
        let converted = (&&&ErrorWrap(&e)).iii_kind().convert(e);
        assert_eq!(converted.status(), 404);

        let e = Custom;
        let converted = (&&&ErrorWrap(&e)).iii_kind().convert(e);
        assert_eq!(converted.code(), "invocation_failed");
        assert!(std::error::Error::source(&converted).is_some());

        let e = String::from("plain text");
        let converted = (&&&ErrorWrap(&e)).iii_kind().convert(e);
        assert_eq!(converted.message(), "plain text");
    }
}
