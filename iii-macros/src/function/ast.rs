//! An `#[iii::function]` as parsed: its options read as literals of the right kind, its
//! trigger attributes taken off the function and parsed, the function itself. Nothing is
//! checked yet: [`super::validate`] does that.

use syn::{ItemFn, LitBool, LitInt, LitStr};

use crate::args::Required;
use crate::krate::Runtime;
use crate::trigger::ast::Trigger;

/// The parsed attribute and function.
pub(crate) struct Function {
    pub(crate) options: Options,
    /// How the generated code names the runtime (from `crate = "…"` or the manifest).
    pub(crate) runtime: Runtime,
    pub(crate) triggers: Vec<Trigger>,
    /// The user's function without our attributes (triggers, `#[input]` marks).
    pub(crate) item: ItemFn,
    /// For each parameter, whether it was marked `#[input]`.
    pub(crate) forced_inputs: Vec<bool>,
    /// The doc comment's text, the default description.
    pub(crate) doc: Option<String>,
}

/// The attribute's options.
pub(crate) struct Options {
    pub(crate) id: Required<LitStr>,
    pub(crate) description: Option<LitStr>,
    pub(crate) timeout: Option<LitStr>,
    pub(crate) concurrency: Option<LitInt>,
    pub(crate) marker: Option<Marker>,
}

/// `marker = …`.
pub(crate) enum Marker {
    /// `true` or `false`.
    Bool(LitBool),
    /// `"Name"`: a type name still to be checked.
    Name(LitStr),
}
