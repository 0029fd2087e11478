//! Where an admitted invocation runs: its first poll right where it was admitted (the
//! connection's reader, or the service for a call that waited for a slot), and a task of its
//! own only if it then has to wait.
//!
//! Most handlers finish without waiting for anything. Spawning each one costs a task, a hop
//! through the scheduler and, on a multi-thread runtime, wake-ups of other threads, which on
//! a small machine cost more than the handler. A handler that computes for long before its
//! first await would hold the reader up, though, and keep the connection's other calls from
//! running on other threads meanwhile: each function keeps an average of how long its first
//! polls take ([`Pace`](super::pace::Pace)), and while that is over its budget its
//! invocations get a task at once, whose first poll keeps the average current.

use std::future::Future;
use std::panic::AssertUnwindSafe;
use std::pin::Pin;
use std::sync::Arc;
use std::task::{Context, Poll, Waker};
use std::time::Instant;

use super::table::Entry;

/// The work of an invocation, boxed so that it can move into a task after its first poll.
pub(super) type Task = Pin<Box<dyn Future<Output = ()> + Send>>;

/// Runs `task`, an invocation of `entry`'s function admitted at `began` (just now).
pub(super) fn start(entry: Arc<Entry>, task: Task, began: Instant) {
    if !entry.pace.inline() {
        tokio::spawn(FirstPollTimed {
            task,
            entry: Some(entry),
        });
        return;
    }
    let mut task = task;
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
