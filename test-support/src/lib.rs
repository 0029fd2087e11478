//! Test support shared by the workspace's three test suites (`tests/`, `iii-engine/tests`,
//! `iii-runtime/tests`). Internal and unpublished; the public `iii::testing` module is meant to
//! grow out of its upper layers.
//!
//! The layers, each importing only from the ones above it:
//!
//! * [`wait`]: waiting for a condition with a deadline, checked again every [`wait::POLL`];
//! * [`frames`]: the protocol's JSON frames, built by name;
//! * [`engine`]: the development engine on free loopback ports;
//! * [`http`]: an HTTP/1.1 client on hyper for the engine's HTTP port;
//! * [`socket`]: one end of a protocol WebSocket (JSON frames in and out, control frames
//!   counted, the close awaited);
//! * [`raw_worker`]: a worker that speaks raw frames to a real engine;
//! * [`channel`]: the engine's data channels, connected and read raw;
//! * [`fake_engine`]: a scripted engine that a real worker connects to;
//! * [`process`]: a program a test runs, its output captured line by line.
//!
//! Helpers that fail return a typed error where a caller could act on it (an HTTP exchange, a
//! program that exits early). Where a failure can only mean the test failed (no engine could
//! start, a peer went silent past its deadline), they panic with a message that says what was
//! expected and what came instead; those are documented under `# Panics`.

pub mod channel;
pub mod engine;
pub mod fake_engine;
pub mod frames;
pub mod http;
pub mod process;
pub mod raw_worker;
pub mod socket;
pub mod wait;
