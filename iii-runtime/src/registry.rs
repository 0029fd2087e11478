//! Functions declared with `#[iii::function]`, collected at link time with `inventory`, and
//! checked for duplicate ids and routes before the worker connects.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::extract::{PathProbe, StateKey, StateMap, route_order};
use crate::handler::{Function, HandlerFuture};
use crate::invocation::Invocation;
use crate::trigger::Trigger;
use crate::worker::Worker;
use iii_protocol::triggers::types;

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
    /// `#[iii::state(scope = "…", key = "…")]`.
    State {
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
pub(crate) fn declared() -> impl Iterator<Item = &'static FunctionRegistration> {
    inventory::iter::<FunctionRegistration>.into_iter()
}

impl TriggerSpec {
    fn to_trigger(self, function_id: &str) -> Result<Trigger> {
        Ok(match self {
            Self::Http { method, path } => Trigger::http(function_id, method, path),
            Self::Cron { expression } => Trigger::cron(function_id, expression),
            Self::Queue { topic } => Trigger::queue(function_id, topic),
            Self::Subscribe { topic } => Trigger::subscribe(function_id, topic),
            Self::Stream { name, group, item } => Trigger::new(
                types::STREAM,
                function_id,
                object(&[
                    ("stream_name", Some(name)),
                    ("group_id", group),
                    ("item_id", item),
                ]),
            ),
            Self::State { scope, key } => Trigger::new(
                types::STATE,
                function_id,
                object(&[("scope", scope), ("key", key)]),
            ),
            Self::Custom {
                trigger_type,
                config,
            } => {
                let config: Value = serde_json::from_str(config).map_err(|e| {
                    Error::Registration(format!(
                        "trigger `{trigger_type}` of `{function_id}`: invalid config: {e}"
                    ))
                })?;
                Trigger::new(trigger_type, function_id, config)
            }
        })
    }
}

fn object(entries: &[(&str, Option<&str>)]) -> Value {
    let map: Map<String, Value> = entries
        .iter()
        .filter_map(|(k, v)| Some(((*k).to_owned(), Value::from((*v)?))))
        .collect();
    Value::Object(map)
}

/// Checks the declared functions and registers them, with their triggers, on `worker`.
///
/// Functions that take `State<T>` need [`register_declared_with`].
///
/// # Errors
/// [`Error::Registration`] naming both places when two functions share an id or two HTTP
/// triggers share a method and route, or naming the function when it needs a state.
pub fn register_declared(worker: &Worker) -> Result<usize> {
    register_declared_with(worker, StateMap::new())
}

/// [`register_declared`], handing `states` to the functions' `State<T>` parameters.
///
/// # Errors
/// As [`register_declared`], and naming every function whose `State<T>` has no value in
/// `states`.
pub fn register_declared_with(worker: &Worker, states: StateMap) -> Result<usize> {
    let mut declared: Vec<_> = declared().collect();
    // inventory's order is unspecified; sort so that errors and registration order are stable.
    declared.sort_by_key(|r| (r.id, r.file, r.line));
    let mut problems = check_duplicates(&declared);
    problems.extend(check_paths(&declared));
    problems.extend(check_states(&declared, &states));
    if !problems.is_empty() {
        return Err(Error::Registration(problems.join("\n")));
    }
    let states = Arc::new(states);
    for reg in &declared {
        let mut function = Function::from_erased(adapter(reg, Arc::clone(&states)));
        function.description = reg.description.map(str::to_owned);
        function.timeout = reg.timeout;
        function.request_format = (reg.request_format)();
        function.response_format = (reg.response_format)();
        worker.register_function(reg.id, function)?;
        for spec in reg.triggers {
            worker.register_trigger(spec.to_trigger(reg.id)?);
        }
    }
    Ok(declared.len())
}

/// The registered handler: the macro's, with the shared state and the concurrency limit.
fn adapter(
    reg: &'static FunctionRegistration,
    states: Arc<StateMap>,
) -> impl Fn(Invocation) -> HandlerFuture + Send + Sync + 'static {
    let limit = reg.concurrency.map(|n| Arc::new(Semaphore::new(n.max(1))));
    move |mut invocation: Invocation| {
        invocation.set_states(Arc::clone(&states));
        let handler = (reg.handler)(invocation);
        let limit = limit.clone();
        Box::pin(async move {
            // The permit is held until the handler finishes.
            let _permit = match limit {
                Some(limit) => Some(limit.acquire_owned().await.map_err(|_| Error::Shutdown)?),
                None => None,
            };
            handler.await
        })
    }
}

