//! Extractors: handler parameters filled from the invocation rather than from its input.
//!
//! `#[iii::function]` treats a parameter whose type is [`Context`](crate::Context),
//! [`State<T>`], [`Path<T>`], [`Query<T>`], [`Headers`] or `http::Request<T>` as an extractor
//! and every other parameter (at most one) as the typed input. The macro sees names, not
//! types: a type counts as an extractor when it is written as a single imported name
//! (`Context`) or through `iii::`, `http::` or the `crate = "…"` path; `api::Context` is an
//! input. Mark a parameter `#[input]` to take your own type named like an extractor as the
//! input. Extractors that read the HTTP
//! request see empty parameters when the function is called directly, so a function stays
//! callable both ways as long as those parameters are optional.
//!
//! A failing extractor answers `400 invalid_input` naming what was wrong, except a missing
//! [`State<T>`], which is a programming error (`500`, and reported before the worker connects
//! when `#[iii::main]` serves the function).

mod de;
mod fields;
mod headers;
mod path;
mod query;
mod request;
mod state;

pub use fields::PathProbe;
pub use headers::Headers;
pub use path::Path;
pub(crate) use path::route_order;
pub use query::Query;
pub use state::{State, StateKey, StateMap};

use crate::context::Context;
use crate::error::Result;
use crate::invocation::Invocation;

/// A value a handler parameter can be extracted from an [`Invocation`].
#[diagnostic::on_unimplemented(
    message = "`{Self}` is not an extractor",
    label = "not an extractor",
    note = "extractors are `iii::Context`, `iii::State<T>`, `iii::Path<T>`, `iii::Query<T>`, `iii::Headers` and `http::Request<T>`",
    note = "a parameter whose type is named like one of them is taken for it; if `{Self}` is your own type, taken as the input, mark the parameter `#[input]` or write its path, e.g. `crate::{Self}`"
)]
pub trait FromInvocation: Sized {
    /// Extracts the value.
    ///
    /// # Errors
    /// [`Error::InvalidInput`](crate::Error::InvalidInput) when the invocation does not
    /// contain what the extractor needs.
    fn from_invocation(invocation: &mut Invocation) -> Result<Self>;
}

impl FromInvocation for Context {
    fn from_invocation(invocation: &mut Invocation) -> Result<Self> {
        Ok(invocation.take_context())
    }
}
