//! [`Topic<T>`]: a topic name with the type of its messages, shared by the code that
//! publishes and the functions that consume, so that the compiler checks both sides.
//!
//! | here | the engine |
//! |---|---|
//! | [`Worker::publish`], [`Context::publish`] | `publish` (pub/sub: every `subscribe` binding, not kept) |
//! | [`Worker::publish_durable`], [`Context::publish_durable`] | `iii::durable::publish` (every `durable:subscriber` binding, retried) |
//! | `#[iii::subscribe(topic = T)]`, [`Topic::subscribe_trigger`] | trigger type `subscribe` |
//! | `#[iii::queue(topic = T)]`, [`Topic::queue_trigger`] | trigger type `durable:subscriber` |

use std::marker::PhantomData;

use iii_protocol::builtins as ids;
use serde::Serialize;

use super::call::call_raw;
use crate::error::Result;
use crate::trigger::Trigger;
use crate::worker::{Context, Worker};

/// A topic whose messages are `T`s.
///
/// Declare it once as a constant; publishers pass it to [`Context::publish_durable`] (or
/// [`publish`](Context::publish)) and consumers name it in their trigger attribute, where the
/// macro checks that the function's input is `T`:
///
/// ```no_run
/// use iii::prelude::*;
///
/// #[derive(Serialize, Deserialize, JsonSchema)]
/// struct CheckedOut { cart_id: String, total: i64 }
///
/// const CHECKED_OUT: Topic<CheckedOut> = Topic::new("cart.checked_out");
///
/// #[iii::function("cart.checkout")]
/// async fn checkout(cart_id: String, ctx: Context) -> iii::Result<()> {
///     ctx.publish_durable(&CHECKED_OUT, &CheckedOut { cart_id, total: 0 }).await
/// }
///
/// #[iii::function("orders.create")]
/// #[iii::queue(topic = CHECKED_OUT)]
/// async fn create_order(event: CheckedOut) -> iii::Result<()> {
///     Ok(())
/// }
/// # fn main() {}
/// ```
pub struct Topic<T> {
    name: &'static str,
    _messages: PhantomData<fn() -> T>,
}

impl<T> Topic<T> {
    /// The topic `name` carrying `T`s.
    pub const fn new(name: &'static str) -> Self {
        Self {
            name,
            _messages: PhantomData,
        }
    }

    /// The topic's name.
    pub const fn name(&self) -> &'static str {
        self.name
    }

    /// A durable queue consumer of this topic for `function_id` (trigger type
    /// `durable:subscriber`), for the plain API.
    pub fn queue_trigger(&self, function_id: impl Into<String>) -> Trigger {
        Trigger::queue(function_id, self.name)
    }

    /// A pub/sub subscriber of this topic for `function_id` (trigger type `subscribe`).
    pub fn subscribe_trigger(&self, function_id: impl Into<String>) -> Trigger {
        Trigger::subscribe(function_id, self.name)
    }
}

impl<T> Clone for Topic<T> {
    fn clone(&self) -> Self {
        *self
    }
}

impl<T> Copy for Topic<T> {}

impl<T> std::fmt::Debug for Topic<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("Topic").field(&self.name).finish()
    }
}

#[derive(Serialize)]
struct Publish<'a, T> {
    topic: &'a str,
    data: &'a T,
}

impl Worker {
    /// Publishes `message` on the pub/sub `topic` (`publish`): every function subscribed at
    /// that moment gets it once; nothing is kept or retried.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]); `topic_not_set` from the engine for an empty name.
    pub async fn publish<T: Serialize>(&self, topic: &Topic<T>, message: &T) -> Result<()> {
        self.publish_to(topic.name(), message).await
    }

    /// Publishes `message` on the durable queue `topic` (`iii::durable::publish`): every
    /// function consuming the topic gets it, retried until it succeeds or is dead-lettered.
    ///
    /// # Errors
    /// As [`publish`](Worker::publish).
    pub async fn publish_durable<T: Serialize>(&self, topic: &Topic<T>, message: &T) -> Result<()> {
        self.publish_durable_to(topic.name(), message).await
    }

    /// [`publish`](Worker::publish) to a topic named at run time.
    ///
    /// # Errors
    /// As [`publish`](Worker::publish).
    pub async fn publish_to(&self, topic: &str, message: &impl Serialize) -> Result<()> {
        let input = Publish {
            topic,
            data: message,
        };
        call_raw(self, ids::PUBLISH, &input).await.map(drop)
    }

    /// [`publish_durable`](Worker::publish_durable) to a topic named at run time.
    ///
    /// # Errors
    /// As [`publish`](Worker::publish).
    pub async fn publish_durable_to(&self, topic: &str, message: &impl Serialize) -> Result<()> {
        let input = Publish {
            topic,
            data: message,
        };
        call_raw(self, ids::DURABLE_PUBLISH, &input).await.map(drop)
    }
}

impl Context {
    /// [`Worker::publish`] through the worker serving this invocation.
    ///
    /// # Errors
    /// As [`Worker::publish`].
    pub async fn publish<T: Serialize>(&self, topic: &Topic<T>, message: &T) -> Result<()> {
        self.worker().publish(topic, message).await
    }

    /// [`Worker::publish_durable`] through the worker serving this invocation.
    ///
    /// # Errors
    /// As [`Worker::publish`].
    pub async fn publish_durable<T: Serialize>(&self, topic: &Topic<T>, message: &T) -> Result<()> {
        self.worker().publish_durable(topic, message).await
    }
}
