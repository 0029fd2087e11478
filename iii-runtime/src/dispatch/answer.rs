//! Encoding a handler's outcome for the wire: the `result` or `error` of an
//! `invocationresult`, as an HTTP envelope when an HTTP trigger fired the invocation.

use iii_protocol::http::{HttpErrorBody, HttpResponse};
use iii_protocol::{ErrorBody, RawValue};

use crate::error::{Error, Result};
use crate::reply::Reply;

/// Turns a handler's outcome into the `result` or `error` of an `invocationresult`.
///
/// For HTTP-fired invocations errors are answered as HTTP envelopes with the error's status
/// and the engine's error body, because the engine maps every protocol error to a 500.
pub(super) fn encode(http: bool, outcome: Result<Reply>) -> Result<Box<RawValue>, ErrorBody> {
    let raw = |v: &dyn erased::Ser| v.to_raw().map_err(|e| Error::from(e).to_body());
    match (http, outcome) {
        (false, Ok(Reply::Json(value))) => Ok(value),
        (false, Ok(Reply::Http { body, .. })) => Ok(body),
        (_, Ok(Reply::Streamed { .. })) => Ok(iii_protocol::raw::null()),
        (false, Err(e)) => Err(e.to_body()),
        (true, Ok(Reply::Json(body))) => raw(&HttpResponse {
            status_code: 200,
            headers: Default::default(),
            body,
        }),
        (
            true,
            Ok(Reply::Http {
                status,
                headers,
                body,
            }),
        ) => raw(&HttpResponse {
            status_code: status,
            headers,
            body,
        }),
        (true, Err(e)) => raw(&http_error(e.status(), e.code(), e.message())),
    }
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

mod erased {
    use iii_protocol::RawValue;

    /// Object-safe serialization into a raw value, so `encode` can share one closure.
    pub(super) trait Ser {
        fn to_raw(&self) -> serde_json::Result<Box<RawValue>>;
    }

    impl<T: serde::Serialize> Ser for T {
        fn to_raw(&self) -> serde_json::Result<Box<RawValue>> {
            serde_json::value::to_raw_value(self)
        }
    }
}
