//! The responses of the HTTP server: their body type, a response with a given head and body,
//! and the engine's own answers (errors, empty responses, JSON bodies it makes). The request
//! envelope a function receives is `super::request_data`; the mapping of its result is
//! `super::answer`.

use std::convert::Infallible;

use bytes::Bytes;
use http::header::{HeaderName, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use iii_protocol::http::HttpErrorBody;
use serde::Serialize;

/// The body of every response: whole, or streamed from a channel; an error cuts a streamed
/// response short (its writer died).
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// The response type of the HTTP server.
pub(crate) type Resp = Response<Body>;

/// A response with a whole body.
pub(crate) fn respond(status: StatusCode, headers: Vec<(String, String)>, body: Bytes) -> Resp {
    let body = Full::new(body).map_err(|never: Infallible| match never {});
    with_body(status, headers, body.boxed())
}

/// A response with the given head and body; invalid headers are dropped.
pub(crate) fn with_body(status: StatusCode, headers: Vec<(String, String)>, body: Body) -> Resp {
    let mut resp = Response::new(body);
    *resp.status_mut() = status;
    for (name, value) in headers {
        match (
            HeaderName::try_from(name.as_str()),
            HeaderValue::try_from(value.as_str()),
        ) {
            (Ok(name), Ok(value)) => {
                resp.headers_mut().append(name, value);
            }
            _ => tracing::debug!("dropping invalid response header {name:?}"),
        }
    }
    resp
}

/// An engine-generated error: `{"error":{"code","message","error_id"?}}`, with an `error_id`
/// on 5xx answers.
pub(crate) fn error(status: StatusCode, code: &str, message: &str) -> Resp {
    let mut body = HttpErrorBody::new(code, message);
    if status.is_server_error() {
        body = body.with_error_id(iii_protocol::Uuid::new_v4().simple().to_string());
    }
    json_body(status, &body)
}

/// A JSON response of an engine-made body.
pub(crate) fn json_body<T: Serialize>(status: StatusCode, body: &T) -> Resp {
    let bytes = serde_json::to_vec(body).unwrap_or_default();
    let headers = vec![("content-type".into(), "application/json".into())];
    respond(status, headers, Bytes::from(bytes))
}

/// A response with no body.
pub(crate) fn empty(status: StatusCode) -> Resp {
    respond(status, Vec::new(), Bytes::new())
}

/// A whole response's status, headers and body text, for tests.
#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) fn read_whole(resp: Resp) -> (StatusCode, http::HeaderMap, String) {
    let (parts, body) = resp.into_parts();
    let bytes = futures_util::FutureExt::now_or_never(body.collect())
        .unwrap()
        .unwrap()
        .to_bytes();
    (
        parts.status,
        parts.headers,
        String::from_utf8(bytes.to_vec()).unwrap(),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use serde_json::Value;

    use super::read_whole as body;
    use super::*;

    #[test]
    fn error_bodies() {
        let (status, _, text) = body(error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found"));
        assert_eq!(status, StatusCode::NOT_FOUND);
        assert_eq!(
            text,
            r#"{"error":{"code":"NOT_FOUND","message":"Not Found"}}"#
        );
        let (_, _, text) = body(error(StatusCode::INTERNAL_SERVER_ERROR, "x", "y"));
        let v: Value = serde_json::from_str(&text).unwrap();
        assert_eq!(v["error"]["error_id"].as_str().unwrap().len(), 32);
    }
}
