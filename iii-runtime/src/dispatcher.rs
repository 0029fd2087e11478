//! The dispatcher: starts invocations straight from the connection's reader, without a hop
//! through the service task, whenever that is safe — the function is known, a slot under the
//! in-flight limit is free, nothing waits in the backlog and the worker is not draining.
//! Everything else is handed to the service, which answers, queues or refuses it.
//!
//! It holds the function table the reader looks handlers up in (written by the service), the
//! in-flight limit as a semaphore (one permit per running invocation), and the signal that
//! abandons running invocations when the shutdown grace runs out.

use std::collections::HashMap;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, RwLock, Weak};
use std::time::Duration;

use iii_protocol::http::{HttpErrorBody, HttpResponse};
use iii_protocol::{ErrorBody, InvocationResult, InvokeFunction, Message, codes};
use tokio::sync::{OwnedSemaphorePermit, Semaphore, watch};
use uuid::Uuid;

use crate::dispatch;
use crate::handler::{ErasedHandler, Function};
use crate::transport::{Link, Outgoing};
use crate::worker::{Inner, Worker};

#[derive(Clone)]
struct Entry {
    handler: ErasedHandler,
    timeout: Option<Duration>,
}

pub(crate) struct Dispatcher {
    functions: RwLock<HashMap<String, Entry>>,
    permits: Arc<Semaphore>,
    limit: usize,
    accepting: AtomicBool,
    /// How many invocations wait in the service's backlog; while any do, new ones queue
    /// behind them instead of overtaking.
    backlogged: AtomicUsize,
    abandon: watch::Sender<bool>,
    worker: Weak<Inner>,
}

impl Dispatcher {
    pub(crate) fn new(limit: usize, worker: Weak<Inner>) -> Arc<Self> {
        let limit = limit.clamp(1, Semaphore::MAX_PERMITS);
        Arc::new(Self {
            functions: RwLock::new(HashMap::new()),
            permits: Arc::new(Semaphore::new(limit)),
            limit,
            accepting: AtomicBool::new(true),
            backlogged: AtomicUsize::new(0),
            abandon: watch::Sender::new(false),
            worker,
        })
    }

    pub(crate) fn set(&self, id: &str, function: &Function) {
        let entry = Entry {
            handler: Arc::clone(&function.handler),
            timeout: function.timeout,
        };
        self.table_mut().insert(id.to_owned(), entry);
    }

    pub(crate) fn remove(&self, id: &str) {
        self.table_mut().remove(id);
    }

