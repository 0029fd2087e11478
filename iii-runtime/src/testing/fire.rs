//! Firing the app's triggers on demand and waiting until the functions they fire have run:
//! a publish to a topic or durable queue, engine state and stream items set or deleted, a
//! message on a named queue; and the dead-letter list. (A cron tick now: `cron.rs`.)
//!
//! The wait watches the app's own handlers (the [`Recorder`](super::recorder) wraps each
//! declared function), so it needs no polling: it knows which functions a change fires from
//! the engine's list of bindings, notes how many runs each had, makes the change, and waits
//! for one more run of each.

use std::time::Duration;

use iii_protocol::triggers::types;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::{Value, json};

use super::app::TestApp;
use super::error::KitError;
use crate::clients::{Topic, Written};
use crate::typed_call::TypedFunction;

/// How long a fired trigger's functions may take, at most.
pub(super) const HANDLED_WITHIN: Duration = Duration::from_secs(10);

impl TestApp {
    /// Publishes `message` on the pub/sub `topic` and waits until every function of the app
    /// subscribed to it has handled it; returns their ids.
    ///
    /// # Errors
    /// [`KitError::NoHandler`] when no function of the app subscribes to the topic,
    /// [`KitError::Handler`] with the first subscriber's error, [`KitError::Call`] when the
    /// publish itself failed.
    pub async fn publish<T: Serialize>(
        &self,
        topic: &Topic<T>,
        message: &T,
    ) -> Result<Vec<String>, KitError> {
        let on = |t: &str, c: &Value| t == types::SUBSCRIBE && c["topic"] == topic.name();
        let handled = self
            .handled_by(on, || self.worker().publish(topic, message))
            .await?;
        some(handled, || format!("a publish on {}", topic.name()))
    }

    /// Publishes `message` on the durable queue `topic` and waits until every function of the
    /// app consuming it has handled it once (a failure is its first attempt's error; the
    /// engine retries it and dead-letters it in the end, see [`dead_letters`](Self::dead_letters)).
    ///
    /// # Errors
    /// As [`publish`](TestApp::publish).
    pub async fn publish_durable<T: Serialize>(
        &self,
        topic: &Topic<T>,
        message: &T,
    ) -> Result<Vec<String>, KitError> {
        let on = |t: &str, c: &Value| t == types::DURABLE_SUBSCRIBER && c["topic"] == topic.name();
        let handled = self
            .handled_by(on, || self.worker().publish_durable(topic, message))
            .await?;
        some(handled, || format!("a durable publish on {}", topic.name()))
    }

    /// Sets engine state `scope`/`key` to `value` (the [`Kv`](crate::Kv) client) and waits for
    /// the app's `kv` triggers it fires; returns their ids (none is fine: seeding).
    ///
    /// # Errors
    /// [`KitError::Call`] when the write failed, [`KitError::Handler`] when a triggered
    /// function failed.
    pub async fn kv_set<T: Serialize + DeserializeOwned>(
        &self,
        scope: &str,
        key: &str,
        value: &T,
    ) -> Result<Vec<String>, KitError> {
        let on = |t: &str, c: &Value| t == types::STATE && kv_matches(c, scope, key);
        self.handled_by(on, || async {
            self.worker()
                .kv()
                .set::<T>(scope, key, value)
                .await
                .map(drop)
        })
        .await
    }

    /// Deletes engine state `scope`/`key` and waits for the `kv` triggers it fires.
    ///
    /// # Errors
    /// As [`kv_set`](TestApp::kv_set).
    pub async fn kv_delete(&self, scope: &str, key: &str) -> Result<Vec<String>, KitError> {
        let on = |t: &str, c: &Value| t == types::STATE && kv_matches(c, scope, key);
        self.handled_by(on, || async {
            self.worker()
                .kv()
                .delete::<Value>(scope, key)
                .await
                .map(drop)
        })
        .await
    }

    /// Sets item `group`/`item` of stream `stream` (the [`Stream`](crate::Stream) client)
    /// and waits for the app's `stream` triggers it fires; returns their ids.
    ///
    /// # Errors
    /// As [`kv_set`](TestApp::kv_set).
    pub async fn stream_set<T: Serialize + DeserializeOwned>(
        &self,
        stream: &str,
        group: &str,
        item: &str,
        data: &T,
    ) -> Result<Vec<String>, KitError> {
        let on = |t: &str, c: &Value| t == types::STREAM && stream_matches(c, stream, group, item);
        self.handled_by(on, || async {
            let written: crate::Result<Written<T>> = self
                .worker()
                .stream::<T>(stream)
                .set(group, item, data)
                .await;
            written.map(drop)
        })
        .await
    }

