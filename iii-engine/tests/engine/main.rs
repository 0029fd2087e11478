//! Integration tests of the development engine over real sockets: raw WebSocket fake workers
//! and a small HTTP client against an engine started on free ports.

#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod access;
mod backpressure;
mod binary;
mod browsers;
mod builtins;
mod caps;
mod channel_keys;
mod channels;
mod close_codes;
mod common;
mod config_file;
mod connection;
mod cron;
mod engine_fns;
mod fairness;
mod firing;
mod hijack;
mod http_extras;
mod http_functions;
mod http_guard;
mod http_triggers;
mod invoke;
mod lifecycle;
mod persistence;
mod probe;
mod providers;
mod queues;
mod raw;
mod robustness;
mod sizes;
mod streams;
mod write_errors;
