//! A trigger attribute as parsed: its options read as literals of the right kind, nothing
//! checked yet (the route, the cron expression, required options and empty strings are the
//! validation step's).

use proc_macro2::Span;
use syn::{ItemFn, LitStr};

use crate::args::Required;

/// One trigger attribute.
pub(crate) struct Trigger {
    /// The attribute's path (`iii::http`): errors about the whole attribute point there.
    pub(crate) at: syn::Path,
    pub(crate) kind: Kind,
}

/// Which trigger, and its options.
pub(crate) enum Kind {
    Http {
        method: Option<LitStr>,
        path: Required<LitStr>,
    },
    Cron {
        expression: Required<LitStr>,
    },
    Queue {
        topic: Required<TopicArg>,
    },
    Subscribe {
        topic: Required<TopicArg>,
    },
    Stream {
        name: Required<LitStr>,
        group: Option<LitStr>,
        item: Option<LitStr>,
    },
    Kv {
        scope: Required<LitStr>,
        key: Option<LitStr>,
    },
    Custom {
        trigger_type: Required<LitStr>,
        /// `None` without `config`; `Some(None)` when it could not be read as JSON.
        config: Option<Option<Config>>,
    },
}

/// A `topic = …` option: a name, or the path of an `iii::Topic<T>` constant (whose `T` the
/// function's input must be).
#[derive(Clone)]
pub(crate) enum TopicArg {
    Name(LitStr),
    Const(syn::Path),
}

/// `config = …` converted to JSON text.
pub(crate) struct Config {
    pub(crate) json: String,
    /// The value as written.
    pub(crate) span: Span,
}

/// A trigger attribute expanded on its own.
pub(crate) struct Standalone {
    /// The function it stands on, without it.
    pub(crate) item: ItemFn,
    /// The index of that function's `#[iii::function]` among its attributes, if it has one.
    pub(crate) function: Option<usize>,
}