    /// Deletes item `group`/`item` of stream `stream` and waits for the `stream` triggers it
    /// fires.
    ///
    /// # Errors
    /// As [`kv_set`](TestApp::kv_set).
    pub async fn stream_delete(
        &self,
        stream: &str,
        group: &str,
        item: &str,
    ) -> Result<Vec<String>, KitError> {
        let on = |t: &str, c: &Value| t == types::STREAM && stream_matches(c, stream, group, item);
        self.handled_by(on, || async {
            let deleted: crate::Result<Option<Value>> = self
                .worker()
                .stream::<Value>(stream)
                .delete(group, item)
                .await;
            deleted.map(drop)
        })
        .await
    }

    /// Puts a call to function `F` on the engine's named `queue` and waits until it has run.
    ///
    /// # Errors
    /// [`KitError::Call`] when the engine did not take it, [`KitError::Handler`] when the
    /// function failed (its first attempt).
    pub async fn enqueue_handled<F>(&self, queue: &str, input: F::Input) -> Result<(), KitError>
    where
        F: TypedFunction,
        F::Input: Serialize,
    {
        let seen = self.recorder().count(F::ID);
        self.worker().enqueue_fn::<F>(queue, input).await?;
        self.recorder()
            .next_after(F::ID, seen, HANDLED_WITHIN)
            .await?
            .map_err(|error| KitError::Handler {
                function_id: F::ID.to_owned(),
                error,
            })
    }

    /// The dead-lettered durable messages (of `topic`, or all), as the engine lists them
    /// (`engine::queue::dlq_messages`). Only the in-process test engine has this list.
    ///
    /// # Errors
    /// [`KitError::OnlyTestEngine`] against `III_TEST_URL`; [`KitError::Call`].
    pub async fn dead_letters(&self, topic: Option<&str>) -> Result<Vec<Value>, KitError> {
        self.own_engine("reading the dead-letter list")?;
        let listed: Value = self
            .worker()
            .invoke("engine::queue::dlq_messages", json!({ "topic": topic }))
            .await?;
        Ok(listed["messages"].as_array().cloned().unwrap_or_default())
    }

    /// Runs `change`, then waits for one more run of each of the app's functions bound by a
    /// trigger that `on(type, config)` accepts.
    async fn handled_by<F, Fut>(
        &self,
        on: impl Fn(&str, &Value) -> bool,
        change: F,
    ) -> Result<Vec<String>, KitError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = crate::Result<()>>,
    {
        let mut targets: Vec<String> = self
            .worker()
            .introspect()
            .triggers()
            .await?
            .into_iter()
            .filter(|t| self.functions().contains(&t.function_id.as_str()))
            .filter(|t| on(&t.trigger_type, &t.config))
            .map(|t| t.function_id)
            .collect();
        targets.sort();
        targets.dedup();
        let seen: Vec<usize> = targets.iter().map(|f| self.recorder().count(f)).collect();
        change().await?;
        for (function_id, seen) in targets.iter().zip(seen) {
            self.recorder()
                .next_after(function_id, seen, HANDLED_WITHIN)
                .await?
                .map_err(|error| KitError::Handler {
                    function_id: function_id.clone(),
                    error,
                })?;
        }
        Ok(targets)
    }
}

fn some(handled: Vec<String>, what: impl FnOnce() -> String) -> Result<Vec<String>, KitError> {
    if handled.is_empty() {
        return Err(KitError::NoHandler(what()));
    }
    Ok(handled)
}

/// Whether a `state` binding's optional filters accept `scope`/`key`.
fn kv_matches(config: &Value, scope: &str, key: &str) -> bool {
    accepts(config, "scope", scope) && accepts(config, "key", key)
}

/// Whether a `stream` binding's name and optional filters accept the item.
fn stream_matches(config: &Value, stream: &str, group: &str, item: &str) -> bool {
    config["stream_name"] == stream
        && accepts(config, "group_id", group)
        && accepts(config, "item_id", item)
}

fn accepts(config: &Value, filter: &str, value: &str) -> bool {
    config
        .get(filter)
        .and_then(Value::as_str)
        .is_none_or(|f| f == value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_that_are_absent_accept_anything() {
        assert!(kv_matches(&json!({}), "s", "k"));
        assert!(kv_matches(&json!({"scope": "s"}), "s", "k"));
        assert!(!kv_matches(
            &json!({"scope": "s", "key": "other"}),
            "s",
            "k"
        ));
        assert!(stream_matches(&json!({"stream_name": "x"}), "x", "g", "i"));
        assert!(!stream_matches(&json!({"stream_name": "y"}), "x", "g", "i"));
        assert!(!stream_matches(
            &json!({"stream_name": "x", "group_id": "h"}),
            "x",
            "g",
            "i"
        ));
    }
}
