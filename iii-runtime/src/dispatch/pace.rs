//! How long a function's invocations take to their first await, which decides whether they
//! start inline (see [`inline`](super::inline)).

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

/// A function's average first poll, in microseconds (an exponentially weighted mean, one
/// eighth per invocation, so that a thread preempted once does not move it for long), and the
/// longest one whose invocations start inline ([`WorkerConfig::inline_budget`]).
///
/// [`WorkerConfig::inline_budget`]: crate::WorkerConfig::inline_budget
#[derive(Debug)]
pub(super) struct Pace {
    mean: AtomicU32,
    budget: u32,
}

impl Pace {
    pub(super) fn new(budget: Duration) -> Self {
        Self {
            mean: AtomicU32::new(0),
            budget: u32::try_from(budget.as_micros()).unwrap_or(u32::MAX),
        }
    }

    pub(super) fn inline(&self) -> bool {
        self.mean.load(Ordering::Relaxed) < self.budget
    }

    pub(super) fn record(&self, took: Duration) {
        let took = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        // Relaxed, and racy between threads: a lost update only blurs an average.
        let mean = self.mean.load(Ordering::Relaxed);
        self.mean
            .store(mean - mean / 8 + took / 8, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slow_first_poll_moves_the_mean_for_a_few_invocations_only() {
        let pace = Pace::new(Duration::from_micros(100));
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

    #[test]
    fn a_zero_budget_starts_nothing_inline_and_a_large_one_everything() {
        let never = Pace::new(Duration::ZERO);
        assert!(!never.inline(), "nothing is quicker than no time");
        let always = Pace::new(Duration::from_secs(1));
        always.record(Duration::from_millis(900));
        assert!(always.inline(), "900 ms is within a second");
    }
}
