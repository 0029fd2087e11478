//! Wire types of the iii worker ⇄ engine protocol.
//!
//! Every frame on the worker WebSocket is one JSON object whose `type` field names a
//! [`Message`] variant in lower case (`registerfunction`, `invokefunction`, …). This crate holds
//! those types, the HTTP trigger envelope, the trigger configurations and payloads, and the error
//! body, with no I/O of its own: the worker runtime and the development engine share it.
//!
//! Decoding is tolerant where peers in the wild are sloppy: unknown fields are ignored, a missing
//! `data` or `config` reads as `null`, and an unknown `type` is reported as
//! [`DecodeError::UnknownType`] so that the caller can log and drop it.
//!
//! ```
//! use iii_protocol::Message;
//!
//! let frame = r#"{"type":"invokefunction","invocation_id":"0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59",
//!                 "function_id":"math.add","data":{"a":1,"b":2}}"#;
//! let Message::InvokeFunction(call) = Message::decode(frame)? else { unreachable!() };
//! assert_eq!(call.function_id, "math.add");
//! assert_eq!(call.data.get(), r#"{"a":1,"b":2}"#);
//! # Ok::<(), iii_protocol::DecodeError>(())
//! ```

mod error;
pub mod http;
pub mod http_function;
mod message;
pub mod raw;
pub mod triggers;
pub mod update;
mod worker;

pub use error::{DecodeError, ErrorBody, codes};
pub use message::{
    InvocationResult, InvokeAction, InvokeFunction, Message, Reattach, RegisterFunction,
    RegisterService, RegisterTrigger, RegisterTriggerType, RegistrationRejected,
    TriggerRegistrationResult, UnregisterFunction, UnregisterTrigger, UnregisterTriggerType,
    WorkerRegistered,
};
pub use serde_json::value::RawValue;
pub use uuid::Uuid;
pub use worker::{WorkerMetadata, WorkerTelemetry, builtins};

/// Default address of the engine's worker WebSocket, as every official SDK uses it.
pub const DEFAULT_ENGINE_URL: &str = "ws://127.0.0.1:49134";
/// Default port of the engine's worker WebSocket.
pub const DEFAULT_WS_PORT: u16 = 49134;
/// Default port of the engine's HTTP trigger server.
pub const DEFAULT_HTTP_PORT: u16 = 3111;
