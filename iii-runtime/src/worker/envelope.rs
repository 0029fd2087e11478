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
    method: Part,
    /// The registered route template.
    path: Part,
    /// The `traceparent` request header.
    traceparent: Option<Part>,
    /// The `baggage` request header.
    baggage: Option<Part>,
    /// The whole request (its `body` moved out into the input), read on first use.
    request: OnceLock<HttpRequest>,
}

/// A string member of the envelope: where it lies in the envelope's text when it is written
/// there as it reads (no escapes, the usual case: nothing copied), else its value.
#[derive(Debug)]
enum Part {
    At(Range<usize>),
    Owned(Box<str>),
}

impl Part {
    /// `value`, read from `text`.
    fn of(value: Cow<'_, str>, text: &str) -> Self {
        match value {
            Cow::Borrowed(within) => Self::At(place(within, text)),
            Cow::Owned(value) => Self::Owned(value.into()),
        }
    }

    fn get<'t>(&'t self, text: &'t str) -> &'t str {
        match self {
            // Made by `of` from this text.
            Self::At(range) => text.get(range.clone()).unwrap_or_default(),
            Self::Owned(value) => value,
        }
    }
}

/// Where `within`, a part of `text`, lies in it.
fn place(within: &str, text: &str) -> Range<usize> {
    let start = (within.as_ptr() as usize).wrapping_sub(text.as_ptr() as usize);
    start..start.saturating_add(within.len())
}

impl Envelope {
    /// Reads the envelope `text`: the envelope and where its body lies in `text` (`None` for
    /// a `null` or absent body), or `None` when `text` is not an envelope.
    pub(super) fn read(text: &str) -> Option<(Self, Option<Range<usize>>)> {
        let quick = (text.len() >= QUICK_FROM)
            .then(|| Parts::quick(text))
            .flatten();
        let parts = match quick {
            Some(parts) => parts,
            None => Parts::of(serde_json::from_str::<View<'_>>(text).ok()?, text),
        };
        let part = |value| Part::of(value, text);
        let envelope = Self {
            method: part(parts.method),
            path: part(parts.path),
            traceparent: parts.headers.traceparent.map(part),
            baggage: parts.headers.baggage.map(part),
            request: OnceLock::new(),
        };
        Some((envelope, parts.body))
    }

    /// An envelope already read (a test's invocation).
    #[cfg(feature = "testing")]
    pub(super) fn of(request: HttpRequest) -> Self {
        let header = |name: &str| Some(Part::Owned(request.headers.get(name)?.as_str().into()));
        Self {
            method: Part::Owned(request.method.as_str().into()),
            path: Part::Owned(request.path.as_str().into()),
            traceparent: header("traceparent"),
            baggage: header("baggage"),
            request: OnceLock::from(request),
        }
    }

    /// The request's method and route template; `text` is the envelope's.
    #[cfg(any(feature = "otel", test))]
    pub(super) fn route<'t>(&'t self, text: &'t str) -> (&'t str, &'t str) {
        (self.method.get(text), self.path.get(text))
    }

    /// The request's `traceparent` and `baggage` headers; `text` is the envelope's.
    pub(super) fn trace_headers<'t>(&'t self, text: &'t str) -> (Option<&'t str>, Option<&'t str>) {
        let header = |part: &'t Option<Part>| part.as_ref().map(|part| part.get(text));
        (header(&self.traceparent), header(&self.baggage))
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
                    path: self.path.get(text).to_owned(),
                    method: self.method.get(text).to_owned(),
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

/// Envelopes from this size up are read by [`Parts::quick`]: below it, serde's one pass over
/// the whole envelope costs less than reading its members one by one.
const QUICK_FROM: usize = 4 * 1024;

/// What the arrival pass takes from an envelope.
struct Parts<'a> {
    method: Cow<'a, str>,
    path: Cow<'a, str>,
    headers: TraceHeaders<'a>,
    /// Where the body lies in the text; `None` for a `null` or absent one.
    body: Option<Range<usize>>,
}

