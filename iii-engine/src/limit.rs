//! A cap on things in flight: a counter taken without waiting (whatever is over the cap is
//! refused at once) and without a lock. The HTTP port counts its requests with it
//! (`concurrency_request_limit`), the worker port its WebSocket connections
//! (`max_connections`).

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

/// What is in flight, and how much may be.
pub(crate) struct Limit {
    in_flight: Arc<AtomicUsize>,
    max: usize,
}

/// One place under the limit; dropping it frees the place.
pub(crate) struct InFlight {
    in_flight: Arc<AtomicUsize>,
}

impl Limit {
    /// A limit of `max` places (at least one).
    pub(crate) fn new(max: usize) -> Self {
        Self {
            in_flight: Arc::new(AtomicUsize::new(0)),
            max: max.max(1),
        }
    }

    /// A place for one more, if there is one.
    pub(crate) fn enter(&self) -> Option<InFlight> {
        // Relaxed is enough: the counter orders nothing but itself.
        let before = self.in_flight.fetch_add(1, Ordering::Relaxed);
        let slot = InFlight {
            in_flight: self.in_flight.clone(),
        };
        (before < self.max).then_some(slot)
    }
}

impl Drop for InFlight {
    fn drop(&mut self) {
        self.in_flight.fetch_sub(1, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn places_are_counted_and_given_back() {
        let limit = Limit::new(2);
        let a = limit.enter();
        let b = limit.enter();
        assert!(a.is_some() && b.is_some());
        assert!(limit.enter().is_none(), "a third is over the limit");
        drop(a);
        assert!(limit.enter().is_some(), "a freed place is taken again");
    }
}