fn check_states(declared: &[&FunctionRegistration], states: &StateMap) -> Vec<String> {
    declared
        .iter()
        .flat_map(|reg| {
            reg.states.iter().filter_map(move |key| {
                let key = key();
                (!states.contains(key.id)).then(|| {
                    format!(
                        "function `{}` at {}:{} takes `State<{}>`, but the worker has no such state\n\
                         help: give it to the worker: `App::new().state(value)` in `#[iii::main]`",
                        reg.id, reg.file, reg.line, key.name
                    )
                })
            })
        })
        .collect()
}

/// Each route's `:params` against the fields of the function's `Path<T>`, both ways, with
/// the names serde uses.
fn check_paths(declared: &[&FunctionRegistration]) -> Vec<String> {
    let mut problems = Vec::new();
    for reg in declared {
        let Some(probe) = (reg.path)() else { continue };
        let Some(fields) = (probe.fields)() else {
            continue;
        };
        let ty = (probe.type_name)();
        let listed = fields
            .iter()
            .map(|f| format!("`{f}`"))
            .collect::<Vec<_>>()
            .join(", ");
        for spec in reg.triggers {
            let TriggerSpec::Http { method, path } = spec else {
                continue;
            };
            let params = route_order(path);
            let unknown: Vec<&str> = params
                .iter()
                .copied()
                .filter(|p| !fields.contains(p))
                .collect();
            for param in &unknown {
                problems.push(format!(
                    "function `{}` at {}:{}: the route {method} /{} has `:{param}`, but `Path<{ty}>` has no field `{param}` (its fields as serde names them: {listed})\n\
                     help: name the route parameter like the field (after any `rename` or `rename_all`), or rename the field",
                    reg.id,
                    reg.file,
                    reg.line,
                    normalize_route(path),
                ));
            }
            if !unknown.is_empty() {
                continue;
            }
            if let Some(field) = (probe.missing)(&params) {
                problems.push(format!(
                    "function `{}` at {}:{}: `Path<{ty}>` requires the field `{field}`, but the route {method} /{} has no `:{field}`\n\
                     help: add `:{field}` to the route, or make the field optional (`Option<T>` or `#[serde(default)]`)",
                    reg.id,
                    reg.file,
                    reg.line,
                    normalize_route(path),
                ));
            }
        }
    }
    problems
}

/// Two functions with the same id, and two routes the engine cannot tell apart: the same
/// method and path, or on any methods, the same path up to the names of its `:params`
/// (the engine's router keys parameter segments by position, not by name).
fn check_duplicates(declared: &[&FunctionRegistration]) -> Vec<String> {
    let mut problems = Vec::new();
    let mut ids: HashMap<&str, &FunctionRegistration> = HashMap::new();
    let mut routes: HashMap<(String, String), &FunctionRegistration> = HashMap::new();
    let mut shapes: HashMap<String, (&FunctionRegistration, &str, &str)> = HashMap::new();
    for reg in declared {
        if let Some(first) = ids.insert(reg.id, reg) {
            problems.push(format!(
                "function id `{}` is declared twice: at {}:{} and at {}:{}",
                reg.id, first.file, first.line, reg.file, reg.line
            ));
        }
        for spec in reg.triggers {
            let TriggerSpec::Http { method, path } = spec else {
                continue;
            };
            let key = (method.to_ascii_uppercase(), normalize_route(path));
            if let Some(first) = routes.insert(key, reg) {
                problems.push(format!(
                    "route {method} /{} is declared twice: by `{}` at {}:{} and by `{}` at {}:{}",
                    normalize_route(path),
                    first.id,
                    first.file,
                    first.line,
                    reg.id,
                    reg.file,
                    reg.line
                ));
                continue;
            }
            match shapes.get(&route_shape(path)) {
                Some((first, first_method, first_path))
                    if normalize_route(first_path) != normalize_route(path) =>
                {
                    problems.push(format!(
                        "routes {first_method} /{} (by `{}` at {}:{}) and {method} /{} (by `{}` at {}:{}) differ only in the names of their parameters, which the engine does not allow\n\
                         help: use the same parameter names in both routes",
                        normalize_route(first_path),
                        first.id,
                        first.file,
                        first.line,
                        normalize_route(path),
                        reg.id,
                        reg.file,
                        reg.line
                    ));
                }
                Some(_) => {}
                None => {
                    shapes.insert(route_shape(path), (reg, method, path));
                }
            }
        }
    }
    problems
}

/// The engine treats `add` and `/add` as one route.
fn normalize_route(path: &str) -> String {
    path.strip_prefix('/').unwrap_or(path).to_owned()
}

/// A route with its parameter names erased: `users/:id` and `users/:user_id` are both
/// `users/:`.
fn route_shape(path: &str) -> String {
    normalize_route(path)
        .split('/')
        .map(|segment| {
            if segment.starts_with(':') {
                ":"
            } else {
                segment
            }
        })
        .collect::<Vec<_>>()
        .join("/")
}
