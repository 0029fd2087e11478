//! [`Introspect`]: what is live on the engine — functions, workers, trigger bindings —
//! through its `engine::*` functions, typed.
//!
//! Every field the engine may leave out is optional or defaults to empty, so that an engine
//! of another version still answers; an answer of another shape altogether is an
//! [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse).

use iii_protocol::builtins as ids;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

use super::call::call;
use crate::error::{Error, Result};
use crate::worker::{Context, Worker};

/// A function as `engine::functions::list` reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FunctionSummary {
    /// Its id.
    pub function_id: String,
    /// The namespace it is registered in.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The worker serving it (`iii-engine` or similar for builtins).
    #[serde(default)]
    pub worker_name: Option<String>,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// Its metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
}

/// A trigger bound to a function, as `engine::functions::info` reports it.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct BoundTrigger {
    /// The trigger id.
    pub id: String,
    /// Its type.
    pub trigger_type: String,
    /// Its configuration.
    #[serde(default)]
    pub config: Value,
}

/// One function in detail (`engine::functions::info`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct FunctionDetail {
    /// Its id.
    pub function_id: String,
    /// The namespace it is registered in.
    #[serde(default)]
    pub namespace: Option<String>,
    /// The worker serving it.
    #[serde(default)]
    pub worker_name: Option<String>,
    /// Its description.
    #[serde(default)]
    pub description: Option<String>,
    /// Its input schema.
    #[serde(default)]
    pub request_schema: Option<Value>,
    /// Its output schema.
    #[serde(default)]
    pub response_schema: Option<Value>,
    /// Its metadata.
    #[serde(default)]
    pub metadata: Option<Value>,
    /// The triggers bound to it.
    #[serde(default)]
    pub registered_triggers: Vec<BoundTrigger>,
}

/// A connected worker (`engine::workers::list`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct WorkerSummary {
    /// The connection's worker id.
    pub id: String,
    /// The announced name.
    #[serde(default)]
    pub name: Option<String>,
    /// The announced description.
    #[serde(default)]
    pub description: Option<String>,
    /// The SDK's version.
    #[serde(default)]
    pub version: Option<String>,
    /// `rust`, `python`, `node`.
    #[serde(default)]
    pub runtime: Option<String>,
    /// Its namespace.
    #[serde(default)]
    pub namespace: Option<String>,
    /// Its operating system.
    #[serde(default)]
    pub os: Option<String>,
    /// `connected`, …
    #[serde(default)]
    pub status: Option<String>,
    /// How many functions it serves.
    #[serde(default)]
    pub function_count: Option<u64>,
    /// When it connected, milliseconds since the Unix epoch.
    #[serde(default)]
    pub connected_at_ms: Option<i64>,
    /// Invocations delivered to it and not answered yet.
    #[serde(default)]
    pub active_invocations: Option<u64>,
    /// Its isolation label.
    #[serde(default)]
    pub isolation: Option<String>,
    /// The address it connected from.
    #[serde(default)]
    pub ip_address: Option<String>,
}

/// A trigger binding (`engine::registered-triggers::list`).
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct TriggerSummary {
    /// The trigger id.
    pub id: String,
    /// Its type.
    pub trigger_type: String,
    /// The function it fires.
    pub function_id: String,
    /// The worker that registered it.
    #[serde(default)]
    pub worker_name: Option<String>,
    /// `active`, or `pending` while its type has no provider.
    #[serde(default)]
    pub status: Option<String>,
    /// Its configuration.
    #[serde(default)]
    pub config: Value,
}

/// Filters of [`Introspect::functions_where`] (`engine::functions::list`'s input).
#[derive(Debug, Clone, Default, Serialize)]
pub struct FunctionFilter {
    /// Ids containing this text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub search: Option<String>,
    /// Ids starting with this text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub prefix: Option<String>,
    /// Functions of this worker (name or id).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub worker: Option<String>,
    /// Include the engine's own and `internal` functions.
    pub include_internal: bool,
}

/// What is live on the engine; from [`Worker::introspect`] or [`Context::introspect`].
#[derive(Debug, Clone)]
pub struct Introspect {
    worker: Worker,
}

#[derive(Deserialize)]
struct Functions {
    #[serde(default)]
    functions: Vec<FunctionSummary>,
}

#[derive(Deserialize)]
struct Workers {
    #[serde(default)]
    workers: Vec<WorkerSummary>,
}

#[derive(Deserialize)]
struct Triggers {
    #[serde(default)]
    registered_triggers: Vec<TriggerSummary>,
}

impl Introspect {
    /// The functions registered by workers and the engine's public ones.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]).
    pub async fn functions(&self) -> Result<Vec<FunctionSummary>> {
        self.functions_where(FunctionFilter::default()).await
    }

    /// The functions that pass `filter`.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]).
    pub async fn functions_where(&self, filter: FunctionFilter) -> Result<Vec<FunctionSummary>> {
        let list: Functions = call(&self.worker, ids::FUNCTIONS_LIST, &filter).await?;
        Ok(list.functions)
    }

    /// One function in detail, `None` when no such function is registered.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]), but for the engine's `NOT_FOUND`.
    pub async fn function(&self, function_id: &str) -> Result<Option<FunctionDetail>> {
        let input = json!({ "function_id": function_id });
        match call(&self.worker, ids::FUNCTIONS_INFO, &input).await {
            Ok(detail) => Ok(Some(detail)),
            Err(Error::Remote { body, .. }) if body.code.eq_ignore_ascii_case("not_found") => {
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    /// The connected workers.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]).
    pub async fn workers(&self) -> Result<Vec<WorkerSummary>> {
        let list: Workers = call(&self.worker, ids::WORKERS_LIST, &json!({})).await?;
        Ok(list.workers)
    }

    /// The trigger bindings, those still waiting for their type's provider included.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]).
    pub async fn triggers(&self) -> Result<Vec<TriggerSummary>> {
        let input = json!({ "include_internal": true, "include_pending": true });
        let list: Triggers = call(&self.worker, ids::REGISTERED_TRIGGERS_LIST, &input).await?;
        Ok(list.registered_triggers)
    }
}

impl Worker {
    /// What is live on the engine.
    pub fn introspect(&self) -> Introspect {
        Introspect {
            worker: self.clone(),
        }
    }
}

impl Context {
    /// What is live on the engine, through the worker serving this invocation.
    pub fn introspect(&self) -> Introspect {
        self.worker().introspect()
    }
}
