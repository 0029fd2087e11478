//! The request timeout of one HTTP connection ([`Deadline`]): one timer, reused by each
//! request the connection serves.
//!
//! A fresh `tokio::time::timeout` per request registers its timer in the runtime's timer
//! wheel on first poll and deregisters it when the request ends, taking the wheel's lock
//! both times. Moving an armed timer to a later deadline takes no lock (the wheel notices
//! the new deadline only when the old one comes round), and each request's deadline is later
//! than the one before, so a reused timer costs one atomic update per request.

use std::pin::Pin;
use std::sync::{Mutex, PoisonError};
use std::time::Duration;

use tokio::time::{Instant, Sleep};

/// One connection's request timer.
#[derive(Default)]
pub(crate) struct Deadline {
    /// Empty while a request holds the timer. hyper serves the requests of an HTTP/1
    /// connection one at a time, so another request finds it empty only if one before it was
    /// dropped mid-way (the client left), and then makes a timer of its own.
    timer: Mutex<Option<Pin<Box<Sleep>>>>,
}

impl Deadline {
    /// Runs `work` for at most `limit`; `None` when the time ran out first.
    pub(crate) async fn run<F: Future>(&self, limit: Duration, work: F) -> Option<F::Output> {
        let at = Instant::now() + limit;
        let held = self
            .timer
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .take();
        let mut timer = match held {
            Some(mut timer) => {
                timer.as_mut().reset(at);
                timer
            }
            None => Box::pin(tokio::time::sleep_until(at)),
        };
        // Cancel-safe: both branches are polled in place; `biased` so that work done when the
        // time runs out still counts, as `timeout` polls its future first.
        let out = tokio::select! {
            biased;
            out = work => Some(out),
            () = timer.as_mut() => None,
        };
        *self.timer.lock().unwrap_or_else(PoisonError::into_inner) = Some(timer);
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn each_request_gets_the_whole_limit() {
        let deadline = Deadline::default();
        let limit = Duration::from_secs(30);
        assert_eq!(deadline.run(limit, async { 1 }).await, Some(1));
        // A later request, after more than one limit has passed, is still not cut short.
        tokio::time::advance(Duration::from_secs(45)).await;
        let slow = tokio::time::sleep(Duration::from_secs(29));
        assert_eq!(deadline.run(limit, slow).await, Some(()));
        let too_slow = tokio::time::sleep(Duration::from_secs(31));
        assert_eq!(deadline.run(limit, too_slow).await, None);
        assert_eq!(deadline.run(limit, async { 2 }).await, Some(2));
    }

    #[tokio::test(start_paused = true)]
    async fn a_request_dropped_mid_way_leaves_the_next_its_own_timer() {
        let deadline = Deadline::default();
        let limit = Duration::from_secs(1);
        let abandoned = deadline.run(limit, std::future::pending::<()>());
        assert!(
            tokio::time::timeout(Duration::from_millis(10), abandoned)
                .await
                .is_err()
        );
        assert_eq!(deadline.run(limit, async { 3 }).await, Some(3));
        let hung = deadline.run(limit, std::future::pending::<()>());
        assert_eq!(hung.await, None);
    }
}
