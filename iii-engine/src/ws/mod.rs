//! The worker WebSocket endpoint, by role:
//!
//! * [`listener`]: accepts TCP connections, upgrades `/` (workers), `/otel` (telemetry,
//!   discarded) and `/ws/channels/{id}` (data channel ends) by hand, and hands each socket to
//!   its task;
//! * [`socket`]: the upgraded socket type and its limits;
//! * [`conn`]: one worker connection from hello to cleanup, and its read loop;
//! * [`admission`]: the room a worker's calls may take, and the frames read ahead meanwhile;
//! * [`incoming`] and [`lenient`]: decoding a frame (strictly, then leniently);
//! * [`frames`]: what the engine does with each decoded frame;
//! * [`writer`]: the task that owns the write half;
//! * [`summary`]: the log line that says what a worker announced and registered;
//! * [`channel`]: the sockets of data channel ends.

pub(crate) mod admission;
pub(crate) mod channel;
pub(crate) mod conn;
pub(crate) mod endpoint;
pub(crate) mod frames;
pub(crate) mod incoming;
pub(crate) mod lenient;
pub(crate) mod listener;
pub(crate) mod socket;
pub(crate) mod summary;
pub(crate) mod writer;
