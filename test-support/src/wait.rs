//! Waiting for a condition with a deadline. A test waits for what it expects to see, checked
//! again every [`POLL`], never for a fixed time.

use std::fmt;
use std::future::Future;
use std::time::Duration;

use tokio::time::Instant;

/// How long [`until`] and [`until_ok`] wait between two checks.
pub const POLL: Duration = Duration::from_millis(20);

/// A condition that did not hold in time, with what its last check saw.
#[derive(Debug)]
pub struct TimedOut<E> {
    /// How long it was given.
    pub within: Duration,
    /// What the last check answered.
    pub last: E,
}

impl<E: fmt::Debug> fmt::Display for TimedOut<E> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "not done within {:?}; last: {:?}",
            self.within, self.last
        )
    }
}

impl<E: fmt::Debug> std::error::Error for TimedOut<E> {}

/// Runs `attempt` until it returns `Ok`, for at most `within`, and returns that value.
///
/// The first attempt runs at once; the last one runs at or after the deadline, so a slow
/// machine still gets one check at the end.
///
/// # Errors
/// [`TimedOut`] with the last attempt's error when none succeeded in time.
pub async fn until_ok<T, E, F, Fut>(within: Duration, attempt: F) -> Result<T, TimedOut<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    until_ok_every(within, POLL, attempt).await
}

/// [`until_ok`], checking again every `every` instead of every [`POLL`]: for a test that
/// measures how soon the condition holds, where the poll would round the measurement up.
///
/// # Errors
/// [`TimedOut`] with the last attempt's error when none succeeded in time.
pub async fn until_ok_every<T, E, F, Fut>(
    within: Duration,
    every: Duration,
    mut attempt: F,
) -> Result<T, TimedOut<E>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<T, E>>,
{
    let deadline = Instant::now() + within;
    loop {
        match attempt().await {
            Ok(done) => return Ok(done),
            Err(last) if Instant::now() >= deadline => return Err(TimedOut { within, last }),
            Err(_) => tokio::time::sleep(every).await,
        }
    }
}

/// Checks `condition` until it holds, for at most `within`.
///
/// # Errors
/// [`TimedOut`] when it still does not hold at the deadline.
pub async fn until<F, Fut>(within: Duration, mut condition: F) -> Result<(), TimedOut<()>>
where
    F: FnMut() -> Fut,
    Fut: Future<Output = bool>,
{
    until_ok(within, || {
        let check = condition();
        async move { if check.await { Ok(()) } else { Err(()) } }
    })
    .await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn returns_the_first_success() {
        let mut calls = 0;
        let got = until_ok(Duration::from_secs(1), || {
            calls += 1;
            let n = calls;
            async move { if n == 3 { Ok(n) } else { Err(n) } }
        })
        .await;
        assert_eq!(got.ok(), Some(3));
    }

    #[tokio::test(start_paused = true)]
    async fn reports_the_last_failure_after_the_deadline() {
        let started = Instant::now();
        let err = until_ok(Duration::from_millis(100), || async {
            Err::<(), _>("not yet")
        })
        .await
        .expect_err("never succeeds");
        assert_eq!(err.last, "not yet");
        assert!(started.elapsed() >= Duration::from_millis(100));
        assert_eq!(err.to_string(), "not done within 100ms; last: \"not yet\"");
    }

    #[tokio::test(start_paused = true)]
    async fn checks_again_at_the_pace_given() {
        let mut calls = 0;
        let err = until_ok_every(Duration::from_millis(10), Duration::from_millis(2), || {
            calls += 1;
            let n = calls;
            async move { Err::<(), _>(n) }
        })
        .await
        .expect_err("never succeeds");
        // At 0, 2, 4, 6, 8 and 10 ms: the last one at the deadline.
        assert_eq!(err.last, 6);
    }

    #[tokio::test(start_paused = true)]
    async fn a_condition_that_holds_at_once_does_not_sleep() {
        let started = Instant::now();
        until(Duration::from_secs(5), || async { true })
            .await
            .expect("holds");
        assert_eq!(started.elapsed(), Duration::ZERO);
    }
}
