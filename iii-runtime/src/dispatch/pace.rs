//! How long a function's invocations take to their first await, which decides whether they
//! start inline (see [`inline`](super::inline)).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// The longest first poll, on average, of a function whose invocations start inline (tokio's
/// own guidance for the time between two awaits).
pub(super) const BUDGET: Duration = Duration::from_micros(100);

/// A function's average first poll, in microseconds (an exponentially weighted mean, one
/// eighth per invocation, so that a thread preempted once does not move it for long).
#[derive(Debug, Default)]
pub(super) struct Pace(AtomicU32);

impl Pace {
    pub(super) fn inline(&self) -> bool {
        u128::from(self.0.load(Ordering::Relaxed)) < BUDGET.as_micros()
    }

    pub(super) fn record(&self, took: Duration) {
        let took = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        // Relaxed, and racy between threads: a lost update only blurs an average.
        let mean = self.0.load(Ordering::Relaxed);
        self.0.store(mean - mean / 8 + took / 8, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_first_poll_moves_the_mean_for_a_few_invocations_only() {
        let pace = Pace::default();
        assert!(pace.inline());
        pace.record(Duration::from_millis(4));
        assert!(!pace.inline(), "a 4 ms poll is over the budget");
        let mut quick = 0;
        while !pace.inline() {
            pace.record(Duration::from_micros(10));
            quick += 1;
        }
        assert!(
            (5..=30).contains(&quick),
            "{quick} quick polls to come back"
        );
        for _ in 0..20 {
            pace.record(Duration::from_millis(1));
        }
        assert!(
            !pace.inline(),
            "a function that computes for long stays spawned"
        );
    }
}
