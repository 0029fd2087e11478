//! Both ends of a custom trigger type's bindings: [`TriggerTypeRef`], a type another worker
//! provides, to bind functions to with a typed configuration; and [`Binding`], one binding
//! as its provider receives it, which fires the bound function.

use std::marker::PhantomData;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use crate::error::{Error, Result};
use crate::trigger::Trigger;
use crate::worker::{CallOptions, WeakWorker};

/// A trigger type, provided by some worker, whose bindings are configured with a `C`.
///
/// Declare it as a constant, shared by the provider and the workers that bind to it:
///
/// ```
/// use iii::prelude::*;
/// use iii::TriggerTypeRef;
///
/// #[derive(Serialize, Deserialize, JsonSchema)]
/// struct WebhookConfig { path: String }
///
/// const WEBHOOK: TriggerTypeRef<WebhookConfig> = TriggerTypeRef::new("webhook");
///
/// let trigger = WEBHOOK.bind("hooks.received", &WebhookConfig { path: "/gh".into() })?;
/// assert_eq!(trigger.trigger_type(), "webhook");
/// # Ok::<(), iii::Error>(())
/// ```
pub struct TriggerTypeRef<C> {
    id: &'static str,
    _config: PhantomData<fn() -> C>,
}

impl<C> TriggerTypeRef<C> {
    /// The trigger type `id`.
    pub const fn new(id: &'static str) -> Self {
        Self {
            id,
            _config: PhantomData,
        }
    }

    /// The type's id.
    pub const fn id(&self) -> &'static str {
        self.id
    }

    /// A binding of `function_id` with `config`, to register with
    /// [`Worker::register_trigger`](crate::Worker::register_trigger).
    ///
    /// # Errors
    /// [`Error::Serialize`] when `config` does not serialize.
    pub fn bind(&self, function_id: impl Into<String>, config: &C) -> Result<Trigger>
    where
        C: Serialize,
    {
        Ok(Trigger::new(
            self.id,
            function_id,
            serde_json::to_value(config)?,
        ))
    }
}

impl<C> Clone for TriggerTypeRef<C> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<C> Copy for TriggerTypeRef<C> {}

impl<C> std::fmt::Debug for TriggerTypeRef<C> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("TriggerTypeRef").field(&self.id).finish()
    }
}

/// One binding of a provided trigger type: the function to fire, and its configuration.
pub struct Binding<C, P = Value> {
    /// The binding's id (the worker that bound it chose it).
    pub id: String,
    /// The function to fire.
    pub function_id: String,
    /// Its configuration.
    pub config: C,
    /// Metadata to deliver with every fire.
    pub metadata: Option<Value>,
    /// The namespace the function resolves in, when not `default`.
    pub namespace: Option<String>,
    pub(super) worker: WeakWorker,
    pub(super) _payload: PhantomData<fn(P)>,
}

impl<C: Clone, P> Clone for Binding<C, P> {
    fn clone(&self) -> Self {
        Self {
            id: self.id.clone(),
            function_id: self.function_id.clone(),
            config: self.config.clone(),
            metadata: self.metadata.clone(),
            namespace: self.namespace.clone(),
            worker: self.worker.clone(),
            _payload: PhantomData,
        }
    }
}

impl<C: std::fmt::Debug, P> std::fmt::Debug for Binding<C, P> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Binding")
            .field("id", &self.id)
            .field("function_id", &self.function_id)
            .field("config", &self.config)
            .finish_non_exhaustive()
    }
}

impl<C, P: Serialize> Binding<C, P> {
    fn options(&self) -> CallOptions {
        CallOptions {
            metadata: self.metadata.clone(),
            namespace: self.namespace.clone(),
            ..CallOptions::default()
        }
    }

    /// Fires the bound function with `payload` and waits for its answer.
    ///
    /// # Errors
    /// As [`Worker::invoke`](crate::Worker::invoke); [`Error::Shutdown`] once the worker is gone.
    pub async fn fire<O: DeserializeOwned>(&self, payload: &P) -> Result<O> {
        let worker = self.worker.upgrade().ok_or(Error::Shutdown)?;
        worker
            .invoke_with(&self.function_id, payload, self.options())
            .await
    }

    /// Fires the bound function with `payload` without waiting for it.
    ///
    /// # Errors
    /// As [`Worker::invoke_async`](crate::Worker::invoke_async); [`Error::Shutdown`] once the worker is gone.
    pub async fn fire_async(&self, payload: &P) -> Result<()> {
        let worker = self.worker.upgrade().ok_or(Error::Shutdown)?;
        worker
            .invoke_async_with(&self.function_id, payload, self.options())
            .await
    }
}
