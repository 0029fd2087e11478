//! The HTTP request envelope of an invocation one of the worker's own `http` triggers fired,
//! read in two steps: on arrival, one borrowed pass that finds the body, the method, the route
//! and the W3C trace headers and checks that the envelope is one (it accepts exactly what
//! [`HttpRequest`] accepts, without building its maps); and the full [`HttpRequest`], maps and
//! all, only once something asks for it (an extractor, the request log).

use std::borrow::Cow;
use std::fmt;
use std::ops::Range;
use std::sync::OnceLock;

use iii_protocol::RawValue;
use iii_protocol::http::HttpRequest;
use serde::Deserialize;
use serde::de::{Deserializer, MapAccess, Visitor};

use crate::borrowed::Text;

/// What the arrival pass keeps of an envelope; the rest is read when asked for.
#[derive(Debug)]
pub(super) struct Envelope {
    /// The request method, upper case.
    pub(super) method: String,
    /// The registered route template.
    pub(super) path: String,
    /// The `traceparent` request header.
    pub(super) traceparent: Option<String>,
    /// The `baggage` request header.
    pub(super) baggage: Option<String>,
    /// The whole request (its `body` moved out into the input), read on first use.
    request: OnceLock<HttpRequest>,
}

impl Envelope {
    /// Reads the envelope `text`: the envelope and where its body lies in `text` (`None` for
    /// a `null` or absent body), or `None` when `text` is not an envelope.
    pub(super) fn read(text: &str) -> Option<(Self, Option<Range<usize>>)> {
        let view = serde_json::from_str::<View<'_>>(text).ok()?;
        // The body is borrowed from `text`, so its place is where its text starts in `text`.
        let body = view.body.map(|raw| {
            let start = raw.get().as_ptr() as usize - text.as_ptr() as usize;
            start..start + raw.get().len()
        });
        let envelope = Self {
            method: view.method.into_owned(),
            path: view.path.into_owned(),
            traceparent: view.headers.traceparent.map(Cow::into_owned),
            baggage: view.headers.baggage.map(Cow::into_owned),
            request: OnceLock::new(),
        };
        Some((envelope, body))
    }

    /// An envelope already read (a test's invocation).
    #[cfg(feature = "testing")]
    pub(super) fn of(request: HttpRequest) -> Self {
        let header = |name: &str| request.headers.get(name).cloned();
        Self {
            method: request.method.clone(),
            path: request.path.clone(),
            traceparent: header("traceparent"),
            baggage: header("baggage"),
            request: OnceLock::from(request),
        }
    }

    /// The whole request, read from `text` (the envelope [`read`](Envelope::read) accepted)
    /// the first time it is asked for; its `body` is `null` (the body is the input).
    pub(super) fn request(&self, text: &str) -> &HttpRequest {
        self.request.get_or_init(|| {
            let mut request = serde_json::from_str::<HttpRequest>(text)
                // `read` accepted this text, and it accepts what `HttpRequest` does: the
                // fallback is never taken, and keeps what was already read if it were.
                .unwrap_or_else(|_| HttpRequest {
                    query_params: Default::default(),
                    path_params: Default::default(),
                    headers: Default::default(),
                    path: self.path.clone(),
                    method: self.method.clone(),
                    body: iii_protocol::raw::null(),
                    trigger: None,
                    request_body: None,
                    response: None,
                });
            request.body = iii_protocol::raw::null();
            request
        })
    }
}

/// [`HttpRequest`] as the arrival pass reads it: the same members with the same defaults, in
/// the same order (serde reads a struct from an array too), each accepting the same JSON, but
/// nothing allocated for what is only checked.
#[derive(Deserialize)]
struct View<'a> {
    #[serde(default, rename = "query_params")]
    _query_params: Strings,
    #[serde(default, rename = "path_params")]
    _path_params: Strings,
    #[serde(default, borrow)]
    headers: TraceHeaders<'a>,
    #[serde(default, borrow)]
    path: Cow<'a, str>,
    #[serde(default, borrow)]
    method: Cow<'a, str>,
    #[serde(default, borrow)]
    body: Option<&'a RawValue>,
    #[serde(default, rename = "trigger")]
    _trigger: Option<TriggerShape>,
    #[serde(default, rename = "request_body")]
    _request_body: Option<ChannelShape>,
    #[serde(default, rename = "response")]
    _response: Option<ChannelShape>,
}

/// `HttpTriggerInfo`'s members, checked.
#[derive(Deserialize)]
struct TriggerShape {
    #[serde(rename = "type")]
    _kind: Str,
    #[serde(default, rename = "path")]
    _path: Str,
    #[serde(default, rename = "method")]
    _method: Str,
}

/// `ChannelRef`'s members, checked.
#[derive(Deserialize)]
struct ChannelShape {
    #[serde(rename = "channel_id")]
    _channel_id: Str,
    #[serde(rename = "access_key")]
    _access_key: Str,
    #[serde(rename = "direction")]
    _direction: Str,
}

/// A JSON string, checked and not kept.
#[derive(Default)]
struct Str;

impl<'de> Deserialize<'de> for Str {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        Text::deserialize(deserializer).map(|_| Str)
    }
}

/// An object of strings (a `HashMap<String, String>`), checked and not kept.
#[derive(Default)]
struct Strings;

impl<'de> Deserialize<'de> for Strings {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer
            .deserialize_map(StringsVisitor(|_, _| ()))
            .map(|()| Strings)
    }
}

/// The headers object, checked like [`Strings`], keeping the W3C trace headers (the last
/// of a repeated name, as a map keeps it).
#[derive(Default)]
struct TraceHeaders<'a> {
    traceparent: Option<Cow<'a, str>>,
    baggage: Option<Cow<'a, str>>,
}

impl<'de: 'a, 'a> Deserialize<'de> for TraceHeaders<'a> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        let mut headers = Self::default();
        deserializer.deserialize_map(StringsVisitor(|name: Cow<'de, str>, value| {
            match name.as_ref() {
                "traceparent" => headers.traceparent = Some(value),
                "baggage" => headers.baggage = Some(value),
                _ => {}
            }
        }))?;
        Ok(headers)
    }
}

/// Visits an object of strings, handing each name and value to its function.
struct StringsVisitor<F>(F);

impl<'de, F: FnMut(Cow<'de, str>, Cow<'de, str>)> Visitor<'de> for StringsVisitor<F> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a map")
    }

    fn visit_map<A: MapAccess<'de>>(mut self, mut map: A) -> Result<(), A::Error> {
        while let Some(Text(name)) = map.next_key::<Text<'de>>()? {
            let Text(value) = map.next_value::<Text<'de>>()?;
            (self.0)(name, value);
        }
        Ok(())
    }
}
