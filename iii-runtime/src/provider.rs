//! A trigger type's provider as the service keeps it: a type-erased handler of the
//! registrations the engine forwards for that type ([`ProviderCall`]).
//!
//! The typed side (the `TriggerProvider` trait, bindings that fire their function) is built
//! on this by the clients above `worker/`; the service only queues the calls to it, in
//! order, and answers the engine.

use std::sync::Arc;

use futures_util::future::BoxFuture;
use iii_protocol::{RegisterTrigger, UnregisterTrigger};

use crate::error::Result;

/// What the engine asks of a trigger type's provider.
#[derive(Debug, Clone)]
pub(crate) enum ProviderCall {
    /// A binding of the type was made (or replayed after a reconnect): start firing it.
    Register(RegisterTrigger),
    /// A binding was removed: stop firing it.
    Unregister(UnregisterTrigger),
}

/// The handler of one provided trigger type.
pub(crate) type ProvideFn =
    Arc<dyn Fn(ProviderCall) -> BoxFuture<'static, Result<()>> + Send + Sync>;
