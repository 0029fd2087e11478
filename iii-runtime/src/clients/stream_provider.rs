//! [`StreamProvider`]: a worker that *is* a stream. It serves the functions the engine's
//! stream worker calls instead of its own store when they exist — `stream::get(<name>)`,
//! `stream::set(<name>)`, `stream::delete(<name>)`, `stream::list(<name>)`,
//! `stream::list_groups(<name>)`, `stream::update(<name>)` — as the official SDKs'
//! `create_stream` does. Callers keep using `stream::*` (or [`Stream<T>`](crate::Stream)),
//! and `stream` triggers fire as for any stream.

use std::future::Future;
use std::sync::Arc;

use iii_protocol::update::{UpdateOp, apply};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::update::{Updated, Written};
use crate::error::{Error, Result};
use crate::worker::{Function, FunctionHandle, Worker};

/// A stream whose items this worker keeps (in memory, a database, another service…).
///
/// Each method answers one `stream::*` call for the stream it is registered under with
/// [`Worker::provide_stream`]. `update` has a default: read the item, apply the operations as
/// the engine would, write it back (not atomic across workers: override it when the store can
/// do better).
pub trait StreamProvider: Send + Sync + 'static {
    /// The items.
    type Item: Serialize + DeserializeOwned + Send + Sync + 'static;

    /// The item `item` of `group`, `None` when there is none.
    fn get(
        &self,
        group: String,
        item: String,
    ) -> impl Future<Output = Result<Option<Self::Item>>> + Send;

    /// Stores `data` as item `item` of `group`; the item before and after.
    fn set(
        &self,
        group: String,
        item: String,
        data: Self::Item,
    ) -> impl Future<Output = Result<Written<Self::Item>>> + Send;

    /// Deletes item `item` of `group`; the item it was.
    fn delete(
        &self,
        group: String,
        item: String,
    ) -> impl Future<Output = Result<Option<Self::Item>>> + Send;

    /// Every item of `group`.
    fn list(&self, group: String) -> impl Future<Output = Result<Vec<Self::Item>>> + Send;

    /// The groups of the stream.
    fn list_groups(&self) -> impl Future<Output = Result<Vec<String>>> + Send;

    /// Applies update operations to item `item` of `group`.
    fn update(
        &self,
        group: String,
        item: String,
        ops: Vec<UpdateOp>,
    ) -> impl Future<Output = Result<Updated<Self::Item>>> + Send {
        async move {
            let old = self.get(group.clone(), item.clone()).await?;
            let mut value = match &old {
                Some(old) => serde_json::to_value(old)?,
                None => serde_json::Value::Null,
            };
            let errors = apply(&mut value, &ops);
            let new: Self::Item = serde_json::from_value(value).map_err(|e| {
                Error::bad_request(format!("the updated item is no longer an item: {e}"))
            })?;
            let written = self.set(group, item, new).await?;
            Ok(Updated {
                old_value: old,
                new_value: written.new_value,
                errors,
            })
        }
    }
}

/// The functions serving a provided stream; [`unregister`](StreamHandle::unregister) removes
/// them (the engine then keeps the stream's items itself again).
#[derive(Debug, Clone)]
pub struct StreamHandle {
    name: String,
    functions: Vec<FunctionHandle>,
}

impl StreamHandle {
    /// The stream's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Removes the stream's functions.
    pub fn unregister(self) {
        for f in self.functions {
            f.unregister();
        }
    }
}

#[derive(Deserialize)]
struct ItemInput {
    group_id: String,
    item_id: String,
}

#[derive(Deserialize)]
#[serde(bound = "T: DeserializeOwned")]
struct SetInput<T> {
    group_id: String,
    item_id: String,
    data: T,
}

#[derive(Deserialize)]
struct GroupInput {
    group_id: String,
}

#[derive(Deserialize)]
struct UpdateInput {
    group_id: String,
    item_id: String,
    #[serde(default)]
    ops: Vec<UpdateOp>,
}

#[derive(Serialize)]
struct Deleted<T> {
    old_value: Option<T>,
}

impl Worker {
    /// Serves the stream `name` from `provider` (see [`StreamProvider`]).
    ///
    /// # Errors
    /// [`Error::Registration`] when `name` is blank.
    pub fn provide_stream<P: StreamProvider>(
        &self,
        name: impl Into<String>,
        provider: P,
    ) -> Result<StreamHandle> {
        let name = name.into();
        if name.trim().is_empty() {
            return Err(Error::Registration(
                "a stream name must not be empty".to_owned(),
            ));
        }
        let p = Arc::new(provider);
        let id = |op: &str| format!("stream::{op}({name})");
        let mut functions = Vec::with_capacity(6);
        let pp = Arc::clone(&p);
        let f = Function::new(move |i: ItemInput| {
            let p = Arc::clone(&pp);
            async move { p.get(i.group_id, i.item_id).await }
        });
        functions.push(self.register_function(id("get"), f)?);
        let pp = Arc::clone(&p);
        let f = Function::new(move |i: SetInput<P::Item>| {
            let p = Arc::clone(&pp);
            async move { p.set(i.group_id, i.item_id, i.data).await }
        });
        functions.push(self.register_function(id("set"), f)?);
        let pp = Arc::clone(&p);
        let f = Function::new(move |i: ItemInput| {
            let p = Arc::clone(&pp);
            async move {
                let old_value = p.delete(i.group_id, i.item_id).await?;
                Ok(Deleted { old_value })
            }
        });
        functions.push(self.register_function(id("delete"), f)?);
        let pp = Arc::clone(&p);
        let f = Function::new(move |i: GroupInput| {
            let p = Arc::clone(&pp);
            async move { p.list(i.group_id).await }
        });
        functions.push(self.register_function(id("list"), f)?);
        let pp = Arc::clone(&p);
        let f = Function::new(move |_: serde_json::Value| {
            let p = Arc::clone(&pp);
            async move { p.list_groups().await }
        });
        functions.push(self.register_function(id("list_groups"), f)?);
        let f = Function::new(move |i: UpdateInput| {
            let p = Arc::clone(&p);
            async move { p.update(i.group_id, i.item_id, i.ops).await }
        });
        functions.push(self.register_function(id("update"), f)?);
        Ok(StreamHandle { name, functions })
    }
}
