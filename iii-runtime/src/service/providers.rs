//! [`Providers`]: the trigger types this worker provides — their `registertriggertype`
//! frames, sent on every connection when the service says so (see `barrier`), and one task
//! per type that works off the registrations the engine forwards, in the order they came,
//! answering each with a `triggerregistrationresult`.
//!
//! A binding lives as long as the connection it was made on: when the connection drops, the
//! engine forgets it without telling the provider, and replays it after the reconnect. So
//! the task unregisters every binding it holds when told the connection is gone, and when
//! the worker hands its work over to another copy.

use std::collections::HashSet;

use iii_protocol::{
    ErrorBody, Message, RegisterTrigger, RegisterTriggerType, TriggerRegistrationResult,
    UnregisterTrigger, UnregisterTriggerType, codes,
};
use tokio::sync::mpsc;

use crate::link::{Link, Outgoing};
use crate::provider::{ProvideFn, ProviderCall};

/// Calls waiting for one provider at most; past it a registration is refused at once, so
/// that an engine sending faster than the provider works cannot make the worker buffer
/// without bound.
const QUEUE: usize = 1024;

/// What a provider's task is asked to do.
enum Job {
    /// A call from the engine, answered on `reply` (the connection it came on).
    Call(ProviderCall, mpsc::Sender<Outgoing>),
    /// The connection dropped: every binding it held is gone.
    Disconnected,
}

struct Provided {
    frame: RegisterTriggerType,
    jobs: mpsc::Sender<Job>,
}

/// The trigger types this worker provides.
#[derive(Default)]
pub(super) struct Providers {
    types: Vec<Provided>,
    /// Whether the types were announced on the current connection (later ones go at once).
    announced: bool,
}

impl Providers {
    /// Provides (or re-provides) a type; the frame to send now, once the types are announced
    /// on this connection (else it goes with them).
    pub(super) fn register(
        &mut self,
        frame: RegisterTriggerType,
        handler: ProvideFn,
    ) -> Option<Message> {
        self.types.retain(|p| p.frame.id != frame.id);
        let (jobs, rx) = mpsc::channel(QUEUE);
        tokio::spawn(work(frame.id.clone(), handler, rx));
        self.types.push(Provided {
            frame: frame.clone(),
            jobs,
        });
        self.announced
            .then_some(Message::RegisterTriggerType(frame))
    }

    /// Stops providing a type; the frame to send when it was announced on this connection.
    pub(super) fn unregister(&mut self, id: &str) -> Option<Message> {
        let before = self.types.len();
        self.types.retain(|p| p.frame.id != id);
        (self.announced && self.types.len() != before)
            .then(|| Message::UnregisterTriggerType(UnregisterTriggerType { id: id.to_owned() }))
    }

    /// The frames that announce every provided type, the first time on a connection.
    pub(super) fn announce(&mut self) -> Vec<Message> {
        if std::mem::replace(&mut self.announced, true) {
            return Vec::new();
        }
        self.types
            .iter()
            .map(|p| Message::RegisterTriggerType(p.frame.clone()))
            .collect()
    }

    /// Whether there are types that have not been announced on this connection.
    pub(super) fn waiting(&self) -> bool {
        !self.announced && !self.types.is_empty()
    }

    /// The worker hands its work over: every provider forgets its bindings (the standby that
    /// takes over provides the types anew, and the engine hands the bindings to it); returns
    /// the frames withdrawing the types, which engines may ignore (the real one keeps a type
    /// until its provider disconnects).
    pub(super) fn hand_over(&mut self) -> Vec<Message> {
        if !std::mem::take(&mut self.announced) {
            return Vec::new();
        }
        self.forget_bindings();
        self.types
            .iter()
            .map(|p| {
                Message::UnregisterTriggerType(UnregisterTriggerType {
                    id: p.frame.id.clone(),
                })
            })
            .collect()
    }

