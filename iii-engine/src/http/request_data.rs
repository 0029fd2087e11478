//! The `data` of an HTTP-fired invocation (the shape of iii-protocol's `HttpRequest`) and
//! the input of a route's middleware (`MiddlewareInput`), serialized straight from the
//! request as hyper parsed it: no map of owned strings is built only to be written out once.

use std::collections::HashMap;

use http::header::{CONTENT_TYPE, HeaderMap};
use iii_protocol::Uuid;
use serde::Serialize;
use serde::ser::{SerializeMap, Serializer};
use serde_json::value::RawValue;

use crate::registry::routes::Route;

/// A reference to one end of a data channel: `{channel_id, access_key, direction}`.
#[derive(Serialize)]
pub(crate) struct ChannelEnd<'a> {
    /// Serialized as the hyphenated lower-case text, like `Uuid::to_string`.
    pub(crate) channel_id: Uuid,
    pub(crate) access_key: &'a str,
    /// `read` or `write`.
    pub(crate) direction: &'static str,
}

/// The request object a route's function receives. Field order as `HttpRequest` writes it.
#[derive(Serialize)]
pub(crate) struct RequestData<'a> {
    query_params: &'a HashMap<String, String>,
    path_params: Params<'a>,
    headers: Headers<'a>,
    path: &'a str,
    method: &'a str,
    body: &'a RawValue,
    trigger: Trigger<'a>,
    request_body: ChannelEnd<'a>,
    response: ChannelEnd<'a>,
}

/// What fired the function: `{"type":"http","path":…,"method":…}`.
#[derive(Serialize)]
struct Trigger<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    path: &'a str,
    method: &'a str,
}

/// The input of a route's middleware: the request without its body.
#[derive(Serialize)]
pub(crate) struct MiddlewareData<'a> {
    phase: &'static str,
    request: MiddlewareRequest<'a>,
    /// Reserved for middleware state; always `{}`.
    context: Empty,
}

#[derive(Serialize)]
struct MiddlewareRequest<'a> {
    path_params: Params<'a>,
    query_params: &'a HashMap<String, String>,
    headers: Headers<'a>,
    method: &'a str,
}

/// `{}`.
struct Empty;

impl Serialize for Empty {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_map(Some(0))?.end()
    }
}

/// Whether the request says its body is JSON (then it is parsed into the envelope).
pub(crate) fn is_json(headers: &HeaderMap) -> bool {
    headers
        .get(CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.to_ascii_lowercase().contains("application/json"))
}

/// The body as the envelope carries it: the client's JSON text when the request says it is
/// JSON and it parses, else `null` (the raw bytes go through the `request_body` channel).
pub(crate) fn body<'a>(headers: &HeaderMap, body: &'a [u8]) -> &'a RawValue {
    if !is_json(headers) {
        return RawValue::NULL;
    }
    serde_json::from_slice::<&RawValue>(body).unwrap_or(RawValue::NULL)
}

impl<'a> RequestData<'a> {
    /// The envelope of one request: `query` holds the percent-decoded query parameters,
    /// `channels` the `request_body` and `response` references.
    pub(crate) fn new(
        route: &'a Route,
        method: &'a str,
        path_params: &'a [(String, String)],
        query: &'a HashMap<String, String>,
        headers: &'a HeaderMap,
        body: &'a RawValue,
        channels: (ChannelEnd<'a>, ChannelEnd<'a>),
    ) -> Self {
        let (request_body, response) = channels;
        Self {
            query_params: query,
            path_params: Params(path_params),
            headers: Headers(headers),
            path: &route.template,
            method,
            body,
            trigger: Trigger {
                kind: "http",
                path: &route.template,
                method,
            },
            request_body,
            response,
        }
    }

    /// The middleware's input for the same request.
    pub(crate) fn middleware(&self) -> MiddlewareData<'a> {
        MiddlewareData {
            phase: "preHandler",
            request: MiddlewareRequest {
                path_params: Params(self.path_params.0),
                query_params: self.query_params,
                headers: Headers(self.headers.0),
                method: self.method,
            },
            context: Empty,
        }
    }
}

/// Path parameters as a map; a name that appears twice keeps its last value, as a map
/// built from them would.
#[derive(Clone, Copy)]
struct Params<'a>(&'a [(String, String)]);

impl Serialize for Params<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        for (i, (name, value)) in self.0.iter().enumerate() {
            // Routes have a handful of parameters: a scan is cheaper than a set.
            if !self.0[i + 1..].iter().any(|(later, _)| later == name) {
                map.serialize_entry(name, value)?;
            }
        }
        map.end()
    }
}

/// Headers with lower-case names (hyper's names are), one value per name (the last, as a map
/// built from them keeps); values that are not visible ASCII become `""`.
#[derive(Clone, Copy)]
struct Headers<'a>(&'a HeaderMap);

impl Serialize for Headers<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(None)?;
        // `HeaderMap::iter` yields all the values of one name one after the other, so a
        // name's last value is the one whose successor has another name.
        let mut entries = self.0.iter().peekable();
        while let Some((name, value)) = entries.next() {
            if entries.peek().is_some_and(|(next, _)| *next == name) {
                continue;
            }
            map.serialize_entry(name.as_str(), value.to_str().unwrap_or(""))?;
        }
        map.end()
    }
}

#[cfg(test)]
#[path = "request_data_tests.rs"]
mod tests;
