//! The stores of the builtin functions: state, streams, data channels and dead letters.
//!
//! Each store owns its data and knows nothing of the router, the HTTP server, the registry or
//! the other stores; the builtin handlers (`crate::builtins`) are what expose them as
//! functions. Two ways of owning are used, each where it fits:
//!
//! * [`state`] and [`streams`] are plain data types run by an [`Owner`] task: commands come in
//!   over a channel and run one at a time, with no lock, and the change a command makes leaves
//!   for the firing owner before the next command runs, so trigger fires follow commit order.
//!   The owner is also the seam where persistence can plug in later: it may await a backend
//!   between commands without ever blocking a reader behind a lock.
//! * [`channels`] and [`dead_letters`] keep a table behind a lock private to the store: the
//!   channel table sits on the HTTP request path (two short critical sections per request,
//!   cheaper than two round trips to a task) and the dead-letter list is a bounded log. No
//!   lock is ever held across an `.await` or while another is taken.

pub(crate) mod channels;
pub(crate) mod dead_letters;
mod owner;
pub(crate) mod state;
pub(crate) mod streams;
pub(crate) mod update;

pub(crate) use owner::Owner;
