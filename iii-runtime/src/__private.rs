//! Support for the code `iii-macros` generates. Not a public API: names here change without
//! notice.

pub use inventory;
pub use schemars;
pub use serde;
pub use serde_json;

pub use crate::body::{FromBody, stream_reply};
pub use crate::entry::{IntoApp, run_main};
pub use crate::extract::{FromInvocation, PathProbe};
pub use crate::registry::{FunctionRegistration, TriggerSpec};
pub use crate::reply::{Reply, http_reply};
pub use crate::state_map::StateKey;
pub use crate::typed_call::TypedFunction;
pub use crate::worker::{HandlerFuture, Invocation, json_reply, run_blocking};

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

/// Compile-time check that a handler's input type can be deserialized; the macro places it at
/// the input type so that a missing `Deserialize` is reported there.
pub fn assert_input<T: serde::de::DeserializeOwned + Send + 'static>() {}

/// Compile-time check that a handler's output type can be serialized.
pub fn assert_output<T: serde::Serialize>() {}

/// Compile-time check that a parameter classified as an extractor is one.
pub fn assert_extractor<T: FromInvocation>() {}

/// What a handler's `Result<T, E>` may use as `E`: [`Error`], any `std::error::Error`,
/// `anyhow::Error`, `String`, `&'static str`: everything that converts into a [`BoxError`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a handler's error type",
    label = "this error type does not convert into `iii::Error`",
    note = "use `iii::Error`, a type with `impl From<{Self}> for iii::Error` (its code and status are kept), a type implementing `std::error::Error`, `anyhow::Error` or `String`"
)]
pub trait HandlerError {
    /// Converts into [`Error`]: an `iii::Error` passes through unchanged, anything else becomes
    /// an `invocation_failed` error with the original kept as its source.
    fn into_error(self) -> Error;
}

impl<E: Into<BoxError>> HandlerError for E {
    fn into_error(self) -> Error {
        match self.into().downcast::<Error>() {
            Ok(e) => *e,
            Err(other) => Error::from_source(other),
        }
    }
}

/// What a trigger attribute's `topic = CONST` must be: a [`Topic`](crate::Topic) carrying
/// the function's input type `I`.
#[diagnostic::on_unimplemented(
    message = "this topic does not carry `{I}`, the function's input",
    label = "`{Self}` is not a `Topic<{I}>`",
    note = "publishers and consumers of a topic share its message type: declare the constant as `Topic<{I}>`, or take the topic's message type as the input"
)]
pub trait Carries<I> {}

impl<T> Carries<T> for crate::Topic<T> {}

/// Compile-time check that the `Topic<T>` a trigger attribute names carries `I`.
pub const fn topic_carries<I, X: Carries<I>>(_: &X) {}

/// Converts a handler's error, preferring the user's own `impl From<E> for iii::Error` (its
/// code and status are kept) over the boxing every `std::error::Error` allows.
///
/// Autoref specialization: the generated code calls `(&&error_probe(&e)).convert(e)`, and
/// method lookup tries, in this order, [`ViaFrom`]'s impl on `&ErrorProbe<E>` (when
/// `E: Into<iii::Error>`), [`ViaLocal`]'s on `&&ErrorProbe<anyhow::Error>` and
/// `&&ErrorProbe<Box<dyn Error>>`, and [`ViaBox`]'s on
/// `ErrorProbe<E>`, whose bound is checked at the call so that an error type that converts
/// into nothing gets [`HandlerError`]'s message.
pub struct ErrorProbe<E>(std::marker::PhantomData<E>);

/// The probe for the error `_e`'s type.
pub fn error_probe<E>(_e: &E) -> ErrorProbe<E> {
    ErrorProbe(std::marker::PhantomData)
}

/// Chosen when `E: Into<iii::Error>`: the conversion the user wrote (or `iii::Error` itself).
pub trait ViaFrom {
    /// The error type.
    type Source;
    /// Converts with `Into<iii::Error>`.
    fn convert(&self, e: Self::Source) -> Error;
}

impl<E: Into<Error>> ViaFrom for &ErrorProbe<E> {
    type Source = E;
    fn convert(&self, e: E) -> Error {
        e.into()
    }
}

/// Chosen for two error types a blanket impl cannot take next to [`ViaFrom`]'s:
/// `anyhow::Error` (whose boxed form hides the error inside, so an `iii::Error` in it is found
/// with anyhow's own downcast) and `Box<dyn std::error::Error>`, which is not `Send` (its
/// message is kept).
pub trait ViaLocal {
    /// The error type.
    type Source;
    /// Converts into an [`Error`].
    fn convert(&self, e: Self::Source) -> Error;
}

