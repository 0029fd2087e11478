//! Trigger bindings: validate a `registertrigger` per type, activate it (route, cron job,
//! subscription, listener), remove it, and fire the bound function.

pub(crate) mod cron;
pub(crate) mod engine;

use std::sync::Arc;

use iii_protocol::triggers::types;
use iii_protocol::{ErrorBody, RegisterTrigger, Uuid};
use serde_json::Value;

use crate::hub::Hub;
use crate::registry::{Activation, ENGINE_OWNER, Outcome, TriggerEntry};
use crate::router::{self, Call};

/// Validates and activates a binding owned by `owner`. The error text is what the worker gets
/// in `triggerregistrationresult`.
pub(crate) fn register(hub: &Arc<Hub>, owner: Uuid, msg: RegisterTrigger) -> Result<(), String> {
    let RegisterTrigger {
        id,
        trigger_type,
        function_id,
        config,
        metadata,
        ..
    } = msg;
    // Validation happens before anything is replaced, so a bad re-registration keeps the old one.
    let route = match trigger_type.as_str() {
        types::HTTP => crate::http::routes::Route::from_config(&config, &id, &function_id)?,
        _ => None,
    };
    let schedule = match trigger_type.as_str() {
        types::CRON => Some(cron::parse(&config)?),
        _ => None,
    };
    let stream = match trigger_type.as_str() {
        types::STREAM => Some(crate::streams::activation(&config)?),
        _ => None,
    };
    let text = |key: &str| config_text(&config, key);
    let mut reg = hub.registry();
    // A binding re-registered under the same id replaces the old one (reconnect replays), but
    // only its own owner's, or one whose owner is gone: another live worker's binding, or one
    // made with `engine::register_trigger`, cannot be taken over by reusing its id.
    let old_owner = reg.triggers.get(&id).map(|t| t.owner);
    if let Some(old) = old_owner
        && old != owner
        && (old == ENGINE_OWNER || reg.workers.contains_key(&old))
    {
        return Err(format!(
            "trigger id {id:?} is already used by another owner"
        ));
    }
    // Conflicts are checked before the old binding goes, so a refused re-registration keeps it.
    if let Some(route) = &route {
        reg.routes.check(route)?;
    }
    if let Some(old) = old_owner
        && let Some(Some(abort)) = reg.remove_trigger(old, &id)
    {
        abort.abort();
    }
    let activation = match trigger_type.as_str() {
        types::HTTP => match route {
            Some(route) => {
                tracing::info!(
                    "route {} {:?} -> {function_id:?}",
                    route.method,
                    route.display_path()
                );
                reg.routes.insert(route)?;
                Activation::Http
            }
            None => Activation::Inert,
        },
        types::CRON => match schedule {
            Some(schedule) => {
                tracing::info!("cron {:?} -> {function_id:?}", schedule.source());
                let job = cron::Job {
                    trigger_id: id.clone(),
                    function_id: function_id.clone(),
                    condition: text("condition_function_id"),
                    metadata: metadata.clone(),
                };
                let task = hub.tasks.spawn(cron::run(hub.clone(), schedule, job));
                Activation::Cron(task.abort_handle())
            }
            None => Activation::Inert,
        },
        types::DURABLE_SUBSCRIBER | types::QUEUE | types::SUBSCRIBE => match text("topic") {
            Some(topic) => {
                tracing::info!("{trigger_type} topic {topic:?} -> {function_id:?}");
                if trigger_type == types::SUBSCRIBE {
                    Activation::Subscribe { topic }
                } else {
                    Activation::Queue { topic }
                }
            }
            None => {
                tracing::warn!("{trigger_type} trigger {id:?} has no topic; it will never fire");
                Activation::Inert
            }
        },
        types::STATE => {
            tracing::info!("state trigger -> {function_id:?}");
            Activation::State {
                scope: text("scope"),
                key: text("key"),
            }
        }
        types::STREAM => {
            tracing::info!("stream trigger -> {function_id:?}");
            stream.unwrap_or(Activation::Inert)
        }
        engine::WORKERS_AVAILABLE => {
            tracing::info!("{trigger_type} trigger -> {function_id:?}");
            Activation::WorkersAvailable
        }
        engine::FUNCTIONS_AVAILABLE => {
            tracing::info!("{trigger_type} trigger -> {function_id:?}");
            Activation::FunctionsAvailable
        }
        other => {
            tracing::warn!(
                "[PENDING] trigger {id:?} of unknown type {other:?} -> {function_id:?} was NOT activated"
            );
            Activation::Parked
        }
    };
    reg.triggers.insert(
        id,
        TriggerEntry {
            owner,
            trigger_type,
            function_id,
            config,
            metadata,
            activation,
        },
    );
    Ok(())
}