    fn table_mut(&self) -> std::sync::RwLockWriteGuard<'_, HashMap<String, Entry>> {
        // The lock guards a plain map that no code panics while holding: a poisoned lock
        // still holds a consistent map.
        self.functions.write().unwrap_or_else(|p| p.into_inner())
    }

    fn entry(&self, function_id: &str) -> Option<Entry> {
        self.functions
            .read()
            .unwrap_or_else(|p| p.into_inner())
            .get(function_id)
            .cloned()
    }

    /// Starts `call` at once if it may; gives it back when the service has to decide.
    pub(crate) fn try_start(&self, call: InvokeFunction, link: &Link) -> Option<InvokeFunction> {
        if !self.accepting.load(Ordering::Acquire) || self.backlogged.load(Ordering::Acquire) > 0 {
            return Some(call);
        }
        let Some(entry) = self.entry(&call.function_id) else {
            return Some(call);
        };
        let Ok(permit) = Arc::clone(&self.permits).try_acquire_owned() else {
            return Some(call);
        };
        self.spawn(permit, entry, call, link.clone());
        None
    }

    /// Starts `call` with a permit the service obtained; answers it when the function is
    /// gone (unregistered while it waited).
    pub(crate) fn start(&self, permit: OwnedSemaphorePermit, call: InvokeFunction, link: Link) {
        match self.entry(&call.function_id) {
            Some(entry) => self.spawn(permit, entry, call, link),
            None => reply_to(&link, &call, not_found(&call.function_id)),
        }
    }

    fn spawn(&self, permit: OwnedSemaphorePermit, entry: Entry, call: InvokeFunction, link: Link) {
        let Some(inner) = self.worker.upgrade() else {
            reply_to(&link, &call, shutting_down());
            return;
        };
        let mut abandon = self.abandon.subscribe();
        let (invocation_id, function_id) = (call.invocation_id, call.function_id.clone());
        tokio::spawn(async move {
            // The permit is the invocation's slot under the limit, freed when it ends.
            let _slot = permit;
            let run = dispatch::run(
                entry.handler,
                entry.timeout,
                call,
                Worker::from_inner(inner),
                link.clone(),
            );
            tokio::select! {
                () = run => {}
                _ = abandon.wait_for(|abandoned| *abandoned) => {
                    if let Some(id) = invocation_id {
                        reply(&link, id, &function_id, shutting_down());
                    }
                }
            }
        });
    }

    /// The semaphore whose permits are the free slots.
    pub(crate) fn permits(&self) -> Arc<Semaphore> {
        Arc::clone(&self.permits)
    }

    pub(crate) fn running(&self) -> usize {
        self.limit - self.permits.available_permits()
    }

    pub(crate) fn limit(&self) -> usize {
        self.limit
    }

    pub(crate) fn set_backlogged(&self, count: usize) {
        self.backlogged.store(count, Ordering::Release);
    }

    /// From now on every invocation goes to the service (which refuses it).
    pub(crate) fn stop_accepting(&self) {
        self.accepting.store(false, Ordering::Release);
    }

    /// Answers every running invocation with `shutdown` and stops it at its next await.
    pub(crate) fn abandon_running(&self) {
        self.abandon.send_replace(true);
    }

    /// Resolves once no invocation runs. Cancel safe: a dropped acquisition returns its
    /// permits.
    pub(crate) async fn all_done(&self) {
        let all = u32::try_from(self.limit).unwrap_or(u32::MAX);
        drop(self.permits.acquire_many(all).await);
    }
}

pub(crate) fn shutting_down() -> ErrorBody {
    ErrorBody::new("shutdown", "the worker is shutting down")
}

pub(crate) fn not_found(function_id: &str) -> ErrorBody {
    ErrorBody::new(
        codes::FUNCTION_NOT_FOUND,
        format!("Function {function_id} not found"),
    )
}

/// Answers an invocation without running a handler. Calls without an id expect no answer.
///
/// An HTTP-fired invocation gets an HTTP envelope (`503` while shutting down or overloaded,
/// `404` for an unknown function) rather than a protocol error, which the engine would turn
/// into a `500`.
pub(crate) fn reply_to(link: &Link, call: &InvokeFunction, error: ErrorBody) {
    let Some(id) = call.invocation_id else {
        return;
    };
    if crate::invocation::http_envelope(&call.data).is_some() {
        let status = if error.code == codes::FUNCTION_NOT_FOUND {
            404
        } else {
            503
        };
        let envelope = HttpResponse {
            status_code: status,
            headers: Default::default(),
            body: HttpErrorBody::new(&error.code, &error.message),
        };
        if let Ok(result) = iii_protocol::raw::to_raw(&envelope) {
            let frame =
                Message::InvocationResult(InvocationResult::ok(id, &call.function_id, result));
            send_or_close(link, frame);
            return;
        }
    }
    reply(link, id, &call.function_id, error);
}

/// Puts an answer on the bounded data queue without waiting. A full queue means the engine
/// sends faster than it reads our answers: rather than buffer without bound, the connection
/// is closed, and the engine answers what it had sent with `invocation_stopped`.
fn reply(link: &Link, invocation_id: Uuid, function_id: &str, error: ErrorBody) {
    let frame = Message::InvocationResult(InvocationResult::err(invocation_id, function_id, error));
    send_or_close(link, frame);
}

fn send_or_close(link: &Link, frame: Message) {
    if link.data.try_send(Outgoing::Frame(frame.encode())).is_err() {
        tracing::error!("the engine is not reading this worker's answers; closing the connection");
        let _ = link.control.send(Outgoing::Close);
    }
}
