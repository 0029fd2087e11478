//! The transport of one WebSocket connection. It reports to the service through [`Event`]s
//! and offers incoming invocations to the admission first.
//!
//! - `socket.rs`: opening the WebSocket, and the [`Timings`] that bound a connection.
//! - `connect.rs`: [`connect()`], which opens it and runs the two halves apart.
//! - `read.rs`: the reader, always polled, which watches the idle deadline.
//! - `port.rs`: the write side, shared: the sink and the queues behind one lock, so that an
//!   answer with nothing queued ahead of it is written by the task that produced it.
//! - `write.rs`: the writer, which sends the queued frames and the keepalive pings, each
//!   write bounded so that an engine that stops reading is detected too.
//! - `report.rs`: [`Event`], what the transport reports.

mod connect;
mod port;
mod read;
mod report;
mod socket;
mod write;

pub(crate) use self::connect::connect;
pub(crate) use self::report::Event;
pub(crate) use self::socket::{Timings, Ws, dial};
