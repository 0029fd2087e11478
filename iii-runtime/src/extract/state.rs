//! [`State<T>`]: typed shared state handed to the worker at start-up, and the [`StateMap`]
//! that holds it (one value per type; no globals).

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

use super::FromInvocation;
use crate::error::{Error, Result};
use crate::invocation::Invocation;

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

/// Values shared with every handler, one per type.
#[derive(Clone, Default)]
pub struct StateMap {
    values: HashMap<TypeId, Arc<dyn Any + Send + Sync>>,
}

impl std::fmt::Debug for StateMap {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("StateMap")
            .field("len", &self.values.len())
            .finish_non_exhaustive()
    }
}

impl StateMap {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }

    /// Stores `value`, replacing an earlier value of the same type.
    pub fn insert<T: Send + Sync + 'static>(&mut self, value: T) {
        self.insert_arc(Arc::new(value));
    }

    /// Stores an already shared value.
    pub fn insert_arc<T: Send + Sync + 'static>(&mut self, value: Arc<T>) {
        self.values.insert(TypeId::of::<T>(), value);
    }

    /// The value of type `T`.
    pub fn get<T: Send + Sync + 'static>(&self) -> Option<Arc<T>> {
        let value = Arc::clone(self.values.get(&TypeId::of::<T>())?);
        value.downcast::<T>().ok()
    }

    /// Whether a value of the type with this id is present.
    pub(crate) fn contains(&self, id: TypeId) -> bool {
        self.values.contains_key(&id)
    }
}

/// The type a handler's `State<T>` parameter needs, as the macro records it.
#[derive(Debug, Clone, Copy)]
pub struct StateKey {
    /// `TypeId::of::<T>()`.
    pub id: TypeId,
    /// `type_name::<T>()`, for messages.
    pub name: &'static str,
}

impl StateKey {
    /// The key of `T`.
    pub fn of<T: 'static>() -> Self {
        Self {
            id: TypeId::of::<T>(),
            name: std::any::type_name::<T>(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_value_per_type() {
        let mut map = StateMap::new();
        map.insert(5_u32);
        map.insert(String::from("a"));
        map.insert(String::from("b"));
        assert_eq!(map.get::<u32>().as_deref(), Some(&5));
        assert_eq!(
            map.get::<String>().as_deref().map(String::as_str),
            Some("b")
        );
        assert!(map.get::<u64>().is_none());
        assert!(map.contains(StateKey::of::<u32>().id));
    }
}
