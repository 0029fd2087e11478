//! Where an admitted invocation runs: its first poll right where it was admitted (the
//! connection's reader, or the service for a call that waited for a slot), and a task of its
//! own only if it then has to wait.
//!
//! Most handlers finish without waiting for anything. Spawning each one costs a task, a hop
//! through the scheduler and, on a multi-thread runtime, wake-ups of other threads, which on
//! a small machine cost more than the handler. A handler that computes for long before its
//! first await would hold the reader up, though, and keep the connection's other calls from
//! running on other threads meanwhile: each function keeps an average of how long its first
//! polls take ([`Pace`]), and while that is over [`BUDGET`] its invocations get a task at once,
//! whose first poll keeps the average current.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::task::{Context, Poll, Waker};
use std::time::{Duration, Instant};

use super::table::Entry;

/// The longest first poll, on average, of a function whose invocations start inline (tokio's
/// own guidance for the time between two awaits).
const BUDGET: Duration = Duration::from_micros(100);

/// A function's average first poll, in microseconds (an exponentially weighted mean, one
/// eighth per invocation, so that a thread preempted once does not move it for long).
#[derive(Debug, Default)]
pub(super) struct Pace(AtomicU32);

impl Pace {
    fn inline(&self) -> bool {
        u128::from(self.0.load(Ordering::Relaxed)) < BUDGET.as_micros()
    }

    fn record(&self, took: Duration) {
        let took = u32::try_from(took.as_micros()).unwrap_or(u32::MAX);
        // Relaxed, and racy between threads: a lost update only blurs an average.
        let mean = self.0.load(Ordering::Relaxed);
        self.0.store(mean - mean / 8 + took / 8, Ordering::Relaxed);
    }
}

/// The work of an invocation, boxed so that it can move into a task after its first poll.
pub(super) type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs `task`, an invocation of `entry`'s function.
pub(super) fn start(entry: Arc<Entry>, task: Task) {
    if !entry.pace.inline() {
        tokio::spawn(FirstPollTimed {
            task,
            entry: Some(entry),
        });
        return;
    }
    let mut task = task;
    let began = Instant::now();
    // The waker is never woken: a task that is not done is spawned, and its first poll in
    // the task checks again whatever it waits for, with the task's own waker.
    let mut cx = Context::from_waker(Waker::noop());
    // A panic outside the handler (whose own panics are caught and answered) would otherwise
    // end the caller, the connection's reader: it ends this invocation alone, as it would
    // have ended its task.
    let polled = std::panic::catch_unwind(AssertUnwindSafe(|| task.as_mut().poll(&mut cx)));
    entry.pace.record(began.elapsed());
    if let Ok(Poll::Pending) = polled {
        tokio::spawn(task);
    }
}

/// A spawned invocation whose first poll is timed, so that a function that became quick
/// again goes back to starting inline.
struct FirstPollTimed {
    task: Task,
    entry: Option<Arc<Entry>>,
}

impl Future for FirstPollTimed {
    type Output = ();

    fn poll(mut self: Pin<&mut Self>, cx: &mut Context<'_>) -> Poll<()> {
        let Some(entry) = self.entry.take() else {
            return self.task.as_mut().poll(cx);
        };
        let began = Instant::now();
        let polled = self.task.as_mut().poll(cx);
        entry.pace.record(began.elapsed());
        polled
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
