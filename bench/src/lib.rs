//! The iii-rs benchmark harness: our worker runtime side by side with the floor (a bare-socket
//! worker) and the official Rust SDK (`iii-sdk` 0.25.0 from crates.io), in one run, against
//! one development engine in its own process.
//!
//! The driver (`iii-bench`, [`run`]) starts the engine (`bench-engine`, [`engine`]) on free
//! loopback ports, spawns one worker process per implementation ([`workers::Impl`]:
//! `bench-worker-floor`, `bench-worker-iii-rs`, and `bench-worker-sdk` twice, as shipped and
//! with OpenTelemetry off), waits until each serves its functions and HTTP routes, and then
//! runs every case against each, for as many rounds as asked, rotating which goes first so
//! that drift on a shared machine does not favour one side:
//!
//! * worker-to-worker calls through the engine ([`cases::rpc`]),
//! * the HTTP trigger path through the engine's HTTP server, echo and the quickstart's typed
//!   `math.add` ([`cases::http`]),
//! * the worker and engine processes' memory and CPU time ([`procfs`]),
//! * the quickstart's start-up, to its first route served ([`startup`]),
//! * micro-benchmarks of the frame decode path ([`micro`]).
//!
//! The result is printed as Markdown tables ([`report`]), every column also as a ratio to the
//! floor.

pub mod args;
pub mod cases;
pub mod contract;
pub mod engine;
pub mod load;
pub mod micro;
pub mod payload;
pub mod process;
pub mod procfs;
pub mod report;
pub mod results;
pub mod run;
pub mod startup;
pub mod stats;
pub mod workers;
