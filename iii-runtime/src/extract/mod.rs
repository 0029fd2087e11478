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
mod extractor;
mod fields;
mod headers;
mod path;
mod query;
mod request;
mod state;

pub use extractor::FromInvocation;
pub use fields::PathProbe;
pub use headers::Headers;
pub use path::Path;
pub(crate) use path::route_order;
pub use query::Query;
pub use state::State;
