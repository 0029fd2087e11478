//! [`StateMap`]: the values given to the worker at start-up, one per type, that `State<T>`
//! parameters read; and [`StateKey`], the type a `State<T>` parameter needs, as the macro
//! records it for the check before connecting.

use std::any::{Any, TypeId};
use std::collections::HashMap;
use std::sync::Arc;

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