/// The non-empty string at `key` of a trigger's config.
pub(crate) fn config_text(config: &Value, key: &str) -> Option<String> {
    config
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// Removes a binding whoever owns it; returns whether one existed.
pub(crate) fn unregister_any(hub: &Hub, id: &str) -> bool {
    let owner = hub.registry().triggers.get(id).map(|t| t.owner);
    match owner {
        Some(owner) => {
            unregister(hub, owner, id);
            true
        }
        None => false,
    }
}

/// Removes a binding owned by `owner`; unknown ids are a no-op.
pub(crate) fn unregister(hub: &Hub, owner: Uuid, id: &str) {
    let removed = hub.registry().remove_trigger(owner, id);
    if let Some(Some(abort)) = removed {
        abort.abort();
    }
}

/// Asks a condition function whether a fire goes ahead: JSON `false` means no, any other
/// result (including none) means yes, an error is returned.
pub(crate) async fn condition_allows(
    hub: &Arc<Hub>,
    condition: &str,
    payload: &Value,
    metadata: Option<Value>,
) -> Result<bool, ErrorBody> {
    let data = iii_protocol::raw::to_raw(payload)
        .map_err(|e| ErrorBody::new("serialization_error", e.to_string()))?;
    let result = router::invoke(hub, Call::new(condition, data).with_metadata(metadata)).await?;
    Ok(result.is_none_or(|r| r.get().trim() != "false"))
}

/// Fires `function_id` with `payload` after its optional condition. A refused condition is
/// `Ok(None)`, like a function without result.
pub(crate) async fn fire(
    hub: &Arc<Hub>,
    function_id: &str,
    condition: Option<String>,
    payload: &Value,
    metadata: Option<Value>,
) -> Outcome {
    if let Some(condition) = condition
        && !condition_allows(hub, &condition, payload, metadata.clone()).await?
    {
        tracing::debug!("condition {condition:?} skipped a fire of {function_id:?}");
        return Ok(None);
    }
    let data = iii_protocol::raw::to_raw(payload)
        .map_err(|e| ErrorBody::new("serialization_error", e.to_string()))?;
    router::invoke(hub, Call::new(function_id, data).with_metadata(metadata)).await
}

/// [`fire`]s every binding whose activation `matches` with `payload`, each in a task of its
/// own, without waiting; a failed fire is logged at debug level as a `kind` trigger.
pub(crate) fn fire_matching(
    hub: &Arc<Hub>,
    kind: &'static str,
    payload: &Value,
    matches: impl Fn(&Activation) -> bool,
) {
    let targets: Vec<_> = hub
        .registry()
        .triggers
        .values()
        .filter(|t| matches(&t.activation))
        .map(|t| (t.function_id.clone(), t.condition(), t.metadata.clone()))
        .collect();
    for (function_id, condition, metadata) in targets {
        let hub2 = hub.clone();
        let payload = payload.clone();
        hub.tasks.spawn(async move {
            if let Err(e) = fire(&hub2, &function_id, condition, &payload, metadata).await {
                tracing::debug!("{kind} trigger -> {function_id:?} failed: {e:?}");
            }
        });
    }
}