    /// Hands a forwarded `registertrigger` to its type's provider; refuses it at once when
    /// this worker does not provide the type or the provider is overloaded.
    pub(super) fn on_register(&self, trigger: RegisterTrigger, link: &Link) {
        let refusal = match self
            .types
            .iter()
            .find(|p| p.frame.id == trigger.trigger_type)
        {
            None => ErrorBody::new(
                "trigger_type_not_found",
                format!(
                    "this worker does not provide trigger type `{}`",
                    trigger.trigger_type
                ),
            ),
            Some(p) => match p.jobs.try_send(Job::Call(
                ProviderCall::Register(trigger.clone()),
                link.data.clone(),
            )) {
                Ok(()) => return,
                Err(_) => ErrorBody::new(
                    codes::TRIGGER_REGISTRATION_FAILED,
                    "the trigger type's provider is overloaded",
                ),
            },
        };
        let _ = link
            .data
            .try_send(Outgoing::Frame(result(&trigger, Some(refusal)).encode()));
    }

    /// Hands a forwarded `unregistertrigger` to its type's provider.
    pub(super) fn on_unregister(&self, trigger: UnregisterTrigger, link: &Link) {
        let Some(ty) = trigger.trigger_type.clone() else {
            return;
        };
        if let Some(p) = self.types.iter().find(|p| p.frame.id == ty) {
            let job = Job::Call(ProviderCall::Unregister(trigger), link.data.clone());
            if p.jobs.try_send(job).is_err() {
                tracing::warn!(trigger_type = %ty, "provider overloaded; an unregistration was dropped");
            }
        }
    }

    /// The connection dropped: every provider forgets its bindings, and the types are
    /// announced again on the next connection.
    pub(super) fn disconnected(&mut self) {
        self.announced = false;
        self.forget_bindings();
    }

    fn forget_bindings(&self) {
        for p in &self.types {
            let _ = p.jobs.try_send(Job::Disconnected);
        }
    }
}

fn result(trigger: &RegisterTrigger, error: Option<ErrorBody>) -> Message {
    Message::TriggerRegistrationResult(TriggerRegistrationResult {
        id: trigger.id.clone(),
        trigger_type: trigger.trigger_type.clone(),
        function_id: trigger.function_id.clone(),
        error,
    })
}

/// One provider's task: its calls, one at a time, so that a binding's unregistration never
/// overtakes its registration.
async fn work(trigger_type: String, handler: ProvideFn, mut jobs: mpsc::Receiver<Job>) {
    let mut live: HashSet<String> = HashSet::new();
    while let Some(job) = jobs.recv().await {
        match job {
            Job::Call(ProviderCall::Register(trigger), reply) => {
                let id = trigger.id.clone();
                let error = match handler(ProviderCall::Register(trigger.clone())).await {
                    Ok(()) => {
                        live.insert(id);
                        None
                    }
                    Err(e) => Some(ErrorBody::new(
                        codes::TRIGGER_REGISTRATION_FAILED,
                        e.message(),
                    )),
                };
                // A connection gone meanwhile takes the answer with it; the engine replays.
                let _ = reply
                    .send(Outgoing::Frame(result(&trigger, error).encode()))
                    .await;
            }
            Job::Call(ProviderCall::Unregister(trigger), _) => {
                live.remove(&trigger.id);
                if let Err(e) = handler(ProviderCall::Unregister(trigger)).await {
                    tracing::warn!(%trigger_type, error = %e, "a trigger provider failed to unregister a binding");
                }
            }
            Job::Disconnected => {
                for id in live.drain() {
                    let call = ProviderCall::Unregister(UnregisterTrigger {
                        id,
                        trigger_type: Some(trigger_type.clone()),
                    });
                    if let Err(e) = handler(call).await {
                        tracing::warn!(%trigger_type, error = %e, "a trigger provider failed to unregister a binding");
                    }
                }
            }
        }
    }
}
