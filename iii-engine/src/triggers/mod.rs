//! Trigger bindings: validate a `registertrigger` per type, activate it (route, cron job,
//! subscription, listener) and hand it to the registry; and remove bindings.
//!
//! Activation only records what a binding listens to: firing is the job of `crate::fire`,
//! which matches every change against the bindings of the registry's current snapshot.

pub(crate) mod cron;
mod provided;

use std::sync::Arc;

use iii_protocol::triggers::types;
use iii_protocol::{RegisterTrigger, Uuid};
use serde_json::Value;

use crate::events::{Event, Fires};
use crate::registry::routes::Route;
use crate::registry::{Activation, Registry, TriggerEntry, Unbound};
use crate::stores::Owner;
use crate::stores::cron::CronStore;
use crate::stores::queues::Queues;
use crate::tasks::Tasks;

pub(crate) use provided::Provided;

/// Trigger type fired when a worker connects, announces itself or disconnects.
pub(crate) const WORKERS_AVAILABLE: &str = "engine::workers-available";
/// Trigger type fired when the set of registered functions changes.
pub(crate) const FUNCTIONS_AVAILABLE: &str = "engine::functions-available";

/// What binding a trigger needs: the registry to record it in, for cron jobs the firing
/// inbox, the task set and the cron bookkeeping, the queue store, whose waiting messages a
/// new durable subscription takes, and the providers of the types that workers provide.
#[derive(Clone)]
pub(crate) struct Triggers {
    pub(crate) registry: Arc<Registry>,
    pub(crate) fires: Fires,
    pub(crate) tasks: Tasks,
    pub(crate) provided: Arc<Provided>,
    pub(crate) crons: Owner<CronStore, Event>,
    pub(crate) queues: Queues,
}

