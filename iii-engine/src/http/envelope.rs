//! The HTTP envelope: the request object a route's function receives (iii-protocol's
//! `HttpRequest`), and the mapping of its `{status_code, headers, body}` result (or an error)
//! to an HTTP response.
//!
//! The result is read leniently, as the real engine reads it (a `status_code` that is not a
//! number, or outside `200..=599`, is `200`; `headers` may be a map or a list of
//! `"Name: value"` lines; a missing body is `{}`), so it is taken apart as a JSON value
//! rather than decoded into the strict `HttpResponse` type.

use std::collections::HashMap;
use std::convert::Infallible;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HeaderMap, HeaderName, HeaderValue};
use http::{Response, StatusCode};
use http_body_util::combinators::BoxBody;
use http_body_util::{BodyExt, Full};
use iii_protocol::http::{
    ChannelRef, HttpErrorBody, HttpRequest, HttpTriggerInfo, MiddlewareInput, MiddlewareRequest,
};
use iii_protocol::raw;
use serde::Serialize;
use serde_json::value::RawValue;
use serde_json::{Map, Value, json};

use crate::registry::routes::Route;
use crate::url::query_params;

/// The body of every response: whole, or streamed from a channel.
/// A response body; an error cuts a streamed response short (its writer died).
pub(crate) type Body = BoxBody<Bytes, std::io::Error>;

/// The response type of the HTTP server.
pub(crate) type Resp = Response<Body>;

/// Builds the `data` of an HTTP-fired invocation. The body is forwarded as the client sent it
/// when the request says it is JSON (and it parses), else it is `null`.
pub(crate) fn request(
    route: &Route,
    method: &str,
    path_params: &[(String, String)],
    query: Option<&str>,
    headers: &HeaderMap,
    body: &[u8],
    channels: (ChannelRef, ChannelRef),
) -> HttpRequest {
    let is_json = headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("application/json"));
    let body = if is_json {
        serde_json::from_slice::<Box<RawValue>>(body).unwrap_or_else(|_| raw::null())
    } else {
        raw::null()
    };
    let (request_body, response) = channels;
    HttpRequest {
        query_params: query_params(query.unwrap_or("")),
        path_params: path_params.iter().cloned().collect(),
        headers: header_map(headers),
        path: route.template.clone(),
        method: method.to_owned(),
        body,
        trigger: Some(HttpTriggerInfo {
            kind: "http".to_owned(),
            path: route.template.clone(),
            method: method.to_owned(),
        }),
        request_body: Some(request_body),
        response: Some(response),
    }
}

/// The input of a route's middleware: the request without its body.
pub(crate) fn middleware_input(request: &HttpRequest) -> MiddlewareInput {
    MiddlewareInput {
        phase: "preHandler".to_owned(),
        request: MiddlewareRequest {
            path_params: request.path_params.clone(),
            query_params: request.query_params.clone(),
            headers: request.headers.clone(),
            method: request.method.clone(),
        },
        context: Value::Object(Map::new()),
    }
}

/// Headers with lower-case names, one value per name; non-UTF-8 values become `""`.
pub(crate) fn header_map(headers: &HeaderMap) -> HashMap<String, String> {
    headers
        .iter()
        .map(|(name, value)| {
            let value = value.to_str().unwrap_or("");
            (name.as_str().to_owned(), value.to_owned())
        })
        .collect()
}

/// Maps a function's result envelope to the response. `None`/`null` is `200` with an empty body
/// (the caller streams the response channel instead when the worker connected it); any other
/// non-object is `200 {}`.
pub(crate) fn from_result(result: Option<&RawValue>) -> Resp {
    let value: Value = result
        .and_then(|r| serde_json::from_str(r.get()).ok())
        .unwrap_or(Value::Null);
    if value.is_null() {
        return respond(StatusCode::OK, Vec::new(), Bytes::new());
    }
    let empty = Map::new();
    let envelope = value.as_object().unwrap_or(&empty);
    let status = status(envelope.get("status_code"));
    let headers = envelope_headers(envelope.get("headers"));
    let body = envelope.get("body").cloned().unwrap_or_else(|| json!({}));
    serialize(status, headers, &body)
}

