//! Typed clients of the engine's services, all over the worker's one connection and with the
//! worker's one [`Error`](crate::Error) type:
//!
//! - `kv.rs`: [`Kv`], the key/value store (`state::*`);
//! - `streams.rs`: [`Stream<T>`] (`stream::*`);
//! - `stream_provider.rs`: [`StreamProvider`], a worker that is a stream;
//! - `update.rs`: [`Update`], the update operations both apply, and what writes answer;
//! - `topics.rs`: [`Topic<T>`], publishing to pub/sub and durable queue topics;
//! - `introspect.rs`: [`Introspect`], what is live (`engine::functions::*`, …);
//! - `trigger_types.rs`: providing a custom trigger type ([`TriggerProvider`]);
//!   `bindings.rs`: binding to one ([`TriggerTypeRef`]), and a binding as its provider gets
//!   it ([`Binding`]);
//! - `call.rs`: one call with its answer decoded, a bad shape made an error.
//!
//! Each client is reached from a [`Worker`](crate::Worker) and from a
//! [`Context`](crate::Context); they sit above `worker/` and use only its public calls.

mod bindings;
mod call;
mod introspect;
mod kv;
mod stream_provider;
mod streams;
mod topics;
mod trigger_types;
mod update;

pub use self::bindings::{Binding, TriggerTypeRef};
pub use self::introspect::{
    BoundTrigger, FunctionDetail, FunctionFilter, FunctionSummary, Introspect, TriggerSummary,
    WorkerSummary,
};
pub use self::kv::Kv;
pub use self::stream_provider::{StreamHandle, StreamProvider};
pub use self::streams::{Stream, StreamSummary};
pub use self::topics::Topic;
pub use self::trigger_types::{TriggerProvider, TriggerTypeHandle};
pub use self::update::{Update, Updated, Written};