/// The non-empty string at `key` of a trigger's config.
pub(crate) fn config_text(config: &Value, key: &str) -> Option<String> {
    config
        .get(key)
        .and_then(Value::as_str)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

impl Triggers {
    /// Validates and activates a binding owned by `owner` and made by `maker` (the one worker
    /// that may remove it), handing it to its type's provider when a worker provides the
    /// type. The error text is what the worker gets in `triggerregistrationresult`.
    pub(crate) async fn register(
        &self,
        owner: Uuid,
        maker: Option<Uuid>,
        msg: RegisterTrigger,
    ) -> Result<(), String> {
        let id = msg.id.clone();
        let provided = self.bind(owner, maker, msg)?;
        if provided {
            self.forward(&id).await;
        }
        Ok(())
    }

    /// The synchronous part of [`Triggers::register`]: whether the binding is provided.
    fn bind(&self, owner: Uuid, maker: Option<Uuid>, msg: RegisterTrigger) -> Result<bool, String> {
        let RegisterTrigger {
            id,
            trigger_type,
            function_id,
            config,
            metadata,
            ..
        } = msg;
        // Validation happens before anything is replaced, so a bad re-registration keeps the
        // old binding.
        let mut route = match trigger_type.as_str() {
            types::HTTP => Route::from_config(&config, &id, &function_id)?,
            _ => None,
        };
        let schedule = match trigger_type.as_str() {
            types::CRON => Some(cron::parse(&config)?),
            _ => None,
        };
        let stream = match trigger_type.as_str() {
            types::STREAM => Some(stream_activation(&config)?),
            _ => None,
        };
        let text = |key: &str| config_text(&config, key);
        let mut log = None;
        let activation = match trigger_type.as_str() {
            types::HTTP => match route.take() {
                Some(mut route) => {
                    route.metadata = metadata.clone();
                    log = Some(format!(
                        "route {} {:?} -> {function_id:?}",
                        route.method,
                        route.display_path()
                    ));
                    Activation::Http(Arc::new(route))
                }
                None => Activation::Inert,
            },
            types::CRON => match schedule {
                Some(schedule) => {
                    log = Some(format!("cron {:?} -> {function_id:?}", schedule.source()));
                    let job = cron::run(
                        self.fires.clone(),
                        self.tasks.clone(),
                        self.crons.clone(),
                        schedule,
                        id.clone(),
                    );
                    Activation::Cron(self.tasks.spawn(job).abort_handle())
                }
                None => Activation::Inert,
            },
            types::DURABLE_SUBSCRIBER | types::QUEUE | types::SUBSCRIBE => match text("topic") {
                Some(topic) => {
                    log = Some(format!("{trigger_type} topic {topic:?} -> {function_id:?}"));
                    if trigger_type == types::SUBSCRIBE {
                        Activation::Subscribe { topic }
                    } else {
                        Activation::Queue { topic }
                    }
                }
                None => {
                    tracing::warn!(
                        "{trigger_type} trigger {id:?} has no topic; it will never fire"
                    );
                    Activation::Inert
                }
            },
            types::STATE => {
                log = Some(format!("state trigger -> {function_id:?}"));
                Activation::State {
                    scope: text("scope"),
                    key: text("key"),
                }
            }
            types::STREAM => {
                log = Some(format!("stream trigger -> {function_id:?}"));
                stream.unwrap_or(Activation::Inert)
            }
            WORKERS_AVAILABLE | FUNCTIONS_AVAILABLE => {
                log = Some(format!("{trigger_type} trigger -> {function_id:?}"));
                if trigger_type == WORKERS_AVAILABLE {
                    Activation::WorkersAvailable
                } else {
                    Activation::FunctionsAvailable
                }
            }
            other if self.provided.has(other) => {
                log = Some(format!(
                    "{other} trigger -> {function_id:?} (worker-provided)"
                ));
                Activation::Provided
            }
            other => {
                tracing::warn!(
                    "[PENDING] trigger {id:?} of unknown type {other:?} -> {function_id:?} was NOT activated"
                );
                Activation::Parked
            }
        };
        let provided = matches!(activation, Activation::Provided);
        let entry = TriggerEntry {
            owner,
            maker,
            trigger_type,
            function_id,
            condition: text("condition_function_id"),
            config,
            metadata,
            activation,
        };
        let cron_job = match &entry.activation {
            Activation::Cron(job) => Some(job.clone()),
            _ => None,
        };
        let durable = matches!(entry.activation, Activation::Queue { .. });
        if let Err(e) = self.registry.bind(id, entry) {
            // The job never ran: its first step is waiting for the next tick.
            if let Some(job) = cron_job {
                job.abort();
            }
            return Err(e);
        }
        if let Some(log) = log {
            tracing::info!("{log}");
        }
        if durable {
            // Messages that waited for this subscriber go now; a task, since registering
            // never waits for a store.
            let queues = self.queues.clone();
            self.tasks.spawn(async move {
                let _ = queues.redispatch().await;
            });
        }
        Ok(provided)
    }

    /// Removes binding `id` for `worker`, which must be the worker that made it, telling its
    /// provider when a worker provides its type.
    pub(crate) async fn unregister(&self, worker: Uuid, id: &str) -> Unbound {
        self.remove(worker, id).await
    }
}

/// The filters of a `stream` trigger; `stream_name` is required.
pub(crate) fn stream_activation(config: &Value) -> Result<Activation, String> {
    let text = |key: &str| config_text(config, key);
    let stream_name = text("stream_name").ok_or("stream_name is required for stream triggers")?;
    Ok(Activation::Stream {
        stream_name,
        group_id: text("group_id"),
        item_id: text("item_id"),
    })
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    use super::*;

    #[test]
    fn stream_name_is_required() {
        assert!(stream_activation(&Value::Null).is_err());
        assert!(stream_activation(&json!({"stream_name": ""})).is_err());
        assert!(matches!(
            stream_activation(&json!({"stream_name": "s", "group_id": "g"})),
            Ok(Activation::Stream {
                group_id: Some(_),
                item_id: None,
                ..
            })
        ));
    }
}
