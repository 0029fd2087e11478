//! [`Stream<T>`]: one of the engine's streams (its `stream::*` functions), with items of type
//! `T` kept by group and item id.
//!
//! Every write fires the `stream` triggers of the stream (`#[iii::stream(name = …)]`,
//! [`Trigger::stream`](crate::Trigger::stream)) with a [`StreamEvent`](crate::StreamEvent).
//! A worker may also *be* a stream: see [`StreamProvider`](crate::StreamProvider).

use std::marker::PhantomData;

use iii_protocol::builtins as ids;
use iii_protocol::update::UpdateOp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::call::call;
use super::update::{Update, Updated, Written};
use crate::error::Result;
use crate::worker::{Context, Worker};

/// A stream of the engine: items of type `T` by group id and item id.
///
/// ```no_run
/// # async fn demo(ctx: iii::Context) -> iii::Result<()> {
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Presence { online: bool }
///
/// let presence = ctx.stream::<Presence>("presence");
/// presence.set("room-1", "ada", &Presence { online: true }).await?;
/// let everyone: Vec<Presence> = presence.list("room-1").await?;
/// # Ok(()) }
/// ```
pub struct Stream<T> {
    worker: Worker,
    name: String,
    _items: PhantomData<fn() -> T>,
}

impl<T> Clone for Stream<T> {
    fn clone(&self) -> Self {
        Self {
            worker: self.worker.clone(),
            name: self.name.clone(),
            _items: PhantomData,
        }
    }
}

impl<T> std::fmt::Debug for Stream<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Stream").field("name", &self.name).finish()
    }
}

/// One stream as [`Stream::list_all`] reports it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct StreamSummary {
    /// The stream's name.
    pub id: String,
    /// Its groups.
    #[serde(default)]
    pub groups: Vec<String>,
}

#[derive(Serialize)]
struct Item<'a> {
    stream_name: &'a str,
    group_id: &'a str,
    item_id: &'a str,
}

#[derive(Serialize)]
struct SetInput<'a, T> {
    stream_name: &'a str,
    group_id: &'a str,
    item_id: &'a str,
    data: &'a T,
}

#[derive(Serialize)]
struct UpdateInput<'a> {
    stream_name: &'a str,
    group_id: &'a str,
    item_id: &'a str,
    ops: Vec<UpdateOp>,
}

#[derive(Serialize)]
struct Group<'a> {
    stream_name: &'a str,
    group_id: &'a str,
}

#[derive(Serialize)]
struct Name<'a> {
    stream_name: &'a str,
}

#[derive(Serialize)]
struct SendInput<'a, D> {
    stream_name: &'a str,
    group_id: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    id: Option<&'a str>,
    #[serde(rename = "type")]
    event_type: &'a str,
    data: &'a D,
}

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct Deleted<T> {
    #[serde(default = "none")]
    old_value: Option<T>,
}

fn none<T>() -> Option<T> {
    None
}

/// The groups answer: a list (as the engine's stream worker sends it) or `{groups}`.
#[derive(Deserialize)]
#[serde(untagged)]
enum Groups {
    List(Vec<String>),
    Object { groups: Vec<String> },
    Nothing(()),
}

#[derive(Deserialize)]
struct All {
    #[serde(default)]
    stream: Vec<StreamSummary>,
}

