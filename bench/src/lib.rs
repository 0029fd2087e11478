//! The iii-rs benchmark harness: our worker runtime side by side with the official Rust SDK
//! (`iii-sdk` 0.25.0 from crates.io), in one run, against one development engine.
//!
//! The driver (`iii-bench`, [`run`]) starts an [`iii_engine`] in-process on free loopback ports,
//! spawns one worker process per implementation ([`workers::Impl`]: `bench-worker-iii-rs`
//! three times, with everything off, with the request log on and with traces on, and
//! `bench-worker-sdk` twice, as shipped and with OpenTelemetry off), waits until each serves
//! its echo function and HTTP route, and then runs every case against each, rotating which
//! goes first so that drift on a shared machine does not favour one side:
//!
//! * worker-to-worker calls through the engine ([`cases::rpc`]),
//! * the HTTP trigger path through the engine's HTTP server ([`cases::http`]),
//! * the worker processes' memory and CPU time ([`procfs`]),
//! * micro-benchmarks of the frame decode path ([`micro`]).
//!
//! The result is printed as Markdown tables ([`report`]).

pub mod args;
pub mod cases;
pub mod contract;
pub mod load;
pub mod micro;
pub mod payload;
pub mod procfs;
pub mod report;
pub mod run;
pub mod stats;
pub mod workers;
