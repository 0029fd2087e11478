//! A function's result envelope `{status_code, headers, body}` → the HTTP response.
//!
//! The result is read leniently, as the real engine reads it (a `status_code` that is not a
//! number, or outside `200..=599`, is `200`; `headers` may be a map or a list of
//! `"Name: value"` lines; a missing body is `{}`). Only its three members are looked at,
//! each kept as the text the worker sent: the body is written out from that text
//! (`super::compact`) rather than parsed into a tree and printed again.

use bytes::Bytes;
use http::StatusCode;
use serde::Deserialize;
use serde::de::{Deserializer, IgnoredAny, MapAccess, Visitor};
use serde_json::Value;
use serde_json::value::RawValue;

use super::compact::compact;
use super::envelope::{self, Resp};

/// Maps a function's result envelope to the response. `None`/`null` is `200` with an empty body
/// (the caller streams the response channel instead when the worker connected it); any other
/// non-object is `200 {}`.
pub(crate) fn from_result(result: Option<&RawValue>) -> Resp {
    let text = result.map_or("null", |r| r.get().trim());
    if !text.starts_with('{') {
        let body = if text == "null" { None } else { Some("{}") };
        return body.map_or_else(empty, |body| to_response(StatusCode::OK, Vec::new(), body));
    }
    // A result that cannot be read whole (nested past the parser's limit) is treated as no
    // result, as when it was parsed into one tree.
    let Ok(Members(members)) = serde_json::from_str::<Members<'_>>(text) else {
        return empty();
    };
    let [status_code, headers, body] = members;
    let status = status_code.map_or(StatusCode::OK, |raw| {
        status(serde_json::from_str::<Value>(raw.get()).ok().as_ref())
    });
    let headers = match headers.map(|raw| serde_json::from_str::<Value>(raw.get())) {
        None => Vec::new(),
        Some(Ok(value)) => envelope_headers(Some(&value)),
        Some(Err(_)) => return empty(),
    };
    let body = body.map_or("{}", RawValue::get);
    to_response(status, headers, body)
}

fn empty() -> Resp {
    envelope::respond(StatusCode::OK, Vec::new(), Bytes::new())
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

/// Serializes a body given as a value (a middleware's answer); see [`to_response`].
pub(crate) fn serialize(status: StatusCode, headers: Vec<(String, String)>, body: &Value) -> Resp {
    to_response(status, headers, &body.to_string())
}

/// The response for a body given as JSON text: raw when the handler set a `Content-Type` and
/// the body is a string, empty for `null` with a `Content-Type`, JSON otherwise (with
/// `application/json` if none was set).
fn to_response(status: StatusCode, mut headers: Vec<(String, String)>, body: &str) -> Resp {
    let has_type = headers
        .iter()
        .any(|(k, _)| k.eq_ignore_ascii_case("content-type"));
    let bytes = if has_type && body.starts_with('"') {
        serde_json::from_str::<String>(body).ok().map(Bytes::from)
    } else if has_type && body == "null" {
        Some(Bytes::new())
    } else {
        if !has_type {
            headers.push(("content-type".into(), "application/json".into()));
        }
        compact(body).map(Bytes::from)
    };
    match bytes {
        Some(bytes) => envelope::respond(status, headers, bytes),
        // Text the parser refuses (a lone surrogate escape): no result, as above.
        None => empty(),
    }
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

/// The three members the response is made of, as their text; of a member given twice the
/// last counts, as in a map. Every other member is skipped unread.
struct Members<'a>([Option<&'a RawValue>; 3]);

#[derive(Deserialize)]
#[serde(field_identifier, rename_all = "snake_case")]
enum Member {
    StatusCode,
    Headers,
    Body,
    #[serde(other)]
    Other,
}

impl<'de> Deserialize<'de> for Members<'de> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        d.deserialize_map(MembersVisitor)
    }
}

struct MembersVisitor;

impl<'de> Visitor<'de> for MembersVisitor {
    type Value = Members<'de>;

    fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
        f.write_str("a result envelope")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Members<'de>, A::Error> {
        let mut members = [None; 3];
        while let Some(member) = map.next_key::<Member>()? {
            let slot = match member {
                Member::StatusCode => 0,
                Member::Headers => 1,
                Member::Body => 2,
                Member::Other => {
                    map.next_value::<IgnoredAny>()?;
                    continue;
                }
            };
            members[slot] = Some(map.next_value::<&RawValue>()?);
        }
        Ok(Members(members))
    }
}

#[cfg(test)]
#[path = "answer_tests.rs"]
mod tests;
