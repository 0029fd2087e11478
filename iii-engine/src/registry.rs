//! The engine's shared tables: connected workers, functions, trigger bindings and the
//! invocations in flight. Plain data behind one lock; no I/O happens while it is held.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::Arc;

use iii_protocol::{ErrorBody, RegisterFunction, Uuid};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::{Notify, mpsc, oneshot};

use crate::http::routes::Routes;

/// What an invocation ends with: a result (absent = `null`) or an error body.
pub(crate) type Outcome = Result<Option<Box<RawValue>>, ErrorBody>;

/// A frame queued towards one worker's socket.
pub(crate) type Outbound = mpsc::Sender<String>;

/// One connected worker.
pub(crate) struct WorkerEntry {
    pub(crate) tx: Outbound,
    pub(crate) reattach_token: Uuid,
    pub(crate) connected_at_ms: i64,
    pub(crate) peer: SocketAddr,
    /// The `engine::workers::register` payload, once announced.
    pub(crate) metadata: Option<Value>,
    /// Notified to make the connection close itself (reattach eviction).
    pub(crate) evict: Arc<Notify>,
    /// Notified when the worker announces itself, so that its connection logs a summary.
    pub(crate) announced: Arc<Notify>,
}

/// A worker-hosted function.
pub(crate) struct FunctionEntry {
    pub(crate) owner: Uuid,
    pub(crate) def: RegisterFunction,
}

/// How a trigger binding is active.
pub(crate) enum Activation {
    /// Unknown type: kept, never fired.
    Parked,
    /// An HTTP route (the route table holds the details).
    Http,
    /// A cron job task.
    Cron(tokio::task::AbortHandle),
    /// A durable queue subscription on a topic.
    Queue { topic: String },
    /// A pub/sub subscription on a topic.
    Subscribe { topic: String },
    /// A state change listener with optional exact filters.
    State {
        scope: Option<String>,
        key: Option<String>,
    },
    /// A stream change listener: exact stream name, optional group and item filters.
    Stream {
        stream_name: String,
        group_id: Option<String>,
        item_id: Option<String>,
    },
    /// `engine::workers-available`: worker connected, announced, disconnected.
    WorkersAvailable,
    /// `engine::functions-available`: the set of functions changed.
    FunctionsAvailable,
    /// Accepted but without effect (for example an empty topic).
    Inert,
}

impl Activation {
    /// Whether the binding is live (`active`) or waits for a provider (`pending`).
    pub(crate) fn status(&self) -> &'static str {
        match self {
            Self::Parked => "pending",
            _ => "active",
        }
    }
}

/// The owner of bindings made with `engine::register_trigger`: no worker, so they outlive
/// the caller.
pub(crate) const ENGINE_OWNER: Uuid = Uuid::nil();

/// A trigger binding.
pub(crate) struct TriggerEntry {
    /// The worker whose disconnect removes it, or [`ENGINE_OWNER`].
    pub(crate) owner: Uuid,
    pub(crate) trigger_type: String,
    pub(crate) function_id: String,
    pub(crate) config: Value,
    pub(crate) metadata: Option<Value>,
    pub(crate) activation: Activation,
}

impl TriggerEntry {
    pub(crate) fn condition(&self) -> Option<String> {
        self.config
            .get("condition_function_id")
            .and_then(Value::as_str)
            .filter(|s| !s.is_empty())
            .map(str::to_owned)
    }
}

/// An invocation delivered to a worker and not answered yet.
pub(crate) struct Pending {
    pub(crate) target: Uuid,
    pub(crate) caller: Option<Uuid>,
    pub(crate) tx: oneshot::Sender<Outcome>,
}

/// Every table of the engine.
#[derive(Default)]
pub(crate) struct Registry {
    pub(crate) workers: HashMap<Uuid, WorkerEntry>,
    pub(crate) functions: HashMap<String, FunctionEntry>,
    pub(crate) triggers: HashMap<String, TriggerEntry>,
    pub(crate) routes: Routes,
    pub(crate) pending: HashMap<Uuid, Pending>,
}

/// What a departing worker leaves behind for the caller to finish outside the lock.
pub(crate) struct Departure {
    /// Invocations delivered to the worker: answer them `invocation_stopped`.
    pub(crate) stopped: Vec<oneshot::Sender<Outcome>>,
    /// Cron jobs to abort.
    pub(crate) aborts: Vec<tokio::task::AbortHandle>,
}

impl Registry {
    /// Claims `def.id` for `owner`. Returns the other live owner on conflict.
    pub(crate) fn claim_function(
        &mut self,
        owner: Uuid,
        def: RegisterFunction,
    ) -> Result<(), Uuid> {
        if let Some(existing) = self.functions.get(&def.id)
            && existing.owner != owner
            && self.workers.contains_key(&existing.owner)
        {
            return Err(existing.owner);
        }
        self.functions
            .insert(def.id.clone(), FunctionEntry { owner, def });
        Ok(())
    }

    /// Removes a function if `owner` still owns it.
    pub(crate) fn release_function(&mut self, owner: Uuid, id: &str) -> bool {
        if self.functions.get(id).is_some_and(|f| f.owner == owner) {
            self.functions.remove(id);
            return true;
        }
        false
    }

    /// Removes a trigger binding if `owner` owns it, with its route; returns the cron job to
    /// abort, if any.
    pub(crate) fn remove_trigger(
        &mut self,
        owner: Uuid,
        id: &str,
    ) -> Option<Option<tokio::task::AbortHandle>> {
        if self.triggers.get(id).is_none_or(|t| t.owner != owner) {
            return None;
        }
        let entry = self.triggers.remove(id)?;
        self.routes.remove_trigger(id);
        Some(match entry.activation {
            Activation::Cron(abort) => Some(abort),
            _ => None,
        })
    }

    /// Forgets a worker and everything it owned.
    pub(crate) fn depart(&mut self, worker: Uuid) -> Departure {
        self.workers.remove(&worker);
        self.functions.retain(|_, f| f.owner != worker);
        let ids: Vec<String> = self
            .triggers
            .iter()
            .filter(|(_, t)| t.owner == worker)
            .map(|(id, _)| id.clone())
            .collect();
        let mut aborts = Vec::new();
        for id in ids {
            if let Some(Some(abort)) = self.remove_trigger(worker, &id) {
                aborts.push(abort);
            }
        }
        let delivered: Vec<Uuid> = self
            .pending
            .iter()
            .filter(|(_, p)| p.target == worker)
            .map(|(id, _)| *id)
            .collect();
        let stopped = delivered
            .iter()
            .filter_map(|id| self.pending.remove(id))
            .map(|p| p.tx)
            .collect();
        // Calls this worker started are forgotten: their late results are dropped.
        self.pending.retain(|_, p| p.caller != Some(worker));
        Departure { stopped, aborts }
    }
}
