//! Providing a custom trigger type: [`TriggerProvider`], or closures through
//! [`Worker::register_trigger_type`], with a typed configuration (binding to a type another
//! worker provides is [`TriggerTypeRef`]'s, in `bindings.rs`).
//!
//! Providing a type announces it (`registertriggertype`, with the configuration's and the
//! payload's JSON Schemas as `trigger_request_format` and `call_request_format`); the engine
//! then forwards every binding of the type (`registertrigger`, `unregistertrigger`) to this
//! worker, which hands it to the provider as a [`Binding`] and answers the engine. Firing is
//! the provider's: [`Binding::fire`] invokes the bound function.

use std::future::Future;
use std::marker::PhantomData;
use std::sync::Arc;

use iii_protocol::{RegisterTrigger, RegisterTriggerType};
use schemars::JsonSchema;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::bindings::Binding;
use crate::error::{Error, Result};
use crate::provider::{ProvideFn, ProviderCall};
use crate::worker::{Command, WeakWorker, Worker};

/// A trigger type this worker provides, with typed bindings.
///
/// `register` is called for every binding the engine forwards (again after each reconnect,
/// under the same id: treat it as a replacement), `unregister` when it goes (also for every
/// binding held when the connection drops). An error from `register` refuses the binding:
/// its worker gets it as a `triggerregistrationresult` error. Calls come one at a time, in
/// the order the engine sent them.
pub trait TriggerProvider: Send + Sync + 'static {
    /// The configuration of each binding; its JSON Schema is announced.
    type Config: DeserializeOwned + JsonSchema + Send + 'static;
    /// What the bound functions are fired with; its JSON Schema is announced.
    type Payload: Serialize + JsonSchema + 'static;

    /// The type's id.
    fn id(&self) -> &str;

    /// The type's description.
    fn description(&self) -> &str {
        ""
    }

    /// A binding to start firing.
    fn register(
        &self,
        binding: Binding<Self::Config, Self::Payload>,
    ) -> impl Future<Output = Result<()>> + Send;

    /// The binding `id` is gone: stop firing it.
    fn unregister(&self, id: String) -> impl Future<Output = Result<()>> + Send;
}

/// A provided trigger type; [`unregister`](TriggerTypeHandle::unregister) stops providing
/// it (dropping the handle keeps it).
#[derive(Debug, Clone)]
pub struct TriggerTypeHandle {
    id: String,
    worker: Worker,
}

impl TriggerTypeHandle {
    /// The type's id.
    pub fn id(&self) -> &str {
        &self.id
    }

    /// Stops providing the type on this worker (from the next connection on: the engine
    /// keeps a type until its provider disconnects).
    pub fn unregister(self) {
        self.worker
            .command(Command::UnregisterTriggerType { id: self.id });
    }
}

fn schema<T: JsonSchema>() -> Option<Value> {
    serde_json::to_value(schemars::schema_for!(T)).ok()
}

impl Worker {
    /// Provides the trigger type `provider` describes: announces it and hands it every
    /// binding the engine forwards.
    ///
    /// # Errors
    /// [`Error::Registration`] when the type's id is blank.
    pub fn provide_trigger_type<T: TriggerProvider>(
        &self,
        provider: T,
    ) -> Result<TriggerTypeHandle> {
        let id = provider.id().to_owned();
        if id.trim().is_empty() {
            return Err(Error::Registration(
                "a trigger type id must not be empty".to_owned(),
            ));
        }
        let frame = RegisterTriggerType {
            id: id.clone(),
            description: provider.description().to_owned(),
            trigger_request_format: schema::<T::Config>(),
            call_request_format: schema::<T::Payload>(),
            namespace: None,
        };
        let provider = Arc::new(provider);
        let worker = self.downgrade();
        let handler: ProvideFn = Arc::new(move |call| {
            let provider = Arc::clone(&provider);
            let worker = worker.clone();
            Box::pin(async move {
                match call {
                    ProviderCall::Register(t) => provider.register(binding(t, worker)?).await,
                    ProviderCall::Unregister(u) => provider.unregister(u.id).await,
                }
            })
        });
        self.command(Command::RegisterTriggerType { frame, handler });
        Ok(TriggerTypeHandle {
            id,
            worker: self.clone(),
        })
    }

    /// Provides the trigger type `id` with closures: `register` for each binding, typed by
    /// its [`Binding`] parameter, and `unregister` with the id of each binding that goes.
    ///
    /// # Errors
    /// As [`provide_trigger_type`](Worker::provide_trigger_type).
    pub fn register_trigger_type<C, P, R, RFut, U, UFut>(
        &self,
        id: impl Into<String>,
        description: impl Into<String>,
        register: R,
        unregister: U,
    ) -> Result<TriggerTypeHandle>
    where
        C: DeserializeOwned + JsonSchema + Send + 'static,
        P: Serialize + JsonSchema + 'static,
        R: Fn(Binding<C, P>) -> RFut + Send + Sync + 'static,
        RFut: Future<Output = Result<()>> + Send + 'static,
        U: Fn(String) -> UFut + Send + Sync + 'static,
        UFut: Future<Output = Result<()>> + Send + 'static,
    {
        self.provide_trigger_type(Closures {
            id: id.into(),
            description: description.into(),
            register,
            unregister,
            _types: PhantomData::<fn(C, P)>,
        })
    }
}

/// The binding a forwarded registration describes, its configuration decoded.
fn binding<C: DeserializeOwned, P>(
    t: RegisterTrigger,
    worker: WeakWorker,
) -> Result<Binding<C, P>> {
    let config = serde_path_to_error::deserialize(&t.config).map_err(|e| {
        Error::bad_request(format!(
            "invalid config for trigger type `{}` at `{}`: {}",
            t.trigger_type,
            e.path(),
            e.inner()
        ))
    })?;
    Ok(Binding {
        id: t.id,
        function_id: t.function_id,
        config,
        metadata: t.metadata,
        namespace: t.namespace,
        worker,
        _payload: PhantomData,
    })
}

struct Closures<R, U, T> {
    id: String,
    description: String,
    register: R,
    unregister: U,
    _types: PhantomData<T>,
}

impl<C, P, R, RFut, U, UFut> TriggerProvider for Closures<R, U, fn(C, P)>
where
    C: DeserializeOwned + JsonSchema + Send + 'static,
    P: Serialize + JsonSchema + 'static,
    R: Fn(Binding<C, P>) -> RFut + Send + Sync + 'static,
    RFut: Future<Output = Result<()>> + Send + 'static,
    U: Fn(String) -> UFut + Send + Sync + 'static,
    UFut: Future<Output = Result<()>> + Send + 'static,
{
    type Config = C;
    type Payload = P;

    fn id(&self) -> &str {
        &self.id
    }

    fn description(&self) -> &str {
        &self.description
    }

    fn register(&self, binding: Binding<C, P>) -> impl Future<Output = Result<()>> + Send {
        (self.register)(binding)
    }

    fn unregister(&self, id: String) -> impl Future<Output = Result<()>> + Send {
        (self.unregister)(id)
    }
}