impl ViaLocal for &&ErrorProbe<anyhow::Error> {
    type Source = anyhow::Error;
    fn convert(&self, e: anyhow::Error) -> Error {
        match e.downcast::<Error>() {
            Ok(e) => e,
            Err(other) => Error::from_source(other),
        }
    }
}

impl ViaLocal for &&ErrorProbe<Box<dyn std::error::Error>> {
    type Source = Box<dyn std::error::Error>;
    fn convert(&self, e: Box<dyn std::error::Error>) -> Error {
        Error::internal(e.to_string())
    }
}

/// Chosen otherwise: any error that boxes into a [`BoxError`].
pub trait ViaBox {
    /// The error type.
    type Source;
    /// Converts through [`HandlerError`].
    fn convert(&self, e: Self::Source) -> Error
    where
        Self::Source: HandlerError;
}

impl<E> ViaBox for ErrorProbe<E> {
    type Source = E;
    fn convert(&self, e: E) -> Error
    where
        E: HandlerError,
    {
        HandlerError::into_error(e)
    }
}

/// The key of a `State<T>` parameter, recorded for the check before connecting.
pub fn state_key<T: 'static>() -> StateKey {
    StateKey::of::<T>()
}

/// Finds `T`'s JSON Schema when `T: JsonSchema`, `None` otherwise (autoref specialization:
/// the generated code calls `(&SchemaProbe::<T>::new()).schema()`; method lookup tries the
/// receiver `&SchemaProbe<T>` as is first, which [`HasSchema`]'s impl on `SchemaProbe<T>`
/// takes when the bound holds, and only then `&&SchemaProbe<T>`, [`NoSchema`]'s).
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

impl<T: schemars::JsonSchema> HasSchema for SchemaProbe<T> {
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

impl<T> NoSchema for &SchemaProbe<T> {}

/// Finds `T`'s [`PathProbe`] when `T: DeserializeOwned`, `None` otherwise, so that a `Path<T>`
/// whose `T` does not deserialize is reported once, by the extractor's own check.
pub struct PathProbeOf<T>(std::marker::PhantomData<T>);

impl<T> PathProbeOf<T> {
    /// The probe.
    pub fn new() -> Self {
        Self(std::marker::PhantomData)
    }
}

impl<T> Default for PathProbeOf<T> {
    fn default() -> Self {
        Self::new()
    }
}

/// Chosen when `T: DeserializeOwned`.
pub trait HasPathProbe {
    /// The probe.
    fn path_probe(&self) -> Option<PathProbe>;
}

impl<T: serde::de::DeserializeOwned> HasPathProbe for PathProbeOf<T> {
    fn path_probe(&self) -> Option<PathProbe> {
        Some(PathProbe::of::<T>())
    }
}

/// Chosen otherwise.
pub trait NoPathProbe {
    /// No probe.
    fn path_probe(&self) -> Option<PathProbe> {
        None
    }
}

impl<T> NoPathProbe for &PathProbeOf<T> {}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, schemars::JsonSchema)]
    #[allow(dead_code)]
    struct Ids {
        id: u64,
    }

    struct Plain;

    // The borrows are the mechanism, written as the generated code writes them.
    #[allow(clippy::needless_borrow)]
    #[test]
    fn probes_pick_the_specialized_impl_when_the_bound_holds() {
        assert!((&SchemaProbe::<Ids>::new()).schema().is_some());
        assert!((&SchemaProbe::<Plain>::new()).schema().is_none());
        let probe = (&PathProbeOf::<Ids>::new()).path_probe();
        assert_eq!(probe.and_then(|p| (p.fields)()), Some(&["id"][..]));
        assert!((&PathProbeOf::<Plain>::new()).path_probe().is_none());
    }

    #[derive(Debug, thiserror::Error)]
    #[error("custom failure")]
    struct Custom;

    #[test]
    fn handler_errors_convert_and_keep_their_identity() {
        let converted = Error::not_found("nope").into_error();
        assert_eq!(converted.status(), 404);
        assert_eq!(converted.code(), "not_found");

        let converted = Custom.into_error();
        assert_eq!(converted.code(), "invocation_failed");
        assert_eq!(converted.message(), "custom failure");
        assert!(std::error::Error::source(&converted).is_some());

        let converted = String::from("plain text").into_error();
        assert_eq!(converted.message(), "plain text");
    }
}