/// A handler's `status_code`: `200` when absent, not a number, or outside `200..=599`
/// (informational and other odd statuses cannot carry a response).
pub(crate) fn status(value: Option<&Value>) -> StatusCode {
    value
        .and_then(Value::as_u64)
        .filter(|n| (200..=599).contains(n))
        .and_then(|n| u16::try_from(n).ok())
        .and_then(|n| StatusCode::from_u16(n).ok())
        .unwrap_or(StatusCode::OK)
}

/// Serializes a body: raw when the handler set a `Content-Type` and the body is a string, empty
/// for `null` with a `Content-Type`, JSON otherwise (with `application/json` if none was set).
pub(crate) fn serialize(
    status: StatusCode,
    mut headers: Vec<(String, String)>,
    body: &Value,
) -> Resp {
    let has_type = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let bytes = if has_type {
        match body {
            Value::String(s) => Bytes::from(s.clone()),
            Value::Null => Bytes::new(),
            other => Bytes::from(other.to_string()),
        }
    } else {
        headers.push(("content-type".into(), "application/json".into()));
        Bytes::from(body.to_string())
    };
    respond(status, headers, bytes)
}

/// `headers` as a map (string values only) or a list of `"Name: value"` strings.
pub(crate) fn envelope_headers(value: Option<&Value>) -> Vec<(String, String)> {
    match value {
        Some(Value::Object(map)) => map
            .iter()
            .filter_map(|(k, v)| Some((k.clone(), v.as_str()?.to_owned())))
            .collect(),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .filter_map(|line| line.split_once(':'))
            .map(|(k, v)| (k.trim().to_owned(), v.trim().to_owned()))
            .collect(),
        _ => Vec::new(),
    }
}

fn respond(status: StatusCode, headers: Vec<(String, String)>, body: Bytes) -> Resp {
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

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use http_body_util::BodyExt;

    use super::*;

    fn body(resp: Resp) -> (StatusCode, HeaderMap, String) {
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

    fn map(v: Value) -> (StatusCode, HeaderMap, String) {
        let raw = iii_protocol::raw::to_raw(&v).unwrap();
        body(from_result(Some(&raw)))
    }

    #[test]
    fn envelope_defaults() {
        let (status, headers, text) = map(json!({"sum": 8}));
        assert_eq!((status, text.as_str()), (StatusCode::OK, "{}"));
        assert_eq!(headers["content-type"], "application/json");
        let (status, _, text) = map(json!({"status_code": 201, "body": {"a": 1}}));
        assert_eq!((status, text.as_str()), (StatusCode::CREATED, r#"{"a":1}"#));
        let (status, _, text) = map(json!("hello"));
        assert_eq!((status, text.as_str()), (StatusCode::OK, "{}"));
        let (status, _, text) = map(json!({"status_code": "x", "body": [1]}));
        assert_eq!((status, text.as_str()), (StatusCode::OK, "[1]"));
        let (status, _, text) = body(from_result(None));
        assert_eq!((status, text.as_str()), (StatusCode::OK, ""));
        for odd in [100, 101, 199, 600, 999, 0] {
            let (status, _, _) = map(json!({"status_code": odd, "body": 1}));
            assert_eq!(status, StatusCode::OK, "{odd}");
        }
        for kept in [200, 204, 302, 418, 599] {
            let (status, _, _) = map(json!({"status_code": kept}));
            assert_eq!(status.as_u16(), kept);
        }
    }

    #[test]
    fn content_type_and_header_forms() {
        let (_, headers, text) = map(json!({
            "headers": {"Content-Type": "text/plain", "X-N": 1}, "body": "hi"}));
        assert_eq!(text, "hi");
        assert_eq!(headers["content-type"], "text/plain");
        assert!(headers.get("x-n").is_none());
        let (_, headers, text) = map(json!({
            "headers": ["content-type: text/html", "bad", "x-a: b"], "body": null}));
        assert_eq!(text, "");
        assert_eq!(headers["x-a"], "b");
        let (_, _, text) = map(json!({"headers": {"content-type": "x/y"}, "body": {"k": 1}}));
        assert_eq!(text, r#"{"k":1}"#);
    }

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