impl<'a> Parts<'a> {
    /// The parts of the envelope serde read.
    fn of(view: View<'a>, text: &str) -> Self {
        // The body is borrowed from `text`, so its place is where its text starts in `text`.
        let body = view.body.map(|raw| place(raw.get(), text));
        Self {
            method: view.method,
            path: view.path,
            headers: view.headers,
            body,
        }
    }

    /// The arrival pass without reading the body: `text` is valid JSON (its frame was read
    /// whole), so an object's members are found by their delimiters, each small one is read
    /// as [`View`] reads it and the body, the large one, is left for the handler's input to
    /// read. `None` whenever it cannot answer as [`View`] would: not an object, a key with
    /// escapes or written twice, a member [`View`] refuses (serde then decides).
    fn quick(text: &'a str) -> Option<Self> {
        let mut parts = Self {
            method: Cow::Borrowed(""),
            path: Cow::Borrowed(""),
            headers: TraceHeaders::default(),
            body: None,
        };
        let mut seen = 0_u16;
        for member in crate::strip::members(text)? {
            let member = member.ok()?;
            let key = member.key;
            if key.contains('\\') {
                return None;
            }
            let value = text.get(member.value.clone())?;
            if let Some(bit) = MEMBERS.iter().position(|m| *m == key) {
                if seen & (1 << bit) != 0 {
                    return None;
                }
                seen |= 1 << bit;
            }
            match key {
                "query_params" | "path_params" => {
                    serde_json::from_str::<Strings>(value).ok()?;
                }
                "headers" => parts.headers = serde_json::from_str(value).ok()?,
                "path" => parts.path = serde_json::from_str::<Text<'a>>(value).ok()?.0,
                "method" => parts.method = serde_json::from_str::<Text<'a>>(value).ok()?.0,
                "body" => parts.body = (value != "null").then_some(member.value),
                "trigger" => {
                    serde_json::from_str::<Option<TriggerShape>>(value).ok()?;
                }
                "request_body" | "response" => {
                    serde_json::from_str::<Option<ChannelShape>>(value).ok()?;
                }
                _ => {}
            }
        }
        Some(parts)
    }
}

/// [`View`]'s members, by name.
const MEMBERS: [&str; 9] = [
    "query_params",
    "path_params",
    "headers",
    "path",
    "method",
    "body",
    "trigger",
    "request_body",
    "response",
];

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

#[cfg(test)]
mod tests {
    use proptest::prelude::*;
    use serde_json::{Value, json};

    use super::*;

