//! Running admitted invocations: each holding a slot of the worker's in-flight limit, on the
//! caller until it has to wait and then in a task of its own (`inline`); the handler is
//! called with panics caught, within the function's timeout, inside the invocation's trace
//! context and span (`observed`: also its log line and metrics), and what it produced is sent
//! as the answer. An invocation whose function has a concurrency limit hands its slot on to
//! the function's next waiting call when it ends.

use std::panic::AssertUnwindSafe;
use std::sync::Arc;
use std::time::Instant;

use futures_util::FutureExt;
use tokio::sync::{OwnedSemaphorePermit, watch};
use tracing::Instrument;
use uuid::Uuid;

use super::answer;
use super::inline;
use super::observed::{self, Observed};
use super::refuse::{reply, shutting_down};
use super::table::Entry;
use crate::error::Error;
use crate::incoming::Incoming;
use crate::link::Link;
use crate::trace::TRACE;
use crate::trigger::TriggerKind;
use crate::worker::{Invocation, Worker};

/// Runs `call` on `slot` in a task of its own; `abandon` turns true when the drain gives up
/// on the running invocations.
pub(super) fn spawn(
    slot: OwnedSemaphorePermit,
    entry: Arc<Entry>,
    call: Incoming,
    link: Link,
    worker: Worker,
    mut abandon: watch::Receiver<bool>,
) {
    // One reading of the clock for both the invocation's duration (from its admission, so
    // for one that gets a task of its own the wait for the task counts too) and its first
    // poll's.
    let began = Instant::now();
    let task_entry = Arc::clone(&entry);
    let task = Box::pin(async move {
        let entry = task_entry;
        // The permit is the invocation's slot under the limit, freed when the task ends.
        let _slot = slot;
        let Some(limit) = &entry.limit else {
            return guarded(&entry, call, worker, link, &mut abandon, Some(began)).await;
        };
        guarded(
            &entry,
            call,
            worker.clone(),
            link,
            &mut abandon,
            Some(began),
        )
        .await;
        // One `next` per invocation that ended keeps the limit's count; the slot goes on to
        // the call it returns.
        while let Some((call, link)) = limit.next() {
            // Once the drain gave up, nothing new starts: the waiting calls are answered.
            if *abandon.borrow() {
                answer_abandoned(&link, call.invocation_id, &entry.id);
                continue;
            }
            guarded(&entry, call, worker.clone(), link, &mut abandon, None).await;
        }
    });
    inline::start(entry, task, began);
}

/// Runs one invocation, or answers it with `shutdown` once the drain gives up on it;
/// `began`: when it was admitted, if that was just now.
async fn guarded(
    entry: &Entry,
    call: Incoming,
    worker: Worker,
    link: Link,
    abandon: &mut watch::Receiver<bool>,
    began: Option<Instant>,
) {
    let invocation_id = call.invocation_id;
    // Cancel safety: when the abandon signal wins, the invocation is dropped at its current
    // await and answered here instead; `wait_for` loses nothing when the invocation wins.
    // `biased`, the invocation first: one that is done at once never registers with the
    // abandon signal (a lock to enter, another to leave); the signal is still polled on every
    // wake-up of a waiting invocation, and wakes it.
    tokio::select! {
        biased;
        () = invoke(entry, call, worker, &link, began) => {}
        _ = abandon.wait_for(|abandoned| *abandoned) => {
            answer_abandoned(&link, invocation_id, &entry.id);
        }
    }
}

/// Answers an abandoned invocation (calls without an id expect no answer).
fn answer_abandoned(link: &Link, invocation_id: Option<Uuid>, function_id: &str) {
    if let Some(id) = invocation_id {
        reply(link, id, function_id, shutting_down());
    }
}

async fn invoke(
    entry: &Entry,
    call: Incoming,
    worker: Worker,
    link: &Link,
    began: Option<Instant>,
) {
    let function = &entry.function;
    let invocation_id = call.invocation_id;
    // The id the call was admitted under: the call's own, without a copy of it.
    let function_id = &*entry.id;
    let invocation = Invocation::new(call, worker, &link.secret);
    let trigger = invocation.context().trigger();
    let trace = observed::trace_context(&invocation);
    let started = began.unwrap_or_else(Instant::now);
    let observed = Observed::start(&invocation, &trace, &entry.metrics, started);
    let handler = &function.handler;
    let guarded = AssertUnwindSafe(async move { handler(invocation).await }).catch_unwind();
    let traced = TRACE
        .scope(trace, guarded)
        .instrument(observed.span().clone());
    let outcome = match function.timeout {
        Some(after) => tokio::time::timeout(after, traced)
            .await
            .unwrap_or_else(|_| {
                Ok(Err(Error::Timeout {
                    function_id: function_id.to_owned(),
                    after,
                }))
            }),
        None => traced.await,
    }
    .unwrap_or_else(|panic| Err(Error::from_panic(panic.as_ref())));
    observed.end(function_id, &outcome);
    let Some(invocation_id) = invocation_id else {
        return;
    };
    let frame = answer::frame(
        invocation_id,
        function_id,
        trigger == TriggerKind::Http,
        outcome,
    );
    link.answer(frame).await;
}
