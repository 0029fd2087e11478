//! [`Recorder`]: what the app's handlers did, so that a test waits until the functions a
//! trigger fires have run (or failed) instead of polling or sleeping. Each declared function
//! is registered wrapped by it.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use iii_protocol::ErrorBody;
use tokio::sync::Notify;

use super::error::KitError;
use crate::worker::{Function, Invocation};

/// How one invocation of a function ended.
pub(crate) type Outcome = Result<(), ErrorBody>;

/// The outcomes of every invocation the app served, by function id, in order.
#[derive(Debug, Clone, Default)]
pub(crate) struct Recorder {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    outcomes: Mutex<HashMap<String, Vec<Outcome>>>,
    changed: Notify,
}

impl Recorder {
    fn outcomes(&self) -> MutexGuard<'_, HashMap<String, Vec<Outcome>>> {
        // A panic while holding the lock left a consistent map behind.
        self.inner
            .outcomes
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `function` with each invocation's outcome recorded.
    pub(crate) fn wrap(&self, mut function: Function) -> Function {
        let recorder = self.clone();
        let handler = Arc::clone(&function.handler);
        function.handler = Arc::new(move |invocation: Invocation| {
            let function_id = invocation.context().function_id().to_owned();
            let run = handler(invocation);
            let recorder = recorder.clone();
            Box::pin(async move {
                let reply = run.await;
                let outcome = reply.as_ref().map(drop).map_err(crate::Error::to_body);
                recorder.record(function_id, outcome);
                reply
            })
        });
        function
    }

    fn record(&self, function_id: String, outcome: Outcome) {
        self.outcomes()
            .entry(function_id)
            .or_default()
            .push(outcome);
        self.inner.changed.notify_waiters();
    }

    /// How many invocations of `function_id` ended so far.
    pub(crate) fn count(&self, function_id: &str) -> usize {
        self.outcomes().get(function_id).map_or(0, Vec::len)
    }

    /// Waits until `function_id` has ended more than `seen` invocations, for at most `within`,
    /// and returns how the first of those new ones ended.
    pub(crate) async fn next_after(
        &self,
        function_id: &str,
        seen: usize,
        within: Duration,
    ) -> Result<Outcome, KitError> {
        let wait = async {
            loop {
                let changed = self.inner.changed.notified();
                tokio::pin!(changed);
                // Registered before the check, so that a record between the check and the wait
                // still wakes it.
                changed.as_mut().enable();
                if let Some(outcome) = self
                    .outcomes()
                    .get(function_id)
                    .and_then(|all| all.get(seen))
                {
                    return outcome.clone();
                }
                changed.await;
            }
        };
        tokio::time::timeout(within, wait)
            .await
            .map_err(|_| KitError::Timeout {
                what: format!("an invocation of {function_id}"),
                within,
            })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_wait_sees_an_outcome_recorded_after_it_started() {
        let recorder = Recorder::default();
        let waiting = {
            let recorder = recorder.clone();
            tokio::spawn(async move { recorder.next_after("f", 0, Duration::from_secs(5)).await })
        };
        tokio::task::yield_now().await;
        recorder.record("f".into(), Err(ErrorBody::new("boom", "it broke")));
        let outcome = waiting.await.expect("joins").expect("in time");
        assert_eq!(outcome.expect_err("failed").code, "boom");
        assert_eq!(recorder.count("f"), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn a_wait_for_nothing_times_out_naming_the_function() {
        let recorder = Recorder::default();
        recorder.record("f".into(), Ok(()));
        let err = recorder
            .next_after("f", 1, Duration::from_millis(50))
            .await
            .expect_err("nothing new");
        assert_eq!(
            err.to_string(),
            "an invocation of f did not happen within 50ms"
        );
    }
}
