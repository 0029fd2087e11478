//! Calls a test makes to the app's functions through the engine: typed by marker, raw by id,
//! fire and forget, enqueued. The results and errors are the worker's own.

use iii_protocol::triggers::EnqueueReceipt;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::app::TestApp;
use crate::error::Result;
use crate::typed_call::TypedFunction;

impl TestApp {
    /// Calls function `F` through the engine and returns its typed result, or the [`Error`]
    /// it failed with (a handler's error arrives as [`Error::Remote`] with its code).
    ///
    /// [`Error`]: crate::Error
    /// [`Error::Remote`]: crate::Error::Remote
    ///
    /// # Errors
    /// As [`Worker::invoke`](crate::Worker::invoke).
    pub async fn call<F>(&self, input: F::Input) -> Result<F::Output>
    where
        F: TypedFunction,
        F::Input: Serialize,
        F::Output: DeserializeOwned,
    {
        self.worker().call::<F>(input).await
    }

    /// Calls `function_id` with raw JSON and returns its raw JSON result (`null` for none).
    ///
    /// # Errors
    /// As [`Worker::invoke`](crate::Worker::invoke).
    pub async fn invoke(&self, function_id: &str, input: Value) -> Result<Value> {
        self.worker().invoke(function_id, input).await
    }

    /// Calls `function_id` without waiting for its result (fire and forget); see
    /// [`TestApp::publish`] and the other waits for knowing when it ran.
    ///
    /// # Errors
    /// As [`Worker::invoke_async`](crate::Worker::invoke_async).
    pub async fn invoke_async(&self, function_id: &str, input: Value) -> Result<()> {
        self.worker().invoke_async(function_id, input).await
    }

    /// Puts a call to `function_id` on the engine's named `queue`.
    ///
    /// # Errors
    /// As [`Worker::enqueue`](crate::Worker::enqueue).
    pub async fn enqueue(
        &self,
        queue: &str,
        function_id: &str,
        input: Value,
    ) -> Result<EnqueueReceipt> {
        self.worker().enqueue(queue, function_id, input).await
    }
}
