//! The validated model of one `#[iii::function]`.

use syn::{Ident, LitStr, Path, Type};

use crate::trigger::TriggerAttr;

pub(crate) struct Model {
    pub(crate) id: LitStr,
    pub(crate) description: Option<String>,
    pub(crate) krate: Path,
    pub(crate) name: Ident,
    pub(crate) is_async: bool,
    pub(crate) params: Vec<Param>,
    pub(crate) output: Output,
    pub(crate) triggers: Vec<TriggerAttr>,
}

/// A handler parameter.
pub(crate) enum Param {
    /// The typed input (deserialized from the payload or the HTTP body).
    Input(Box<Type>),
    /// `iii::Context`.
    Context,
}

/// What the handler returns.
pub(crate) enum Output {
    /// No return type.
    Unit,
    /// `Result<T, E>` (or an alias named `Result`); `ok` is `T` when it can be read.
    Result { ok: Option<Type> },
    /// Any other type `T: Serialize`.
    Plain(Type),
}

impl Model {
    pub(crate) fn input_type(&self) -> Option<&Type> {
        self.params.iter().find_map(|p| match p {
            Param::Input(ty) => Some(ty.as_ref()),
            Param::Context => None,
        })
    }
}
