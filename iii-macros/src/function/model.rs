//! The validated model of one `#[iii::function]`.

use syn::{Ident, LitStr, Path, Type, Visibility};

use crate::trigger::TriggerAttr;

pub(crate) struct Model {
    pub(crate) id: LitStr,
    pub(crate) description: Option<String>,
    pub(crate) krate: Path,
    pub(crate) name: Ident,
    /// The typed-call marker's name; `None` with `marker = false`.
    pub(crate) marker: Option<Ident>,
    pub(crate) vis: Visibility,
    pub(crate) is_async: bool,
    pub(crate) params: Vec<Param>,
    pub(crate) output: Output,
    pub(crate) triggers: Vec<TriggerAttr>,
    pub(crate) timeout_ms: Option<u64>,
    pub(crate) concurrency: Option<usize>,
}

/// A handler parameter.
pub(crate) enum Param {
    /// The typed input (deserialized from the payload or the HTTP body).
    Input(Box<Type>),
    /// A value taken from the invocation; `ty` is the whole parameter type.
    Extractor { ty: Box<Type>, kind: Extractor },
}

/// Which extractor a parameter is (recognised by the type's last path segment, when the
/// path is a single name or goes through `iii`, `http` or the `crate` path).
pub(crate) enum Extractor {
    Context,
    State(Box<Type>),
    /// `Path<T>`: `T` and what it looks like.
    Path(Box<Type>, PathShape),
    Query,
    Headers,
    /// `http::Request<T>`: also consumes the body, of type `T`.
    Request(Box<Type>),
    /// `BodyStream`, `Bytes`, `Multipart`: the raw request body, read asynchronously from
    /// the request's channel (so also the body).
    Body,
}

/// What the handler returns.
pub(crate) struct Output {
    /// `Result<…>`, with the error type when it is spelled out.
    pub(crate) fallible: Option<Option<Type>>,
    pub(crate) value: Value,
}

/// The success value of a handler.
pub(crate) enum Value {
    /// `()` or nothing.
    Unit,
    /// Any `T: Serialize`.
    Json(Type),
    /// `http::Response<T>`: status and headers plus a `T: Serialize` body.
    Response(Type),
    /// `iii::Body`, `iii::Sse<S>` or `http::Response<Body>`: a response streamed through the
    /// request's response channel.
    Streamed(Type),
    /// A `Result` alias without type arguments: the value type is not visible.
    Unknown,
}

impl Model {
    /// The type of the body a caller sends: the input parameter or `Request<T>`'s `T`.
    pub(crate) fn input_type(&self) -> Option<&Type> {
        self.params.iter().find_map(|p| match p {
            Param::Input(ty) => Some(ty.as_ref()),
            Param::Extractor {
                kind: Extractor::Request(body),
                ..
            } => Some(body),
            Param::Extractor { .. } => None,
        })
    }

    /// The type a direct caller receives.
    pub(crate) fn output_type(&self) -> Option<&Type> {
        match &self.output.value {
            Value::Json(ty) | Value::Response(ty) => Some(ty),
            Value::Unit | Value::Unknown | Value::Streamed(_) => None,
        }
    }
}

/// What a `Path<T>`'s `T` looks like from the outside.
#[derive(Clone, Copy)]
pub(crate) enum PathShape {
    Tuple(usize),
    Scalar,
    /// A struct, a map, a newtype…: checked by the runtime, which can ask serde.
    Struct,
}
