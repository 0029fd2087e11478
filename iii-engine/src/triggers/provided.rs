//! Trigger types that workers provide (`registertriggertype`): [`Provided`] owns the table of
//! which worker provides which type, and the [`Triggers`] methods here move bindings between
//! parked (no provider) and provided, telling the provider with `registertrigger` and
//! `unregistertrigger` frames, as protocol.md §2.3-§2.6 describe the engine doing:
//!
//! - a binding of a provided type is forwarded to its provider at once; of a type nobody
//!   provides, parked until a provider comes, then forwarded;
//! - registering a type (again) makes that worker its provider and forwards every binding of
//!   the type to it (the engine's own types are reserved: `ws/registration` refuses them);
//! - a provider's `triggerregistrationresult` error parks the binding again and goes on to
//!   the worker that made it; only results from the type's provider count;
//! - when a provider leaves, its types go and their bindings are parked; when a worker
//!   leaves, the providers of its bindings are told they are gone.
//!
//! Firing is the provider's: it invokes the bound functions itself.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use iii_protocol::{
    Message, RegisterTrigger, RegisterTriggerType, TriggerRegistrationResult, UnregisterTrigger,
    Uuid,
};

use super::Triggers;
use crate::registry::{Activation, Link, TriggerEntry, Unbound};

/// The worker providing one type.
#[derive(Clone)]
struct Provider {
    worker: Uuid,
    link: Arc<Link>,
}

/// Which worker provides which trigger type.
#[derive(Default)]
pub(crate) struct Provided {
    types: Mutex<HashMap<String, Provider>>,
}

impl Provided {
    fn table(&self) -> std::sync::MutexGuard<'_, HashMap<String, Provider>> {
        self.types.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Whether a worker provides `trigger_type`.
    pub(crate) fn has(&self, trigger_type: &str) -> bool {
        self.table().contains_key(trigger_type)
    }

    fn get(&self, trigger_type: &str) -> Option<Provider> {
        self.table().get(trigger_type).cloned()
    }
}

/// The frame that hands binding `id` to its provider.
fn register_frame(id: &str, t: &TriggerEntry) -> String {
    Message::RegisterTrigger(RegisterTrigger {
        id: id.to_owned(),
        trigger_type: t.trigger_type.clone(),
        function_id: t.function_id.clone(),
        config: t.config.clone(),
        metadata: t.metadata.clone(),
        namespace: None,
        trigger_namespace: None,
    })
    .encode()
}

fn unregister_frame(id: &str, trigger_type: &str) -> String {
    Message::UnregisterTrigger(UnregisterTrigger {
        id: id.to_owned(),
        trigger_type: Some(trigger_type.to_owned()),
    })
    .encode()
}

/// A copy of binding `t` with another activation.
fn with(t: &TriggerEntry, activation: Activation) -> TriggerEntry {
    TriggerEntry {
        activation,
        ..t.clone()
    }
}

impl Triggers {
    /// Makes `worker` the provider of `frame.id` and hands it every binding of the type.
    pub(crate) async fn provide(&self, worker: Uuid, link: Arc<Link>, frame: RegisterTriggerType) {
        let ty = frame.id;
        tracing::info!("worker {worker} provides trigger type {ty:?}");
        self.provided.table().insert(
            ty.clone(),
            Provider {
                worker,
                link: link.clone(),
            },
        );
        for (id, t) in self.registry.bindings_of_type(&ty) {
            if !matches!(t.activation, Activation::Provided) {
                let _ = self
                    .registry
                    .bind(id.clone(), with(&t, Activation::Provided));
            }
            link.send(register_frame(&id, &t)).await;
        }
    }

    /// Hands a new binding to its type's provider, if the type has one.
    pub(crate) async fn forward(&self, id: &str) {
        let snapshot = self.registry.snapshot();
        let Some(t) = snapshot.triggers.get(id) else {
            return;
        };
        if let Some(p) = self.provided.get(&t.trigger_type) {
            p.link.send(register_frame(id, t)).await;
        }
    }

    /// Tells the provider of a binding that it is gone; `t` is the binding as it was.
    async fn withdraw(&self, id: &str, t: &TriggerEntry) {
        if !matches!(t.activation, Activation::Provided) {
            return;
        }
        if let Some(p) = self.provided.get(&t.trigger_type) {
            p.link.send(unregister_frame(id, &t.trigger_type)).await;
        }
    }

    /// Removes binding `id` for `remover`, the worker that made it, telling its provider.
    pub(crate) async fn remove(&self, remover: Uuid, id: &str) -> Unbound {
        let before = self.registry.snapshot().triggers.get(id).cloned();
        let unbound = self.registry.unbind(remover, id);
        if let (Unbound::Removed, Some(t)) = (&unbound, before) {
            self.withdraw(id, &t).await;
        }
        unbound
    }

    /// A provider's answer to a forwarded binding: an error parks the binding again and is
    /// passed on to the worker that made it. Answers from anyone but the type's provider are
    /// ignored.
    pub(crate) async fn provider_result(&self, worker: Uuid, r: TriggerRegistrationResult) {
        let Some(error) = r.error else {
            return;
        };
        if self
            .provided
            .get(&r.trigger_type)
            .is_none_or(|p| p.worker != worker)
        {
            return;
        }
        let snapshot = self.registry.snapshot();
        let Some(t) = snapshot.triggers.get(&r.id) else {
            return;
        };
        tracing::warn!(
            "provider of {:?} refused trigger {:?}: {}",
            r.trigger_type,
            r.id,
            error.message
        );
        let _ = self
            .registry
            .bind(r.id.clone(), with(t, Activation::Parked));
        if let Some(owner) = snapshot.workers.get(&t.owner) {
            let frame = Message::TriggerRegistrationResult(TriggerRegistrationResult {
                id: r.id,
                trigger_type: r.trigger_type,
                function_id: t.function_id.clone(),
                error: Some(error),
            });
            owner.link.send(frame.encode()).await;
        }
    }

    /// Before `worker`'s bindings go: their providers are told, and the types it provided go
    /// with their bindings parked.
    pub(crate) async fn departing(&self, worker: Uuid) {
        for (id, t) in self.registry.bindings_held_by(worker) {
            self.withdraw(&id, &t).await;
        }
        let gone: Vec<String> = {
            let mut table = self.provided.table();
            let gone = table
                .iter()
                .filter(|(_, p)| p.worker == worker)
                .map(|(ty, _)| ty.clone())
                .collect();
            table.retain(|_, p| p.worker != worker);
            gone
        };
        for ty in gone {
            tracing::info!("trigger type {ty:?} lost its provider; its bindings are pending");
            for (id, t) in self.registry.bindings_of_type(&ty) {
                if t.owner != worker {
                    let _ = self.registry.bind(id, with(&t, Activation::Parked));
                }
            }
        }
    }
}
