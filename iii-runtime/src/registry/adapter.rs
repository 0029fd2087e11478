//! What a declaration becomes at start-up: a [`Function`] whose handler is the macro's with
//! the worker's shared state handed in (and its concurrency limit), announced with its
//! description and schemas and run under its timeout; and the [`Trigger`]s of its attributes.

use std::sync::Arc;

use iii_protocol::triggers::types;
use serde_json::{Map, Value};
use tokio::sync::Semaphore;

use super::declare::{FunctionRegistration, TriggerSpec};
use crate::error::{Error, Result};
use crate::state_map::StateMap;
use crate::trigger::Trigger;
use crate::worker::{Function, HandlerFuture, Invocation};

/// The function to register for `reg`.
pub(super) fn function(reg: &'static FunctionRegistration, states: Arc<StateMap>) -> Function {
    let mut function = Function::from_erased(adapter(reg, states));
    function.description = reg.description.map(str::to_owned);
    function.timeout = reg.timeout;
    function.request_format = (reg.request_format)();
    function.response_format = (reg.response_format)();
    function
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

impl TriggerSpec {
    /// The trigger this attribute declares on `function_id`.
    ///
    /// # Errors
    /// [`Error::Registration`] when a custom trigger's configuration is not JSON.
    pub(super) fn to_trigger(self, function_id: &str) -> Result<Trigger> {
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
