//! The integration tests, in one binary: the examples and workers of this workspace, and the
//! official Python and Node SDKs, against the development engine over real sockets.
//!
//! Tests that need a process of their own are separate binaries beside this directory: those
//! whose `#[iii::function]` declarations are wrong on purpose (`iii::register_declared` sees
//! every declaration of the program), `replicas` (copies of the quickstart as processes, whose
//! takeover times it prints, run alone), and the macros' UI cases (the `iii-macros-ui` crate).

mod access;
mod cart;
mod channels;
mod declared;
mod engine_restart;
mod error_types;
mod examples;
mod forged_envelope;
mod greetings;
mod http_function;
mod interop;
mod interop_node;
mod interop_providers;
mod interop_python;
mod interop_queues;
mod interop_services;
mod interop_stream_provider;
mod kit;
mod macros_typed;
mod observe;
mod services;
mod shutdown;
mod skeleton;
mod streaming;
