//! Invocations this worker serves: the handlers running (bounded), the backlog waiting for a
//! slot, and the answers given without running a handler.

use std::collections::{HashMap, VecDeque};
use std::sync::Arc;

use iii_protocol::http::{HttpErrorBody, HttpResponse};
use iii_protocol::{ErrorBody, InvocationResult, InvokeFunction, Message, codes};
use tokio::task::{Id, JoinError, JoinSet};
use uuid::Uuid;

use super::{Conn, Service};
use crate::dispatch;
use crate::transport::{Link, Outgoing};
use crate::worker::Worker;

/// What the service remembers of a running invocation, to answer it if it is abandoned.
struct Running {
    invocation_id: Option<Uuid>,
    function_id: String,
    link: Link,
}

pub(super) struct Invocations {
    limit: usize,
    tasks: JoinSet<()>,
    running: HashMap<Id, Running>,
    backlog: VecDeque<(InvokeFunction, Link)>,
}

impl Invocations {
    pub(super) fn new(limit: usize) -> Self {
        Self {
            limit,
            tasks: JoinSet::new(),
            running: HashMap::new(),
            backlog: VecDeque::new(),
        }
    }

    pub(super) fn has_running(&self) -> bool {
        !self.tasks.is_empty()
    }

    pub(super) fn count(&self) -> usize {
        self.tasks.len()
    }

    /// Cancel safe: `JoinSet::join_next_with_id` loses nothing when dropped.
    pub(super) async fn join_next(&mut self) -> Option<Result<Id, JoinError>> {
        self.tasks
            .join_next_with_id()
            .await
            .map(|r| r.map(|(id, ())| id))
    }

    pub(super) fn finished(&mut self, done: Result<Id, JoinError>) {
        let id = match done {
            Ok(id) => id,
            Err(e) => e.id(),
        };
        self.running.remove(&id);
    }

    /// Answers every running invocation with `error` and stops them.
    pub(super) fn abandon(&mut self, error: &ErrorBody) {
        for (_, running) in self.running.drain() {
            if let Some(id) = running.invocation_id {
                reply(&running.link, id, &running.function_id, error.clone());
            }
        }
        self.tasks.abort_all();
    }

    /// Answers every invocation still waiting for a slot with `error`.
    pub(super) fn refuse_backlog(&mut self, error: &ErrorBody) {
        for (call, link) in self.backlog.drain(..) {
            reply_to(&link, &call, error.clone());
        }
    }

    /// Drops the backlog without answering: its connection is gone, and the engine has
    /// answered those invocations itself.
    pub(super) fn drop_backlog(&mut self) {
        self.backlog.clear();
    }
}

impl Service {
    pub(super) fn on_invoke(&mut self, call: InvokeFunction) {
        let link = match &self.conn {
            Conn::Open { link, .. } => link.clone(),
            Conn::Draining {
                link: Some(link), ..
            } => {
                reply_to(link, &call, shutting_down());
                return;
            }
            _ => return,
        };
        if !self.functions.contains_key(&call.function_id) {
            reply_to(&link, &call, not_found(&call.function_id));
            return;
        }
        let inv = &mut self.invocations;
        if inv.tasks.len() >= inv.limit {
            if inv.backlog.len() >= inv.limit {
                let body = ErrorBody::new(
                    "overloaded",
                    format!(
                        "the worker is running {} invocations and has as many waiting",
                        inv.tasks.len()
                    ),
                );
                reply_to(&link, &call, body);
            } else {
                inv.backlog.push_back((call, link));
            }
            return;
        }
        self.spawn_invocation(call, link);
    }

    pub(super) fn start_backlog(&mut self) {
        while self.invocations.tasks.len() < self.invocations.limit {
            let Some((call, link)) = self.invocations.backlog.pop_front() else {
                break;
            };
            self.spawn_invocation(call, link);
        }
    }

    fn spawn_invocation(&mut self, call: InvokeFunction, link: Link) {
        let Some(function) = self.functions.get(&call.function_id) else {
            // Unregistered while it waited in the backlog.
            reply_to(&link, &call, not_found(&call.function_id));
            return;
        };
        let Some(inner) = self.worker.upgrade() else {
            reply_to(&link, &call, shutting_down());
            return;
        };
        let handler = Arc::clone(&function.handler);
        let timeout = function.timeout;
        let running = Running {
            invocation_id: call.invocation_id,
            function_id: call.function_id.clone(),
            link: link.clone(),
        };
        let task = self.invocations.tasks.spawn(dispatch::run(
            handler,
            timeout,
            call,
            Worker::from_inner(inner),
            link,
        ));
        self.invocations.running.insert(task.id(), running);
    }
}

pub(super) fn shutting_down() -> ErrorBody {
    ErrorBody::new("shutdown", "the worker is shutting down")
}

fn not_found(function_id: &str) -> ErrorBody {
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
fn reply_to(link: &Link, call: &InvokeFunction, error: ErrorBody) {
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
