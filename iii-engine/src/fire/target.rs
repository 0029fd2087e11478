//! One target's delivery queue and the task that works it off: a target is one trigger binding,
//! or one function subscribed to a topic.
//!
//! The task takes jobs from its bounded queue and keeps up to `limit` of them in flight at
//! once, all polled inside this one task (no task per fire). A durable job that fails waits out
//! its backoff without holding a slot, then is retried before newer jobs; after its last
//! attempt it is dead-lettered. Every durable job ends by settling its message with the queue
//! store (delivered, dead-lettered, or released when its function is not registered, which is
//! no failed attempt: the message waits for the function); those settlements are awaited
//! inside this task too. A task with nothing to do for [`IDLE`] closes its queue, works off
//! what is left and ends; the firing owner starts a new one on the next fire.

use std::collections::VecDeque;
use std::sync::Arc;
use std::time::Duration;

use futures_util::StreamExt;
use futures_util::future::BoxFuture;
use futures_util::stream::FuturesUnordered;
use iii_protocol::{ErrorBody, codes};
use serde_json::Value;
use serde_json::value::RawValue;
use tokio::sync::{mpsc, oneshot};

use crate::codec::Outcome;
use crate::router::Router;
use crate::stores::queues::{Queues, Settle};
use crate::tasks::Tasks;

/// How long a target with nothing to do keeps its task.
const IDLE: Duration = Duration::from_secs(30);

/// How a durable job is retried, and the message it settles.
pub(crate) struct Retry {
    /// The message's id in the queue store.
    pub(crate) id: u64,
    /// The topic (or queue) it came from, for the dead-letter list.
    pub(crate) topic: String,
    /// Attempts in all.
    pub(crate) attempts: u32,
    /// Delay before the first retry, doubled on every further one.
    pub(crate) backoff: Duration,
}

/// One fire to deliver.
pub(crate) struct Job {
    pub(crate) function_id: String,
    pub(crate) condition: Option<String>,
    pub(crate) metadata: Option<Value>,
    pub(crate) payload: Box<RawValue>,
    /// Durable jobs only.
    pub(crate) retry: Option<Retry>,
    /// Dropped when the job is done (cron jobs wait for it).
    pub(crate) _done: Option<oneshot::Sender<()>>,
}

/// How a dead-lettered message ended: `error` after `attempts` attempts.
pub(crate) fn dead(error: &ErrorBody, attempts: u32) -> Settle {
    Settle::Dead {
        error: serde_json::to_value(error).unwrap_or(Value::Null),
        attempts,
    }
}

/// What a target's task needs.
pub(crate) struct Target {
    /// What fires it (`state`, `queue`, `cron`, …), for logs.
    pub(crate) kind: &'static str,
    pub(crate) limit: usize,
    pub(crate) router: Arc<Router>,
    pub(crate) queues: Queues,
    pub(crate) tasks: Tasks,
}

async fn attempt(router: &Router, job: Job, n: u32) -> (Job, u32, Outcome) {
    let outcome = router
        .fire(
            &job.function_id,
            job.condition.as_deref(),
            &job.payload,
            job.metadata.clone(),
        )
        .await;
    (job, n, outcome)
}

async fn backoff(job: Job, n: u32, delay: Duration) -> (Job, u32) {
    tokio::time::sleep(delay).await;
    (job, n)
}

impl Target {
    /// Works off `rx` until it is closed and empty, or the engine stops.
    pub(crate) async fn run(self, mut rx: mpsc::Receiver<Job>) {
        let router = self.router.clone();
        let limit = self.limit.max(1);
        let mut running = FuturesUnordered::new();
        let mut waiting = FuturesUnordered::new();
        let mut settling: FuturesUnordered<BoxFuture<'static, ()>> = FuturesUnordered::new();
        // Retries whose backoff is over, served before newer jobs.
        let mut ready: VecDeque<(Job, u32)> = VecDeque::new();
        let mut closed = false;
        loop {
            while running.len() < limit
                && let Some((job, n)) = ready.pop_front()
            {
                running.push(attempt(&router, job, n));
            }
            // Jobs in backoff count against the queue's bound too, so a failing subscriber
            // holds at most `limit` in flight plus `limit` waiting, on top of its queue.
            let room = running.len() < limit && ready.is_empty() && waiting.len() < limit;
            let idle =
                running.is_empty() && waiting.is_empty() && ready.is_empty() && settling.is_empty();
            if closed && idle {
                return;
            }
            // Cancel-safe: `recv` and `next` lose nothing when another branch wins, and the
            // idle sleep is started afresh each turn.
            tokio::select! {
                job = rx.recv(), if room && !closed => match job {
                    Some(job) => running.push(attempt(&router, job, 1)),
                    None => closed = true,
                },
                Some((job, n, outcome)) = running.next(), if !running.is_empty() => {
                    let settle = match outcome {
                        Ok(_) => Some(Settle::Delivered),
                        Err(error) => match self.failed(&job, n, &error) {
                            Ok(delay) => {
                                waiting.push(backoff(job, n + 1, delay));
                                continue;
                            }
                            Err(settle) => settle,
                        },
                    };
                    if let (Some(how), Some(retry)) = (settle, &job.retry) {
                        let (queues, id) = (self.queues.clone(), retry.id);
                        settling.push(Box::pin(async move {
                            // An engine that is stopping keeps the message for its next start.
                            let _ = queues.settle(id, how).await;
                        }));
                    }
                }
                Some(retry) = waiting.next(), if !waiting.is_empty() => ready.push_back(retry),
                Some(()) = settling.next(), if !settling.is_empty() => {}
                () = tokio::time::sleep(IDLE), if idle && !closed => rx.close(),
                () = self.tasks.stopping() => return,
            }
        }
    }

    /// Handles a failed attempt `n`: the backoff before the next one, or how the job is over
    /// (`None` when it is not durable).
    fn failed(&self, job: &Job, n: u32, error: &ErrorBody) -> Result<Duration, Option<Settle>> {
        let kind = self.kind;
        let function_id = &job.function_id;
        let Some(retry) = &job.retry else {
            if kind == "cron" {
                let error = error.to_string();
                tracing::warn!("cron -> {function_id:?} failed: {}", error.escape_debug());
            } else {
                tracing::debug!("{kind} trigger -> {function_id:?} failed: {error:?}");
            }
            return Err(None);
        };
        if error.code == codes::FUNCTION_NOT_FOUND {
            tracing::debug!(
                "queue {:?} -> {function_id:?}: not registered; the message waits for it",
                retry.topic
            );
            return Err(Some(Settle::Release));
        }
        let error_text = error.to_string();
        if n >= retry.attempts {
            tracing::warn!(
                "queue {:?} -> {function_id:?} failed {n} time(s), dead-lettered: {}",
                retry.topic,
                error_text.escape_debug()
            );
            return Err(Some(dead(error, n)));
        }
        let delay = retry.backoff.saturating_mul(1 << (n - 1).min(16));
        tracing::debug!(
            "queue {:?} -> {function_id:?} attempt {n} failed ({}); retrying in {delay:?}",
            retry.topic,
            error_text.escape_debug()
        );
        Ok(delay)
    }
}
