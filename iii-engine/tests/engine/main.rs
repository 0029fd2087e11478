//! Integration tests of the development engine over real sockets: raw WebSocket fake workers
//! and a small HTTP client against an engine started on free ports.

#![allow(clippy::unwrap_used, clippy::expect_used, unreachable_pub)]

mod backpressure;
mod binary;
mod builtins;
mod channels;
mod common;
mod config_file;
mod connection;
mod cron;
mod engine_fns;
mod firing;
mod http_extras;
mod http_triggers;
mod invoke;
mod lifecycle;
mod persistence;
mod providers;
mod queues;
mod robustness;
mod streams;