    /// Method, path, traceparent, baggage and body text.
    type Flat<'t> = (
        String,
        String,
        Option<String>,
        Option<String>,
        Option<&'t str>,
    );

    /// What the serde pass makes of `text`, as the quick pass reports it.
    fn by_serde(text: &str) -> Option<Flat<'_>> {
        let parts = Parts::of(serde_json::from_str::<View<'_>>(text).ok()?, text);
        Some(flat(parts, text))
    }

    fn flat<'t>(parts: Parts<'_>, text: &'t str) -> Flat<'t> {
        (
            parts.method.into_owned(),
            parts.path.into_owned(),
            parts.headers.traceparent.map(Cow::into_owned),
            parts.headers.baggage.map(Cow::into_owned),
            parts.body.and_then(|range| text.get(range)),
        )
    }

    /// The quick pass answers as serde does, or leaves the answer to it.
    fn agrees(text: &str) -> bool {
        match Parts::quick(text) {
            Some(parts) => Some(flat(parts, text)) == by_serde(text),
            None => true,
        }
    }

    #[test]
    fn the_quick_pass_reads_what_serde_reads_and_no_more() {
        let big = "x".repeat(70_000);
        let texts = [
            json!({"method": "POST", "path": "add", "headers": {"traceparent": "t", "x": "y"},
                   "query_params": {}, "path_params": {"id": "1"}, "body": {"a": 2, "b": 3}})
            .to_string(),
            json!({"body": big, "method": "GET"}).to_string(),
            json!({"body": null, "method": "GET", "extra": [1, {"body": 2}]}).to_string(),
            r#" { "method" : "P\"OST" , "body" : [1, "]}\\\"", {"k": "}"}] , "path":"a\u0041" } "#
                .to_owned(),
            json!({"method": "GET", "trigger": {"type": "http", "path": "p", "method": "GET"},
                   "request_body": {"channel_id": "c", "access_key": "k", "direction": "read"}})
            .to_string(),
        ];
        for text in &texts {
            let quick = Parts::quick(text).map(|p| flat(p, text));
            assert!(quick.is_some(), "read quickly: {text}");
            assert_eq!(quick, by_serde(text), "{text}");
        }
        // Left to serde, which refuses some and reads others.
        for text in [
            r#"{"method":"GET","method":"POST"}"#,
            r#"{"meth\u006fd":"GET"}"#,
            r#"{"method":1}"#,
            r#"{"headers":{"a":1}}"#,
            r#"{"trigger":{"path":"p"}}"#,
            r#"[{}, {}, {}, "", "GET"]"#,
            "null",
        ] {
            assert!(Parts::quick(text).is_none(), "{text}");
        }
        assert_eq!(
            by_serde(r#"{"meth\u006fd":"GET"}"#).map(|p| p.0),
            Some("GET".to_owned())
        );
    }

    /// Mostly one of `names`, else a short name of `other`'s pattern.
    fn name_of(
        names: &'static [&'static str],
        other: &'static str,
    ) -> impl Strategy<Value = String> {
        prop_oneof![
            8 => proptest::sample::select(names).prop_map(str::to_owned),
            1 => other,
        ]
    }

    fn member() -> impl Strategy<Value = (String, Value)> {
        let name = name_of(&MEMBERS, "[a-z]{1,3}");
        // Names that the trigger, channel and header objects use, so that such objects come up.
        let key = name_of(
            &[
                "type",
                "path",
                "channel_id",
                "access_key",
                "direction",
                "traceparent",
            ],
            "[a-z]{1,4}",
        );
        let value = prop_oneof![
            Just(Value::Null),
            any::<i64>().prop_map(Value::from),
            "[a-z\"\\\\}\\]{ ]{0,8}".prop_map(Value::from),
            proptest::collection::hash_map("[a-z]{1,4}", "[a-z\"]{0,4}", 0..3)
                .prop_map(|m| json!(m)),
            proptest::collection::hash_map(key, "[a-z\"\\\\]{0,4}", 0..4).prop_map(|m| json!(m)),
            proptest::collection::vec("[a-z\"\\]}]{0,4}", 0..3).prop_map(|v| json!(v)),
        ];
        (name, value)
    }

    proptest! {
        #[test]
        fn the_quick_pass_never_disagrees_with_serde(
            members in proptest::collection::vec(member(), 0..6),
            pretty in any::<bool>(),
        ) {
            // Written member by member, so that a name may come twice.
            let text = members
                .iter()
                .map(|(name, value)| {
                    let value = if pretty {
                        serde_json::to_string_pretty(value).unwrap_or_default()
                    } else {
                        value.to_string()
                    };
                    format!("{}:{value}", Value::from(name.as_str()))
                })
                .collect::<Vec<_>>()
                .join(if pretty { " ,\n " } else { "," });
            let text = format!("{{{text}}}");
            prop_assert!(agrees(&text), "{}", text);
            // It leaves to serde only what it must: with no known member written twice, an
            // envelope serde reads is one it reads too.
            let repeated = MEMBERS.iter().any(|known| {
                members.iter().filter(|(name, _)| name == known).count() > 1
            });
            if !repeated && by_serde(&text).is_some() {
                prop_assert!(Parts::quick(&text).is_some(), "{}", text);
            }
        }

        #[test]
        fn the_quick_pass_never_panics(text in ".{0,48}") {
            let _ = Parts::quick(&text);
        }
    }
}
