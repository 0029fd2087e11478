//! The declaration ABI: what `#[iii::function]` and the trigger attributes emit, collected at
//! link time with `inventory`. Generated code fills these types (through `iii::__private`), so
//! their shape is an interface between the macros and the runtime.

use std::time::Duration;

use serde_json::Value;

use crate::extract::PathProbe;
use crate::state_map::StateKey;
use crate::worker::{HandlerFuture, Invocation};

/// One `#[iii::function]`, as the macro emits it.
#[derive(Debug)]
pub struct FunctionRegistration {
    /// The function id.
    pub id: &'static str,
    /// Description (default: the doc comment).
    pub description: Option<&'static str>,
    /// The type-erased handler.
    pub handler: fn(Invocation) -> HandlerFuture,
    /// JSON Schema of the input.
    pub request_format: fn() -> Option<Value>,
    /// JSON Schema of the output.
    pub response_format: fn() -> Option<Value>,
    /// Triggers declared with trigger attributes.
    pub triggers: &'static [TriggerSpec],
    /// The types of the handler's `State<T>` parameters.
    pub states: &'static [fn() -> StateKey],
    /// The handler's `Path<T>` when `T` may be a struct, whose fields are checked against
    /// the routes' `:params` before connecting.
    pub path: fn() -> Option<PathProbe>,
    /// Whether the handler reads the route's parameters (a `Path<T>` or `http::Request<T>`
    /// parameter); a route with `:params` on a function that does not is reported.
    pub reads_path: bool,
    /// Whether the handler reads the raw request body (a `BodyStream`, `Bytes` or `Multipart`
    /// parameter): its routes ask the engine to stream bodies (`stream_body`), so that they
    /// are not held to its inline body limit.
    pub reads_body: bool,
    /// `timeout = "…"`: the handler fails with `Error::Timeout` after this long.
    pub timeout: Option<Duration>,
    /// `concurrency = N`: at most this many invocations of the function run at once.
    pub concurrency: Option<usize>,
    /// Source file of the declaration.
    pub file: &'static str,
    /// Source line of the declaration.
    pub line: u32,
}

/// A trigger declared with an attribute.
#[derive(Debug, Clone, Copy)]
#[non_exhaustive]
pub enum TriggerSpec {
    /// `#[iii::http(path, method)]`.
    Http {
        /// Upper-case method.
        method: &'static str,
        /// Route.
        path: &'static str,
    },
    /// `#[iii::cron("…")]`.
    Cron {
        /// The expression.
        expression: &'static str,
    },
    /// `#[iii::queue(topic = "…")]`.
    Queue {
        /// The topic.
        topic: &'static str,
    },
    /// `#[iii::subscribe(topic = "…")]`.
    Subscribe {
        /// The topic.
        topic: &'static str,
    },
    /// `#[iii::stream(name = "…", group = "…", item = "…")]`.
    Stream {
        /// `stream_name`.
        name: &'static str,
        /// `group_id` filter.
        group: Option<&'static str>,
        /// `item_id` filter.
        item: Option<&'static str>,
    },
    /// `#[iii::kv(scope = "…", key = "…")]` (trigger type `state`).
    Kv {
        /// `scope` filter.
        scope: Option<&'static str>,
        /// `key` filter.
        key: Option<&'static str>,
    },
    /// `#[iii::trigger(type = "…", config = …)]`.
    Custom {
        /// Trigger type.
        trigger_type: &'static str,
        /// JSON text of the configuration.
        config: &'static str,
    },
}

inventory::collect!(FunctionRegistration);

/// Every function declared with `#[iii::function]` in the program.
pub(super) fn declared() -> impl Iterator<Item = &'static FunctionRegistration> {
    inventory::iter::<FunctionRegistration>.into_iter()
}
