//! The stores of the builtin functions: state, streams, durable queue messages (with the
//! dead-letter list), cron bookkeeping and data channels.
//!
//! Each store owns its data and knows nothing of the router, the HTTP server, the registry or
//! the other stores; the builtin handlers (`crate::builtins`) are what expose them as
//! functions. Two ways of owning are used, each where it fits:
//!
//! * [`state`], [`streams`], [`queues`] and [`cron`] are plain data types run by an [`Owner`]
//!   task: commands come in over a channel and run one at a time, with no lock. The owner runs
//!   the waiting commands as a batch, commits what they wrote to the store's [`db::Db`] (memory,
//!   or SQLite with a data directory) and only then answers them and sends their changes to the
//!   firing owner, in command order: nothing is acknowledged or fired before it is durable,
//!   and trigger fires follow commit order. The data itself always lives in memory, so reads
//!   never touch the disk.
//! * [`channels`] keeps a table behind a lock private to the store: it sits on the HTTP request
//!   path (two short critical sections per request, cheaper than two round trips to a task).
//!   No lock is ever held across an `.await` or while another is taken.

mod channel_ends;
mod channel_pipe;
pub(crate) mod channels;
pub(crate) mod cron;
pub(crate) mod db;
pub(crate) mod lazy_channel;
mod owner;
pub(crate) mod queues;
pub(crate) mod state;
pub(crate) mod streams;
pub(crate) mod update;

pub(crate) use owner::Owner;
