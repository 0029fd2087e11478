//! What a declaration becomes at start-up: a [`Function`] whose handler is the macro's with
//! the worker's shared state handed in, announced with its description and schemas and run
//! under its timeout and concurrency limit; and the [`Trigger`]s of its attributes.

use std::sync::Arc;

use iii_protocol::triggers::types;
use serde_json::{Map, Value};

use super::declare::{FunctionRegistration, TriggerSpec};
use crate::error::{Error, Result};
use crate::state_map::StateMap;
use crate::trigger::Trigger;
use crate::worker::{Function, Invocation};

/// The function to register for `reg`.
pub(super) fn function(reg: &'static FunctionRegistration, states: Arc<StateMap>) -> Function {
    let handler = move |mut invocation: Invocation| {
        invocation.set_states(Arc::clone(&states));
        (reg.handler)(invocation)
    };
    let mut function = Function::from_erased(handler);
    function.description = reg.description.map(str::to_owned);
    function.timeout = reg.timeout;
    function.concurrency = reg.concurrency.map(|n| n.max(1));
    function.request_format = (reg.request_format)();
    function.response_format = (reg.response_format)();
    function
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
            Self::Kv { scope, key } => Trigger::new(
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
