//! [`State<T>`]: the extractor of typed shared state handed to the worker at start-up (held
//! in a [`StateMap`](crate::StateMap): one value per type, no globals).

use std::sync::Arc;

use super::extractor::FromInvocation;
use crate::error::{Error, Result};
use crate::worker::Invocation;

/// Shared state of type `T`, given to the worker with [`App::state`](crate::App::state).
///
/// Every invocation sees the same value; put interior mutability (`Mutex`, `RwLock`, atomics)
/// inside `T` for state that changes.
///
/// ```no_run
/// use std::collections::HashMap;
/// use std::sync::Mutex;
/// use iii::prelude::*;
///
/// #[derive(Default)]
/// struct Counters(Mutex<HashMap<String, u64>>);
///
/// #[iii::function("counter.bump")]
/// async fn bump(name: String, counters: State<Counters>) -> iii::Result<u64> {
///     let mut map = counters.0.lock().map_err(|_| Error::internal("poisoned"))?;
///     let n = map.entry(name).or_default();
///     *n += 1;
///     Ok(*n)
/// }
///
/// #[iii::main]
/// async fn main() -> App {
///     App::new().state(Counters::default())
/// }
/// ```
///
/// `State<T>` derefs to `T`, so `state.field` and `state.method()` reach `T` directly.
#[derive(Debug)]
pub struct State<T: ?Sized>(Arc<T>);

impl<T: ?Sized> State<T> {
    /// Wraps a shared value (for calling a handler directly, e.g. in a unit test).
    pub fn new(value: Arc<T>) -> Self {
        Self(value)
    }

    /// The shared value, e.g. to move a clone into a spawned task.
    pub fn arc(&self) -> &Arc<T> {
        &self.0
    }

    /// Unwraps the shared value.
    pub fn into_arc(self) -> Arc<T> {
        self.0
    }
}

impl<T: ?Sized> Clone for State<T> {
    fn clone(&self) -> Self {
        Self(Arc::clone(&self.0))
    }
}

impl<T: ?Sized> std::ops::Deref for State<T> {
    type Target = T;

    fn deref(&self) -> &T {
        &self.0
    }
}

impl<T: Send + Sync + 'static> FromInvocation for State<T> {
    fn from_invocation(invocation: &mut Invocation) -> Result<Self> {
        invocation.states().get::<T>().map(State).ok_or_else(|| {
            Error::internal(format!(
                "no state of type `{}` was given to the worker; add it with `App::state(value)`",
                std::any::type_name::<T>()
            ))
        })
    }
}
