//! [`FromInvocation`]: what makes a type an extractor, and the simplest one, the invocation's
//! [`Context`].

use crate::error::Result;
use crate::worker::{Context, Invocation};

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
