//! [`Function`]: a handler ready to be registered — the type-erased function the runtime
//! calls for each invocation, what is announced with it, and the limits it runs under — and
//! the adapters that turn typed closures into one.

use std::future::Future;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;

use super::context::Context;
use super::invocation::Invocation;
use crate::error::{Error, Result};
use crate::reply::Reply;

/// The future a type-erased handler returns.
pub type HandlerFuture = Pin<Box<dyn Future<Output = Result<Reply>> + Send + 'static>>;

pub(crate) type ErasedHandler = Arc<dyn Fn(Invocation) -> HandlerFuture + Send + Sync>;

/// A function ready to be registered: its handler plus what is announced with it.
///
/// Build one from a typed closure with [`Function::new`], [`Function::with_context`] or
/// [`Function::blocking`], or pass the closure to
/// [`Worker::register_function`](crate::Worker::register_function) directly.
#[derive(Clone)]
pub struct Function {
    pub(crate) handler: ErasedHandler,
    pub(crate) description: Option<String>,
    pub(crate) request_format: Option<Value>,
    pub(crate) response_format: Option<Value>,
    pub(crate) metadata: Option<Value>,
    pub(crate) timeout: Option<Duration>,
    pub(crate) concurrency: Option<usize>,
    /// Set for a function the engine calls over HTTP (`crate::http_function`).
    pub(crate) invocation: Option<Value>,
}

impl std::fmt::Debug for Function {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Function")
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

impl Function {
    /// A function from a type-erased handler (what the macros generate).
    pub fn from_erased(
        handler: impl Fn(Invocation) -> HandlerFuture + Send + Sync + 'static,
    ) -> Self {
        Self {
            handler: Arc::new(handler),
            description: None,
            request_format: None,
            response_format: None,
            metadata: None,
            timeout: None,
            concurrency: None,
            invocation: None,
        }
    }

    /// An async function of its typed input.
    pub fn new<F, Fut, I, O>(f: F) -> Self
    where
        F: Fn(I) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O>> + Send + 'static,
        I: DeserializeOwned + Send + 'static,
        O: Serialize,
    {
        let f = Arc::new(f);
        Self::from_erased(move |mut inv: Invocation| {
            let f = Arc::clone(&f);
            Box::pin(async move {
                let input = inv.input::<I>()?;
                json_reply(&f(input).await?)
            })
        })
    }

    /// An async function of its typed input and the invocation [`Context`].
    pub fn with_context<F, Fut, I, O>(f: F) -> Self
    where
        F: Fn(I, Context) -> Fut + Send + Sync + 'static,
        Fut: Future<Output = Result<O>> + Send + 'static,
        I: DeserializeOwned + Send + 'static,
        O: Serialize,
    {
        let f = Arc::new(f);
        Self::from_erased(move |mut inv: Invocation| {
            let f = Arc::clone(&f);
            Box::pin(async move {
                let input = inv.input::<I>()?;
                let ctx = inv.take_context();
                json_reply(&f(input, ctx).await?)
            })
        })
    }

    /// A synchronous function, run on tokio's blocking pool so that it never stalls the
    /// runtime's worker threads.
    pub fn blocking<F, I, O>(f: F) -> Self
    where
        F: Fn(I) -> Result<O> + Send + Sync + 'static,
        I: DeserializeOwned + Send + 'static,
        O: Serialize + Send + 'static,
    {
        let f = Arc::new(f);
        Self::from_erased(move |mut inv: Invocation| {
            let f = Arc::clone(&f);
            Box::pin(async move {
                let input = inv.input::<I>()?;
                run_blocking(move || f(input).and_then(|o| json_reply(&o))).await
            })
        })
    }

    /// Sets the description shown by the engine's introspection.
    #[must_use]
    pub fn description(mut self, description: impl Into<String>) -> Self {
        self.description = Some(description.into());
        self
    }

    /// Sets the input schema announced with the function.
    #[must_use]
    pub fn request_format(mut self, schema: Value) -> Self {
        self.request_format = Some(schema);
        self
    }

    /// Sets the output schema announced with the function.
    #[must_use]
    pub fn response_format(mut self, schema: Value) -> Self {
        self.response_format = Some(schema);
        self
    }

    /// Bounds each invocation: one still running after `timeout` is abandoned and answered
    /// with [`Error::Timeout`].
    #[must_use]
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = Some(timeout);
        self
    }

    /// Lets at most `limit` invocations of this function run at once (at least one).
    ///
    /// Calls over the limit wait in the function's own queue, which holds up to
    /// [`max_in_flight`](crate::WorkerConfig::max_in_flight) calls and no slot of the
    /// worker's in-flight limit, so the other functions are served meanwhile; a call that
    /// finds the queue full is refused with `overloaded`. This is what
    /// `#[iii::function(concurrency = N)]` sets.
    #[must_use]
    pub fn concurrency(mut self, limit: usize) -> Self {
        self.concurrency = Some(limit.max(1));
        self
    }

    /// Sets free-form metadata announced with the function.
    #[must_use]
    pub fn metadata(mut self, metadata: Value) -> Self {
        self.metadata = Some(metadata);
        self
    }
}

/// Runs `f` on the blocking pool; a panic in it becomes [`Error::Panic`].
pub async fn run_blocking<T: Send + 'static>(
    f: impl FnOnce() -> Result<T> + Send + 'static,
) -> Result<T> {
    match tokio::task::spawn_blocking(f).await {
        Ok(result) => result,
        Err(e) if e.is_panic() => Err(Error::from_panic(e.into_panic().as_ref())),
        Err(_) => Err(Error::Shutdown),
    }
}

/// Encodes a typed output as a JSON reply.
pub fn json_reply<O: Serialize + ?Sized>(output: &O) -> Result<Reply> {
    Ok(Reply::Json(serde_json::value::to_raw_value(output)?))
}

/// Something [`Worker::register_function`](crate::Worker::register_function) accepts: a
/// [`Function`], an async closure `Fn(I) -> Future<Output = iii::Result<O>>`, or a
/// synchronous closure `Fn(I) -> iii::Result<O>` (run on the blocking pool).
///
/// `Args` only tells the implementations apart; it is inferred.
pub trait IntoFunction<Args> {
    /// Converts into a [`Function`].
    fn into_function(self) -> Function;
}

impl IntoFunction<()> for Function {
    fn into_function(self) -> Function {
        self
    }
}

/// Marks the [`IntoFunction`] implementation for synchronous closures.
#[derive(Debug)]
pub enum Blocking {}

impl<F, I, O> IntoFunction<(Blocking, I, O)> for F
where
    F: Fn(I) -> Result<O> + Send + Sync + 'static,
    I: DeserializeOwned + Send + 'static,
    O: Serialize + Send + 'static,
{
    fn into_function(self) -> Function {
        Function::blocking(self)
    }
}

impl<F, Fut, I, O> IntoFunction<(I, O)> for F
where
    F: Fn(I) -> Fut + Send + Sync + 'static,
    Fut: Future<Output = Result<O>> + Send + 'static,
    I: DeserializeOwned + Send + 'static,
    O: Serialize,
{
    fn into_function(self) -> Function {
        Function::new(self)
    }
}
