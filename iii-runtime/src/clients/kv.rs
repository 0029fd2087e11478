//! [`Kv`]: the engine's key/value store (its `state::*` functions), typed.
//!
//! The engine calls it "state"; this crate keeps that word for [`State<T>`](crate::State)
//! (data shared inside the worker process), so the client, its trigger attribute
//! (`#[iii::kv]`) and its event ([`KvEvent`](crate::KvEvent)) are named `kv`:
//!
//! | here | the engine |
//! |---|---|
//! | [`Kv::get`] / [`set`](Kv::set) / [`delete`](Kv::delete) / [`update`](Kv::update) | `state::get` / `state::set` / `state::delete` / `state::update` |
//! | [`Kv::list`] / [`list_groups`](Kv::list_groups) | `state::list` / `state::list_groups` |
//! | `#[iii::kv(scope, key)]`, [`Trigger::kv`](crate::Trigger::kv) | trigger type `state` |
//! | [`KvEvent`](crate::KvEvent) | its payload (`state:created`, `state:updated`, `state:deleted`) |

use iii_protocol::builtins as ids;
use iii_protocol::update::UpdateOp;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use super::call::call;
use super::update::{Update, Updated, Written};
use crate::error::Result;
use crate::worker::{Context, Worker};

/// The engine's key/value store: values of any serde type, by scope and key.
///
/// Reach it from a handler with [`Context::kv`] or from a [`Worker`] with [`Worker::kv`];
/// every call goes over the worker's connection and fails with the worker's [`Error`]s
/// (`Error::Remote` when the engine refuses, [`Error::UnexpectedResponse`] when a stored value
/// is not the type asked for).
///
/// ```no_run
/// # async fn demo(ctx: iii::Context) -> iii::Result<()> {
/// use iii::Update;
/// use serde::{Deserialize, Serialize};
///
/// #[derive(Serialize, Deserialize)]
/// struct Cart { items: Vec<String>, count: i64 }
///
/// let kv = ctx.kv();
/// kv.set("carts", "c1", &Cart { items: vec![], count: 0 }).await?;
/// let out = kv
///     .update::<Cart>("carts", "c1", Update::new().append("items", "apple").increment("count", 1))
///     .await?;
/// assert_eq!(out.new_value.count, 1);
/// let cart: Option<Cart> = kv.get("carts", "c1").await?;
/// # Ok(()) }
/// ```
///
/// [`Error`]: crate::Error
/// [`Error::UnexpectedResponse`]: crate::Error::UnexpectedResponse
#[derive(Debug, Clone)]
pub struct Kv {
    worker: Worker,
}

#[derive(Serialize)]
struct Key<'a> {
    scope: &'a str,
    key: &'a str,
}

#[derive(Serialize)]
struct SetInput<'a, T> {
    scope: &'a str,
    key: &'a str,
    value: &'a T,
}

#[derive(Serialize)]
struct UpdateInput<'a> {
    scope: &'a str,
    key: &'a str,
    ops: Vec<UpdateOp>,
}

#[derive(Serialize)]
struct Scope<'a> {
    scope: &'a str,
}

#[derive(Deserialize)]
struct Groups {
    #[serde(default)]
    groups: Vec<String>,
}

impl Kv {
    /// The value at `scope`/`key`, `None` when there is none.
    ///
    /// # Errors
    /// As a call ([`Worker::invoke`]); [`Error::UnexpectedResponse`](crate::Error::UnexpectedResponse)
    /// when the stored value is not a `T`.
    pub async fn get<T: DeserializeOwned>(&self, scope: &str, key: &str) -> Result<Option<T>> {
        call(&self.worker, ids::STATE_GET, &Key { scope, key }).await
    }

    /// Stores `value` at `scope`/`key` (firing `state` triggers); the value before and after.
    ///
    /// # Errors
    /// As [`get`](Kv::get).
    pub async fn set<T: Serialize + DeserializeOwned>(
        &self,
        scope: &str,
        key: &str,
        value: &T,
    ) -> Result<Written<T>> {
        let input = SetInput { scope, key, value };
        call(&self.worker, ids::STATE_SET, &input).await
    }

    /// Deletes the value at `scope`/`key`; the value it had (`None` when there was none).
    ///
    /// # Errors
    /// As [`get`](Kv::get).
    pub async fn delete<T: DeserializeOwned>(&self, scope: &str, key: &str) -> Result<Option<T>> {
        call(&self.worker, ids::STATE_DELETE, &Key { scope, key }).await
    }

    /// Applies `update` to the value at `scope`/`key` in one step (a missing value starts as
    /// `{}`); the value before and after, and the operations that did not fit.
    ///
    /// # Errors
    /// As [`get`](Kv::get); [`Error::Serialize`](crate::Error::Serialize) when a value given
    /// to `update` did not serialize.
    pub async fn update<T: DeserializeOwned>(
        &self,
        scope: &str,
        key: &str,
        update: Update,
    ) -> Result<Updated<T>> {
        let ops = update.into_ops()?;
        let input = UpdateInput { scope, key, ops };
        call(&self.worker, ids::STATE_UPDATE, &input).await
    }

    /// Every value of `scope` (in no particular order).
    ///
    /// # Errors
    /// As [`get`](Kv::get).
    pub async fn list<T: DeserializeOwned>(&self, scope: &str) -> Result<Vec<T>> {
        let values: Option<Vec<T>> = call(&self.worker, ids::STATE_LIST, &Scope { scope }).await?;
        Ok(values.unwrap_or_default())
    }

    /// The scopes that hold values (`state::list_groups`), sorted.
    ///
    /// # Errors
    /// As [`get`](Kv::get).
    pub async fn list_groups(&self) -> Result<Vec<String>> {
        let groups: Groups =
            call(&self.worker, ids::STATE_LIST_GROUPS, &serde_json::json!({})).await?;
        Ok(groups.groups)
    }
}

impl Worker {
    /// The engine's key/value store, through this worker's connection.
    pub fn kv(&self) -> Kv {
        Kv {
            worker: self.clone(),
        }
    }
}

impl Context {
    /// The engine's key/value store, through the worker serving this invocation.
    pub fn kv(&self) -> Kv {
        self.worker().kv()
    }
}
