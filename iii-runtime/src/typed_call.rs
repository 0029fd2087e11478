//! Typed calls: every `#[iii::function]` gets a marker type implementing [`TypedFunction`],
//! so that other code calls it with its input and output types checked by the compiler:
//! `ctx.call::<add>(AddInput { a: 1, b: 2 }).await?` is an `AddOutput`.

use iii_protocol::triggers::EnqueueReceipt;
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::Result;
use crate::worker::{CallOptions, Context, Worker};

/// A function known at compile time: its id, input and output types.
///
/// `#[iii::function("math.add")] async fn add(input: AddInput) -> iii::Result<AddOutput>`
/// generates a type named `add` (next to the function: types and functions live in different
/// namespaces) with `ID = "math.add"`, `Input = AddInput`, `Output = AddOutput`. A function
/// without an input parameter has `Input = ()`; one returning `http::Response<T>` has
/// `Output = T`, the body a direct caller receives; one returning `&'static str` has
/// `Output = String`.
///
/// The marker is as visible as the function. `#[iii::function("…", marker = "AddFn")]` names
/// it otherwise (when a module or type already has the function's name), and `marker = false`
/// leaves it out (when the function is more visible than its input or output type, which the
/// marker's impl of this trait cannot be: error E0446).
///
/// Implement it by hand to call functions of workers written in other languages with types.
pub trait TypedFunction {
    /// The function id.
    const ID: &'static str;
    /// What the function takes.
    type Input;
    /// What the function returns.
    type Output;
}

impl Context {
    /// Calls function `F` and waits for its typed result.
    ///
    /// # Errors
    /// As [`Worker::invoke`].
    pub async fn call<F>(&self, input: F::Input) -> Result<F::Output>
    where
        F: TypedFunction,
        F::Input: Serialize,
        F::Output: DeserializeOwned,
    {
        self.worker().call::<F>(input).await
    }

    /// [`call`](Context::call) with a timeout or metadata.
    ///
    /// # Errors
    /// As [`Worker::invoke`].
    pub async fn call_with<F>(&self, input: F::Input, options: CallOptions) -> Result<F::Output>
    where
        F: TypedFunction,
        F::Input: Serialize,
        F::Output: DeserializeOwned,
    {
        self.worker().call_with::<F>(input, options).await
    }

    /// Calls function `F` without waiting for a result (fire and forget).
    ///
    /// # Errors
    /// As [`Worker::invoke_async`].
    pub async fn call_void<F>(&self, input: F::Input) -> Result<()>
    where
        F: TypedFunction,
        F::Input: Serialize,
    {
        self.worker().call_void::<F>(input).await
    }

    /// Puts a call to function `F` on the engine's named `queue`.
    ///
    /// # Errors
    /// As [`Worker::enqueue`].
    pub async fn enqueue_fn<F>(&self, queue: &str, input: F::Input) -> Result<EnqueueReceipt>
    where
        F: TypedFunction,
        F::Input: Serialize,
    {
        self.worker().enqueue_fn::<F>(queue, input).await
    }
}

impl Worker {
    /// Calls function `F` and waits for its typed result (the typed form of
    /// [`invoke`](Worker::invoke)).
    ///
    /// # Errors
    /// As [`invoke`](Worker::invoke).
    pub async fn call<F>(&self, input: F::Input) -> Result<F::Output>
    where
        F: TypedFunction,
        F::Input: Serialize,
        F::Output: DeserializeOwned,
    {
        self.invoke(F::ID, input).await
    }

    /// [`call`](Worker::call) with a timeout or metadata.
    ///
    /// # Errors
    /// As [`invoke`](Worker::invoke).
    pub async fn call_with<F>(&self, input: F::Input, options: CallOptions) -> Result<F::Output>
    where
        F: TypedFunction,
        F::Input: Serialize,
        F::Output: DeserializeOwned,
    {
        self.invoke_with(F::ID, input, options).await
    }

    /// Calls function `F` without waiting for a result (the typed form of
    /// [`invoke_async`](Worker::invoke_async)).
    ///
    /// # Errors
    /// As [`invoke_async`](Worker::invoke_async).
    pub async fn call_void<F>(&self, input: F::Input) -> Result<()>
    where
        F: TypedFunction,
        F::Input: Serialize,
    {
        self.invoke_async(F::ID, input).await
    }

    /// Puts a call to function `F` on the engine's named `queue` (the typed form of
    /// [`enqueue`](Worker::enqueue)).
    ///
    /// # Errors
    /// As [`enqueue`](Worker::enqueue).
    pub async fn enqueue_fn<F>(&self, queue: &str, input: F::Input) -> Result<EnqueueReceipt>
    where
        F: TypedFunction,
        F::Input: Serialize,
    {
        self.enqueue(queue, F::ID, input).await
    }
}
