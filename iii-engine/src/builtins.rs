//! Functions the engine provides itself: introspection, trigger bindings, queues, pub/sub,
//! state, streams and channels.

use std::sync::Arc;

use iii_protocol::{ErrorBody, builtins as ids, codes};
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::value::RawValue;

use crate::hub::Hub;
use crate::registry::Outcome;
use crate::router::Call;
use crate::triggers::engine;
use crate::{channels, introspect, queue, state, streams};

/// Id of the dead-letter listing builtin.
pub(crate) const DLQ_MESSAGES: &str = "engine::queue::dlq_messages";

/// Every builtin id with a one-line description, for introspection.
pub(crate) const ALL: &[(&str, &str)] = &[
    (ids::WORKERS_REGISTER, "Announces a worker's metadata"),
    (ids::WORKERS_LIST, "Lists connected workers"),
    (ids::FUNCTIONS_LIST, "Lists registered functions"),
    (ids::FUNCTIONS_INFO, "Details of one function"),
    (
        ids::DURABLE_PUBLISH,
        "Publishes a message to a durable queue topic",
    ),
    (ids::ENQUEUE, "Legacy alias of iii::durable::publish"),
    (ids::PUBLISH, "Publishes a message to a pub/sub topic"),
    (DLQ_MESSAGES, "Lists dead-lettered queue messages"),
    (state::SET, "Sets a value in a state scope"),
    (state::GET, "Reads a value from a state scope"),
    (state::DELETE, "Deletes a value from a state scope"),
    (state::UPDATE, "Applies update operations to a state value"),
    (state::LIST, "Lists the values of a state scope"),
    (state::LIST_GROUPS, "Lists the state scopes"),
    (
        channels::CREATE,
        "Creates a data channel (writer and reader refs)",
    ),
    (WORKERS_INFO, "Details of one connected worker"),
    (
        engine::REGISTER_TRIGGER,
        "Binds a trigger that outlives its caller",
    ),
    (
        engine::UNREGISTER_TRIGGER,
        "Removes a trigger binding by id",
    ),
    (engine::REGISTERED_TRIGGERS_LIST, "Lists trigger bindings"),
];

/// Id of the worker details builtin.
pub(crate) const WORKERS_INFO: &str = "engine::workers::info";

/// Every builtin id with its description, streams included.
pub(crate) fn all() -> impl Iterator<Item = &'static (&'static str, &'static str)> {
    ALL.iter().chain(streams::ALL)
}

/// Runs `call` if it names a builtin; `None` otherwise.
pub(crate) async fn call(hub: &Arc<Hub>, call: &Call) -> Option<Outcome> {
    let data = call.data.get();
    Some(match call.function_id.as_str() {
        ids::WORKERS_REGISTER => {
            if let Some(worker) = call.caller {
                introspect::store_worker_metadata(hub, worker, data);
                let announced = hub
                    .registry()
                    .workers
                    .get(&worker)
                    .map(|w| w.announced.clone());
                if let Some(announced) = announced {
                    announced.notify_one();
                }
                engine::worker_event(hub, "worker_metadata_updated", worker);
            }
            reply(&serde_json::json!({ "success": true }))
        }
        ids::WORKERS_LIST => introspect::workers_list(hub, data),
        ids::FUNCTIONS_LIST => introspect::functions_list(hub, data),
        ids::FUNCTIONS_INFO => introspect::functions_info(hub, data),
        ids::DURABLE_PUBLISH | ids::ENQUEUE => queue::publish_durable(hub, data),
        ids::PUBLISH => queue::publish_pubsub(hub, data),
        DLQ_MESSAGES => queue::dlq_messages(hub, data),
        channels::CREATE => channels::create(hub, call.caller, data),
        WORKERS_INFO => introspect::workers_info(hub, data),
        engine::REGISTER_TRIGGER => engine::register(hub, data),
        engine::UNREGISTER_TRIGGER => engine::unregister(hub, data),
        engine::REGISTERED_TRIGGERS_LIST => engine::list(hub, data),
        id if id.starts_with("state::") => state::call(hub, id, data)?,
        id if id.starts_with("stream::") => streams::call(hub, id, data)?,
        _ => return None,
    })
}

/// Decodes a builtin's input; a mismatch is a `deserialization_error`.
pub(crate) fn input<T: DeserializeOwned>(data: &str) -> Result<T, ErrorBody> {
    serde_json::from_str(data)
        .map_err(|e| ErrorBody::new(codes::DESERIALIZATION_ERROR, e.to_string()))
}

/// Encodes a builtin's output.
pub(crate) fn reply<T: Serialize + ?Sized>(value: &T) -> Outcome {
    iii_protocol::raw::to_raw(value)
        .map(Some)
        .map_err(|e| ErrorBody::new("serialization_error", e.to_string()))
}

/// The `null` result.
pub(crate) fn null() -> Outcome {
    Ok(None::<Box<RawValue>>)
}

/// Whether a raw payload is JSON `null` (builtins with optional filters accept it).
pub(crate) fn is_null(data: &str) -> bool {
    data.trim() == "null"
}
