//! [`TABLE`]: every builtin with its id, description and handler, and the dispatch by id.

use std::collections::HashMap;
use std::sync::LazyLock;

use futures_util::future::BoxFuture;
use iii_protocol::{Uuid, builtins as ids};
use tracing::Level;

use super::context::Context;
use super::{channels, engine, functions, log, queues, state, streams, workers};
use crate::codec::Outcome;
use crate::registry::Snapshot;

/// A handler: the context, the calling worker (if a worker called), and the raw input.
type Handler = for<'a> fn(&'a Context, Option<Uuid>, &'a str) -> BoxFuture<'a, Outcome>;

/// One builtin function.
pub(crate) struct Builtin {
    /// The function id.
    pub(crate) id: &'static str,
    /// One line for `engine::functions::list`.
    pub(crate) description: &'static str,
    handler: Handler,
}

/// Id of the dead-letter listing builtin.
const DLQ_MESSAGES: &str = "engine::queue::dlq_messages";

/// Every builtin.
pub(crate) static TABLE: &[Builtin] = &[
    Builtin {
        id: ids::WORKERS_REGISTER,
        description: "Announces a worker's metadata",
        handler: |c, w, d| Box::pin(workers::register(c, w, d)),
    },
    Builtin {
        id: ids::WORKERS_LIST,
        description: "Lists connected workers",
        handler: |c, _, d| Box::pin(async move { workers::list(c, d) }),
    },
    Builtin {
        id: "engine::workers::info",
        description: "Details of one connected worker",
        handler: |c, _, d| Box::pin(async move { workers::info(c, d) }),
    },
    Builtin {
        id: ids::FUNCTIONS_LIST,
        description: "Lists registered functions",
        handler: |c, w, d| Box::pin(async move { functions_list(&c.registry.snapshot(), w, d) }),
    },
    Builtin {
        id: ids::FUNCTIONS_INFO,
        description: "Details of one function",
        handler: |c, w, d| Box::pin(async move { functions::info(c, w, d) }),
    },
    Builtin {
        id: ids::DURABLE_PUBLISH,
        description: "Publishes a message to a durable queue topic",
        handler: |c, _, d| Box::pin(queues::publish_durable(c, d)),
    },
    Builtin {
        id: ids::ENQUEUE,
        description: "Legacy alias of iii::durable::publish",
        handler: |c, _, d| Box::pin(queues::publish_durable(c, d)),
    },
    Builtin {
        id: ids::PUBLISH,
        description: "Publishes a message to a pub/sub topic",
        handler: |c, _, d| Box::pin(queues::publish(c, d)),
    },
    Builtin {
        id: DLQ_MESSAGES,
        description: "Lists dead-lettered queue messages",
        handler: |c, _, d| Box::pin(queues::dlq_messages(c, d)),
    },
    Builtin {
        id: "state::set",
        description: "Sets a value in a state scope",
        handler: |c, _, d| Box::pin(state::set(c, d)),
    },
    Builtin {
        id: "state::get",
        description: "Reads a value from a state scope",
        handler: |c, _, d| Box::pin(state::get(c, d)),
    },
    Builtin {
        id: "state::delete",
        description: "Deletes a value from a state scope",
        handler: |c, _, d| Box::pin(state::delete(c, d)),
    },
    Builtin {
        id: "state::update",
        description: "Applies update operations to a state value",
        handler: |c, _, d| Box::pin(state::update(c, d)),
    },
    Builtin {
        id: "state::list",
        description: "Lists the values of a state scope",
        handler: |c, _, d| Box::pin(state::list(c, d)),
    },
    Builtin {
        id: "state::list_groups",
        description: "Lists the state scopes",
        handler: |c, _, _| Box::pin(state::list_groups(c)),
    },
    Builtin {
        id: "stream::set",
        description: "Sets an item of a stream group",
        handler: |c, _, d| Box::pin(streams::set(c, d)),
    },
    Builtin {
        id: "stream::get",
        description: "Reads an item of a stream group",
        handler: |c, _, d| Box::pin(streams::get(c, d)),
    },
    Builtin {
        id: "stream::delete",
        description: "Deletes an item of a stream group",
        handler: |c, _, d| Box::pin(streams::delete(c, d)),
    },
    Builtin {
        id: "stream::update",
        description: "Applies update operations to a stream item",
        handler: |c, _, d| Box::pin(streams::update(c, d)),
    },
    Builtin {
        id: "stream::list",
        description: "Lists the items of a stream group",
        handler: |c, _, d| Box::pin(streams::list(c, d)),
    },
    Builtin {
        id: "stream::list_groups",
        description: "Lists the groups of a stream",
        handler: |c, _, d| Box::pin(streams::list_groups(c, d)),
    },
    Builtin {
        id: "stream::list_all",
        description: "Lists every stream with its groups",
        handler: |c, _, _| Box::pin(streams::list_all(c)),
    },
    Builtin {
        id: "stream::send",
        description: "Sends an event to a stream group's subscribers",
        handler: |c, _, d| Box::pin(streams::send(c, d)),
    },
    Builtin {
        id: "engine::channels::create",
        description: "Creates a data channel (writer and reader refs)",
        handler: |c, w, d| Box::pin(async move { channels::create(c, w, d) }),
    },
    Builtin {
        id: "engine::register_trigger",
        description: "Binds a trigger that outlives its caller",
        handler: |c, w, d| Box::pin(engine::register(c, w, d)),
    },
    Builtin {
        id: "engine::unregister_trigger",
        description: "Removes a trigger binding by id",
        handler: |c, w, d| Box::pin(engine::unregister(c, w, d)),
    },
    Builtin {
        id: "engine::log::trace",
        description: "Writes a worker's log line (trace)",
        handler: |_, w, d| Box::pin(async move { log::write(Level::TRACE, w, d) }),
    },
    Builtin {
        id: "engine::log::debug",
        description: "Writes a worker's log line (debug)",
        handler: |_, w, d| Box::pin(async move { log::write(Level::DEBUG, w, d) }),
    },
    Builtin {
        id: "engine::log::info",
        description: "Writes a worker's log line (info)",
        handler: |_, w, d| Box::pin(async move { log::write(Level::INFO, w, d) }),
    },
    Builtin {
        id: "engine::log::warn",
        description: "Writes a worker's log line (warn)",
        handler: |_, w, d| Box::pin(async move { log::write(Level::WARN, w, d) }),
    },
    Builtin {
        id: "engine::log::error",
        description: "Writes a worker's log line (error)",
        handler: |_, w, d| Box::pin(async move { log::write(Level::ERROR, w, d) }),
    },
    Builtin {
        id: "engine::registered-triggers::list",
        description: "Lists trigger bindings",
        handler: |c, _, d| Box::pin(async move { engine::list(c, d) }),
    },
];

static INDEX: LazyLock<HashMap<&'static str, &'static Builtin>> =
    LazyLock::new(|| TABLE.iter().map(|b| (b.id, b)).collect());

/// Whether the engine provides `function_id` itself: such ids are reserved, no worker may
/// register them (exact ids only: `stream::get(<name>)` and the like are a custom stream
/// provider's own), and a durable queue message for one always has a subscriber.
pub(crate) fn is_builtin(function_id: &str) -> bool {
    INDEX.contains_key(function_id)
}

/// `engine::functions::list` over `snapshot` for `caller`, this table's builtins included.
pub(crate) fn functions_list(snapshot: &Snapshot, caller: Option<Uuid>, data: &str) -> Outcome {
    let builtins = TABLE.iter().map(|b| (b.id, b.description));
    functions::list(snapshot, builtins, caller, data)
}

impl Context {
    /// Runs the builtin `function_id` if there is one; `None` otherwise.
    pub(crate) async fn call(
        &self,
        function_id: &str,
        caller: Option<Uuid>,
        data: &str,
    ) -> Option<Outcome> {
        let builtin = INDEX.get(function_id)?;
        Some((builtin.handler)(self, caller, data).await)
    }
}
