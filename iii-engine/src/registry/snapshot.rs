//! [`Snapshot`]: an immutable view of every registry table, and the entries it holds.
//!
//! The tables are persistent maps (imbl): cloning one is O(1), and a change copies only the
//! few nodes on the path to the changed entry, sharing everything else with the snapshots
//! readers still hold. A write therefore costs O(log n) whatever the tables hold.

use std::net::SocketAddr;
use std::sync::Arc;

use iii_protocol::{RegisterFunction, Uuid};
use imbl::HashMap;
use serde_json::Value;

use super::link::Link;
use super::route_table::Routes;
use super::routes::Route;
use crate::access::Access;
use crate::http_functions::Target;

/// One connected worker.
pub(crate) struct WorkerEntry {
    pub(crate) link: Arc<Link>,
    pub(crate) reattach_token: Uuid,
    pub(crate) connected_at_ms: i64,
    pub(crate) peer: SocketAddr,
    /// The `engine::workers::register` payload, once announced.
    pub(crate) metadata: Option<Value>,
    /// What it may do, when it came through an access-controlled listener.
    pub(crate) access: Option<Arc<Access>>,
}

/// A function a worker registered: hosted by that worker, or invoked over HTTP by the engine
/// (`http`) on that worker's behalf, for as long as it stays connected.
pub(crate) struct FunctionEntry {
    pub(crate) owner: Uuid,
    pub(crate) def: RegisterFunction,
    /// Where the engine sends its invocations, for an HTTP-invoked function.
    pub(crate) http: Option<Arc<Target>>,
}

/// How a trigger binding is active.
#[derive(Clone)]
pub(crate) enum Activation {
    /// Unknown type: kept, never fired.
    Parked,
    /// A type a worker provides: forwarded to that worker, which fires it.
    Provided,
    /// An HTTP route; the route table holds the same route.
    Http(Arc<Route>),
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

    /// Whether the binding is of a type the engine does not implement itself (parked, or
    /// handed to the worker providing the type).
    pub(crate) fn is_custom(&self) -> bool {
        matches!(self, Self::Parked | Self::Provided)
    }
}

/// The owner of bindings made with `engine::register_trigger`: no worker, so they outlive
/// the caller.
pub(crate) const ENGINE_OWNER: Uuid = Uuid::nil();

/// A trigger binding.
#[derive(Clone)]
pub(crate) struct TriggerEntry {
    /// The worker whose disconnect removes it, or [`ENGINE_OWNER`].
    pub(crate) owner: Uuid,
    /// The worker that made it: the only one that may remove it. For a worker's own bindings
    /// this is the owner; for `engine::register_trigger` bindings the calling worker (`None`
    /// when no worker made the call, and then nobody may).
    pub(crate) maker: Option<Uuid>,
    pub(crate) trigger_type: String,
    pub(crate) function_id: String,
    pub(crate) config: Value,
    pub(crate) metadata: Option<Value>,
    /// `config.condition_function_id`, when set.
    pub(crate) condition: Option<String>,
    pub(crate) activation: Activation,
}

/// Every table at one point in time. Readers hold it for as long as they like; writers make a
/// new one (copying only the table they change), so a reader never waits.
#[derive(Clone, Default)]
pub(crate) struct Snapshot {
    pub(crate) workers: HashMap<Uuid, Arc<WorkerEntry>>,
    pub(crate) functions: HashMap<String, Arc<FunctionEntry>>,
    pub(crate) triggers: HashMap<String, Arc<TriggerEntry>>,
    pub(crate) routes: Routes,
}

impl Snapshot {
    /// The connection of the worker that owns `function_id`, if a live worker does.
    pub(crate) fn link_of(&self, function_id: &str) -> Option<&Arc<Link>> {
        let owner = self.functions.get(function_id)?.owner;
        self.workers.get(&owner).map(|w| &w.link)
    }

    /// The id the owner of `function_id` registered it under: its access-controlled
    /// listener's registration prefix taken off (the worker knows its functions without it).
    pub(crate) fn local_id<'a>(&self, function_id: &'a str) -> &'a str {
        self.functions
            .get(function_id)
            .and_then(|f| self.workers.get(&f.owner))
            .and_then(|w| w.access.as_ref())
            .map_or(function_id, |a| a.local(function_id))
    }

    /// A worker's announced name, else its id.
    pub(crate) fn worker_name(&self, worker: Uuid) -> String {
        self.workers
            .get(&worker)
            .and_then(|w| w.metadata.as_ref())
            .and_then(|m| m.get("name"))
            .and_then(Value::as_str)
            .map_or_else(|| worker.to_string(), str::to_owned)
    }

    /// The name shown for the owner of a function or binding: the worker's name, or
    /// `iii-engine` for the engine's own bindings.
    pub(crate) fn owner_name(&self, owner: Uuid) -> String {
        if owner == ENGINE_OWNER {
            return "iii-engine".to_owned();
        }
        self.worker_name(owner)
    }

    /// Who holds a binding, for refusals: `worker "name" (id)`, or the engine and its maker.
    pub(crate) fn holder(&self, binding: &TriggerEntry) -> String {
        let worker = |id: Uuid| match self.worker_name(id) {
            name if name == id.to_string() => format!("worker {id}"),
            name => format!("worker {name:?} ({id})"),
        };
        match (binding.owner, binding.maker) {
            (ENGINE_OWNER, Some(maker)) => format!("iii-engine (made by {})", worker(maker)),
            (ENGINE_OWNER, None) => "iii-engine".to_owned(),
            (owner, _) => worker(owner),
        }
    }

    /// The sorted ids of every worker-hosted function.
    pub(crate) fn function_ids(&self) -> Vec<String> {
        let mut ids: Vec<String> = self.functions.keys().cloned().collect();
        ids.sort();
        ids
    }
}
