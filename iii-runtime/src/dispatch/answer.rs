//! Encoding a handler's outcome for the wire: the `invocationresult` frame with its `result`
//! or `error`, as an HTTP envelope when an HTTP trigger fired the invocation.

use iii_protocol::http::{HttpErrorBody, HttpResponse};
use iii_protocol::{ErrorBody, InvocationResult, Message, RawValue, Uuid};

use crate::error::{Error, Result};
use crate::reply::Reply;

/// The `invocationresult` frame answering invocation `invocation_id` of `function_id` with
/// a handler's outcome.
///
/// For HTTP-fired invocations errors are answered as HTTP envelopes with the error's status
/// and the engine's error body, because the engine maps every protocol error to a 500. The
/// envelope is serialized straight into the frame (not into a raw value copied into it).
pub(super) fn frame(
    invocation_id: Uuid,
    function_id: &str,
    http: bool,
    outcome: Result<Reply>,
) -> String {
    let (id, f) = (invocation_id, function_id);
    let encoded = match (http, outcome) {
        (false, Ok(Reply::Json(value) | Reply::Http { body: value, .. })) => {
            InvocationResult::encode_ok(id, f, &*value)
        }
        (_, Ok(Reply::Streamed { .. })) => InvocationResult::encode_ok(id, f, RawValue::NULL),
        (false, Err(e)) => return error_frame(id, f, e.to_body()),
        (true, Ok(Reply::Json(body))) => InvocationResult::encode_ok(
            id,
            f,
            &HttpResponse {
                status_code: 200,
                headers: Default::default(),
                body,
            },
        ),
        (
            true,
            Ok(Reply::Http {
                status,
                headers,
                body,
            }),
        ) => InvocationResult::encode_ok(
            id,
            f,
            &HttpResponse {
                status_code: status,
                headers,
                body,
            },
        ),
        (true, Err(e)) => {
            InvocationResult::encode_ok(id, f, &http_error(e.status(), e.code(), e.message()))
        }
    };
    encoded.unwrap_or_else(|e| error_frame(id, f, Error::from(e).to_body()))
}

/// The `invocationresult` frame of a protocol error.
fn error_frame(invocation_id: Uuid, function_id: &str, error: ErrorBody) -> String {
    Message::InvocationResult(InvocationResult::err(invocation_id, function_id, error)).encode()
}

/// An HTTP response with the engine's error body `{"error":{"code","message"}}`.
pub(super) fn http_error(
    status: u16,
    code: &str,
    message: impl Into<String>,
) -> HttpResponse<HttpErrorBody> {
    HttpResponse {
        status_code: status,
        headers: Default::default(),
        body: HttpErrorBody::new(code, message),
    }
}
