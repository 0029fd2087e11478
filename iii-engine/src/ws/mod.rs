//! The worker WebSocket endpoint, by role:
//!
//! * [`listener`]: accepts TCP connections, upgrades `/` (workers), `/otel` (telemetry,
//!   discarded) and `/ws/channels/{id}` (data channel ends) by hand, and hands each socket to
//!   its task;
//! * [`socket`]: the upgraded socket type and its limits;
//! * [`conn`]: one worker connection from hello to cleanup, and [`reader`] its read loop;
//! * [`admission`]: the room a worker's calls may take, and the frames read ahead meanwhile;
//! * [`incoming`] and [`lenient`]: decoding a frame (strictly, then leniently);
//! * [`auth`]: letting a connection of an access-controlled listener in;
//! * [`frames`]: what the engine does with each decoded frame, [`registration`] with
//!   registrations and reattach, and [`gate`] what an access-controlled connection may do;
//! * [`writer`]: the task that owns the write half, [`outgoing`] the fragmenting of large
//!   messages, and [`close`] the Close frames that say why a connection ended;
//! * [`summary`]: the log line that says what a worker announced and registered;
//! * [`channel`]: the sockets of data channel ends.

pub(crate) mod admission;
pub(crate) mod auth;
pub(crate) mod channel;
pub(crate) mod close;
pub(crate) mod conn;
pub(crate) mod endpoint;
pub(crate) mod frames;
pub(crate) mod gate;
pub(crate) mod incoming;
pub(crate) mod lenient;
pub(crate) mod listener;
pub(crate) mod outgoing;
pub(crate) mod reader;
pub(crate) mod registration;
pub(crate) mod socket;
pub(crate) mod summary;
pub(crate) mod writer;