impl<T> Stream<T> {
    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Every stream of the engine with its groups (`stream::list_all`), whatever its items.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]).
    pub async fn list_all(&self) -> Result<Vec<StreamSummary>> {
        let all: All = call(&self.worker, ids::STREAM_LIST_ALL, &serde_json::json!({})).await?;
        Ok(all.stream)
    }

    /// The group ids of this stream.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]).
    pub async fn list_groups(&self) -> Result<Vec<String>> {
        let name = Name {
            stream_name: &self.name,
        };
        let groups: Groups = call(&self.worker, ids::STREAM_LIST_GROUPS, &name).await?;
        Ok(match groups {
            Groups::List(groups) | Groups::Object { groups } => groups,
            Groups::Nothing(()) => Vec::new(),
        })
    }

    /// Sends a custom event (`type`, `data`) to the group's subscribers (`stream::send`),
    /// about no item in particular; nothing is stored.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]).
    pub async fn send(&self, group: &str, event_type: &str, data: &impl Serialize) -> Result<()> {
        self.send_inner(group, None, event_type, data).await
    }

    /// [`send`](Stream::send) about one item.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]).
    pub async fn send_about(
        &self,
        group: &str,
        item: &str,
        event_type: &str,
        data: &impl Serialize,
    ) -> Result<()> {
        self.send_inner(group, Some(item), event_type, data).await
    }

    async fn send_inner(
        &self,
        group: &str,
        item: Option<&str>,
        event_type: &str,
        data: &impl Serialize,
    ) -> Result<()> {
        let input = SendInput {
            stream_name: &self.name,
            group_id: group,
            id: item,
            event_type,
            data,
        };
        let _: serde_json::Value = call(&self.worker, ids::STREAM_SEND, &input).await?;
        Ok(())
    }
}

impl<T: DeserializeOwned> Stream<T> {
    fn item<'a>(&'a self, group: &'a str, item: &'a str) -> Item<'a> {
        Item {
            stream_name: &self.name,
            group_id: group,
            item_id: item,
        }
    }

    /// The item `item` of group `group`, `None` when there is none.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]); [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse)
    /// when the item is not a `T`.
    pub async fn get(&self, group: &str, item: &str) -> Result<Option<T>> {
        call(&self.worker, ids::STREAM_GET, &self.item(group, item)).await
    }

    /// Stores `data` as item `item` of group `group`; the item before and after.
    ///
    /// # Errors
    /// As [`get`](Stream::get).
    pub async fn set(&self, group: &str, item: &str, data: &T) -> Result<Written<T>>
    where
        T: Serialize,
    {
        let input = SetInput {
            stream_name: &self.name,
            group_id: group,
            item_id: item,
            data,
        };
        call(&self.worker, ids::STREAM_SET, &input).await
    }

    /// Deletes item `item` of group `group`; the item it was (`None` when there was none).
    ///
    /// # Errors
    /// As [`get`](Stream::get).
    pub async fn delete(&self, group: &str, item: &str) -> Result<Option<T>> {
        let deleted: Deleted<T> =
            call(&self.worker, ids::STREAM_DELETE, &self.item(group, item)).await?;
        Ok(deleted.old_value)
    }

    /// Applies `update` to item `item` of group `group` in one step.
    ///
    /// # Errors
    /// As [`get`](Stream::get); [`Error::Serialize`](crate::Error::Serialize) when a value
    /// given to `update` did not serialize.
    pub async fn update(&self, group: &str, item: &str, update: Update) -> Result<Updated<T>> {
        let input = UpdateInput {
            stream_name: &self.name,
            group_id: group,
            item_id: item,
            ops: update.into_ops()?,
        };
        call(&self.worker, ids::STREAM_UPDATE, &input).await
    }

    /// Every item of group `group`.
    ///
    /// # Errors
    /// As [`get`](Stream::get).
    pub async fn list(&self, group: &str) -> Result<Vec<T>> {
        let group = Group {
            stream_name: &self.name,
            group_id: group,
        };
        let items: Option<Vec<T>> = call(&self.worker, ids::STREAM_LIST, &group).await?;
        Ok(items.unwrap_or_default())
    }
}

impl Worker {
    /// The engine's stream `name`, with items of type `T`.
    pub fn stream<T>(&self, name: impl Into<String>) -> Stream<T> {
        Stream {
            worker: self.clone(),
            name: name.into(),
            _items: PhantomData,
        }
    }
}

impl Context {
    /// The engine's stream `name`, with items of type `T`, through the worker serving this
    /// invocation.
    pub fn stream<T>(&self, name: impl Into<String>) -> Stream<T> {
        self.worker().stream(name)
    }
}
