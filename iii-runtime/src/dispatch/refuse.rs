//! Answers sent without running a handler: the function is unknown, the worker is shutting
//! down, or it has no room for the call.

use iii_protocol::{ErrorBody, InvocationResult, Message, codes};
use uuid::Uuid;

use super::answer::http_error;
use crate::incoming::Incoming;
use crate::link::Link;

/// The protocol's code for a call the worker has no room for.
const OVERLOADED: &str = "overloaded";

pub(crate) fn shutting_down() -> ErrorBody {
    ErrorBody::new("shutdown", "the worker is shutting down")
}

pub(crate) fn not_found(function_id: &str) -> ErrorBody {
    ErrorBody::new(
        codes::FUNCTION_NOT_FOUND,
        format!("Function {function_id} not found"),
    )
}

/// Every slot under the worker's in-flight limit is taken and as many calls wait for one.
pub(crate) fn overloaded(running: usize) -> ErrorBody {
    ErrorBody::new(
        OVERLOADED,
        format!("the worker is running {running} invocations and has as many waiting"),
    )
}

/// The function runs as many invocations as its `concurrency` allows and its queue is full.
pub(super) fn over_limit(function_id: &str, limit: usize, waiting: usize) -> ErrorBody {
    ErrorBody::new(
        OVERLOADED,
        format!(
            "function {function_id} is running {limit} invocations (its concurrency limit) and has {waiting} waiting"
        ),
    )
}

/// Answers an invocation without running a handler. Calls without an id expect no answer.
///
/// An invocation one of this worker's `http` triggers fired gets an HTTP envelope (`503` while shutting down or overloaded,
/// `404` for an unknown function) rather than a protocol error, which the engine would turn
/// into a `500`.
pub(crate) fn reply_to(link: &Link, call: &Incoming, error: ErrorBody) {
    let Some(id) = call.invocation_id else {
        return;
    };
    if link.secret.is_http(call.metadata.as_deref()) {
        let status = if error.code == codes::FUNCTION_NOT_FOUND {
            404
        } else {
            503
        };
        let envelope = http_error(status, &error.code, error.message.as_str());
        if let Ok(result) = iii_protocol::raw::to_raw(&envelope) {
            let result = InvocationResult::ok(id, &call.function_id, result);
            link.send_now(Message::InvocationResult(result));
            return;
        }
    }
    reply(link, id, &call.function_id, error);
}

/// Answers invocation `invocation_id` with a protocol error.
pub(super) fn reply(link: &Link, invocation_id: Uuid, function_id: &str, error: ErrorBody) {
    let result = InvocationResult::err(invocation_id, function_id, error);
    link.send_now(Message::InvocationResult(result));
}
