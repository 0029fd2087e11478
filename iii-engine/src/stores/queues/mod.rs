//! The durable queue store: every message published to a topic (`iii::durable::publish`) or
//! enqueued to a named queue (the `enqueue` action) from the moment it is committed until its
//! function has taken it, and the dead-letter list ([`dead`]).
//!
//! A topic message is copied once per function subscribed to the topic when it is published;
//! published to a topic nobody subscribes to, it waits (as one message) for the first
//! subscriber and is then copied to the functions subscribed at that moment. A named-queue
//! message goes to its function, and waits while that function is not registered.
//!
//! Each message is either handed out (its [`Delivery`] went to the firing owner, which settles
//! it back: delivered, dead-lettered, or released when its function turned out to be gone) or
//! idle. Idle messages are handed out by [`QueueStore::redispatch`], which runs when a durable
//! subscription is registered and on a short period; after a restart every pending message is
//! idle, so every message acknowledged before the engine stopped is delivered again, at least
//! once. Delivery is at least once, never exactly once.
//!
//! Bounds: [`MAX_PENDING`] messages and [`MAX_PENDING_BYTES`] of data; past them a publish is
//! refused (code `queue_full`), never dropped after being acknowledged.

pub(crate) mod dead;
mod dispatch;
mod handle;
mod store;
#[cfg(test)]
mod tests;

pub(crate) use handle::Queues;
pub(crate) use store::{Directory, QueueStore, Settle};
