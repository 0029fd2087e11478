//! Functions declared with `#[iii::function]`, collected at link time with `inventory`, and
//! checked for duplicate ids and routes before the worker connects.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use crate::error::{Error, Result};
use crate::extract::{StateKey, StateMap};
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
    check_duplicates(&declared)?;
    check_states(&declared, &states)?;
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

fn check_states(declared: &[&FunctionRegistration], states: &StateMap) -> Result<()> {
    let problems: Vec<String> = declared
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
        .collect();
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Registration(problems.join("\n")))
    }
}

fn check_duplicates(declared: &[&FunctionRegistration]) -> Result<()> {
    let mut problems = Vec::new();
    let mut ids: HashMap<&str, &FunctionRegistration> = HashMap::new();
    let mut routes: HashMap<(String, String), &FunctionRegistration> = HashMap::new();
    for reg in declared {
        if let Some(first) = ids.insert(reg.id, reg) {
            problems.push(format!(
                "function id `{}` is declared twice: at {}:{} and at {}:{}",
                reg.id, first.file, first.line, reg.file, reg.line
            ));
        }
        for spec in reg.triggers {
            if let TriggerSpec::Http { method, path } = spec {
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
                }
            }
        }
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(Error::Registration(problems.join("\n")))
    }
}

/// The engine treats `add` and `/add` as one route.
fn normalize_route(path: &str) -> String {
    path.strip_prefix('/').unwrap_or(path).to_owned()
}
