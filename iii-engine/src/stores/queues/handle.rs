//! [`Queues`]: the handle of the queue store's owner task, one typed method per command.

use serde_json::Value;

use super::store::{QueueStore, Settle};
use crate::events::{Delivery, Event};
use crate::stores::db::StoreError;
use crate::stores::owner::Owner;
use crate::tasks::Tasks;

/// The handle of the queue store's owner task.
#[derive(Clone)]
pub(crate) struct Queues(Owner<QueueStore, Event>);

/// The change that hands `deliveries` to the firing owner, if any.
fn queued(deliveries: Vec<Delivery>) -> Option<Event> {
    (!deliveries.is_empty()).then_some(Event::Queued(deliveries))
}

impl Queues {
    /// Starts the task that owns `store`; its deliveries go to `changes`.
    pub(crate) fn spawn(
        store: QueueStore,
        changes: tokio::sync::mpsc::Sender<Event>,
        tasks: &Tasks,
    ) -> Self {
        Self(Owner::spawn(store, changes, tasks))
    }

    /// Publishes `data` to `topic`; `Ok` once committed.
    pub(crate) async fn publish(&self, topic: String, data: Value) -> Result<(), StoreError> {
        self.0
            .run(move |q| match q.publish(topic, data) {
                Ok(d) => (Ok(()), queued(d)),
                Err(e) => (Err(e), None),
            })
            .await?
    }

    /// Enqueues `data` for `function_id` on the named `queue`; `Ok` once committed.
    pub(crate) async fn enqueue(
        &self,
        queue: String,
        function_id: String,
        data: Value,
    ) -> Result<(), StoreError> {
        self.0
            .run(move |q| match q.enqueue(queue, function_id, data) {
                Ok(d) => (Ok(()), queued(d)),
                Err(e) => (Err(e), None),
            })
            .await?
    }

    /// Hands out the idle messages whose functions are there now.
    pub(crate) async fn redispatch(&self) -> Result<(), StoreError> {
        self.0.run(|q| ((), queued(q.redispatch()))).await
    }

    /// Settles a handed-out message.
    pub(crate) async fn settle(&self, id: u64, how: Settle) -> Result<(), StoreError> {
        self.0.run(move |q| (q.settle(id, how), None)).await
    }

    /// The dead letters of `topic` (all when `None`), oldest first.
    pub(crate) async fn dead_letters(
        &self,
        topic: Option<String>,
    ) -> Result<Vec<Value>, StoreError> {
        self.0
            .run(move |q| (q.dead_letters(topic.as_deref()), None))
            .await
    }
}
