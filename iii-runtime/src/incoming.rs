//! [`Incoming`]: an invocation as the engine sent it, from the moment the reader decodes its
//! frame until a handler runs it, waits for a slot or is refused.
//!
//! It is [`InvokeFunction`] with the metadata kept as text: most invocations carry none, or
//! only the stamp of one of the worker's own triggers (see `stamp`), which is read from the
//! text without building a `serde_json::Value` tree. The reader decodes the frames it
//! recognises at a glance itself ([`Incoming::decode`]), accepting exactly what
//! [`Message::decode`](iii_protocol::Message::decode) accepts for an `invokefunction`; any
//! other spelling goes through `Message::decode` and is converted.

use std::borrow::Cow;
use std::ops::Range;

use iii_protocol::{InvokeAction, InvokeFunction, RawValue, Uuid, raw};
use serde::Deserialize;
use tokio_tungstenite::tungstenite::Utf8Bytes;

/// How the frames this side decodes itself begin: the tag first, as the engines write it.
const PREFIX: &str = r#"{"type":"invokefunction""#;

/// An incoming invocation.
#[derive(Debug)]
pub(crate) struct Incoming {
    /// Correlates the answer; absent means the caller wants none.
    pub(crate) invocation_id: Option<Uuid>,
    /// The target function.
    pub(crate) function_id: String,
    /// The payload.
    pub(crate) data: Payload,
    /// W3C trace context.
    pub(crate) traceparent: Option<String>,
    /// W3C baggage.
    pub(crate) baggage: Option<String>,
    /// The metadata sidecar, as JSON text.
    pub(crate) metadata: Option<Box<RawValue>>,
}

/// `InvokeFunction`'s members as the runtime reads them: the same members, defaults and
/// order (serde reads a struct from an array too), each accepting the same JSON.
#[derive(Deserialize)]
struct Frame<'a> {
    #[serde(default)]
    invocation_id: Option<Uuid>,
    function_id: String,
    #[serde(default, borrow)]
    data: Option<&'a RawValue>,
    #[serde(default)]
    traceparent: Option<String>,
    #[serde(default)]
    baggage: Option<String>,
    /// Checked only: an engine never asks a worker for an action.
    #[serde(default, rename = "action")]
    _action: Option<InvokeAction>,
    #[serde(default)]
    metadata: Option<Box<RawValue>>,
    /// Checked only: the namespace of a call the worker makes.
    #[serde(default, borrow, rename = "namespace")]
    _namespace: Option<Cow<'a, str>>,
}

impl Incoming {
    /// Decodes `text` when it is an `invokefunction` frame written tag first; `None` for any
    /// other frame (which `Message::decode` reads). A frame that starts like one but is not
    /// well formed is an error, as `Message::decode` would report it.
    pub(crate) fn decode(bytes: &Utf8Bytes) -> Option<Result<Self, serde_json::Error>> {
        let text = bytes.as_str();
        let rest = text.strip_prefix(PREFIX)?;
        // The tag is the whole string `invokefunction`, not the start of a longer one.
        if !rest.trim_start().starts_with([',', '}']) {
            return None;
        }
        Some(serde_json::from_str::<Frame<'_>>(text).map(|frame| {
            Self {
                invocation_id: frame.invocation_id,
                function_id: frame.function_id,
                data: frame
                    .data
                    .map_or_else(Payload::null, |data| Payload::within(bytes, data)),
                traceparent: frame.traceparent,
                baggage: frame.baggage,
                metadata: frame.metadata,
            }
        }))
    }
}

impl From<InvokeFunction> for Incoming {
    fn from(call: InvokeFunction) -> Self {
        Self {
            invocation_id: call.invocation_id,
            function_id: call.function_id,
            data: Payload::from(String::from(Box::<str>::from(call.data))),
            traceparent: call.traceparent,
            baggage: call.baggage,
            // A `Value` always encodes.
            metadata: call.metadata.and_then(|m| raw::to_raw(&m).ok()),
        }
    }
}

/// An invocation's payload, valid JSON: a large one stays in the frame it came in (no copy),
/// a small one is copied out, so that calls waiting in a queue hold their own few bytes and
/// not each a reader's buffer.
#[derive(Debug, Clone)]
pub(crate) struct Payload {
    text: Utf8Bytes,
    range: Range<usize>,
}

/// Payloads from this size up are read where they are, in the frame.
const SHARED_FROM: usize = 4 * 1024;

impl Payload {
    /// The JSON `null`.
    pub(crate) fn null() -> Self {
        Self::from(Utf8Bytes::from_static("null"))
    }

    /// The payload `data`, a part of the text of `frame`.
    fn within(frame: &Utf8Bytes, data: &RawValue) -> Self {
        let text = data.get();
        let start = (text.as_ptr() as usize).wrapping_sub(frame.as_str().as_ptr() as usize);
        let range = start..start.saturating_add(text.len());
        match frame.as_str().get(range.clone()) {
            Some(within) if text.len() >= SHARED_FROM && std::ptr::eq(within, text) => Self {
                text: frame.clone(),
                range,
            },
            _ => Self::from(text.to_owned()),
        }
    }

    /// The payload's JSON text.
    pub(crate) fn get(&self) -> &str {
        self.text.as_str().get(self.range.clone()).unwrap_or("null")
    }
}

impl From<String> for Payload {
    fn from(text: String) -> Self {
        Self::from(Utf8Bytes::from(text))
    }
}

impl From<Utf8Bytes> for Payload {
    fn from(text: Utf8Bytes) -> Self {
        Self {
            range: 0..text.len(),
            text,
        }
    }
}

#[cfg(test)]
mod tests {
    use iii_protocol::Message;

    use super::*;

    /// What `Message::decode` makes of `text`, as an `Incoming`.
    fn oracle(text: &str) -> Option<Result<Incoming, ()>> {
        match Message::decode(text) {
            Ok(Message::InvokeFunction(call)) => Some(Ok(call.into())),
            Ok(_) => None,
            Err(_) => Some(Err(())),
        }
    }

    fn same(a: &Incoming, b: &Incoming) -> bool {
        a.invocation_id == b.invocation_id
            && a.function_id == b.function_id
            && a.data.get() == b.data.get()
            && a.traceparent == b.traceparent
            && a.baggage == b.baggage
            && a.metadata
                .as_ref()
                .map(|m| serde_json::from_str::<serde_json::Value>(m.get()).ok())
                == b.metadata
                    .as_ref()
                    .map(|m| serde_json::from_str::<serde_json::Value>(m.get()).ok())
    }

    #[test]
    fn the_frames_read_here_read_as_message_decode_reads_them() {
        let id = "0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59";
        let frames = [
            format!(r#"{{"type":"invokefunction","invocation_id":"{id}","function_id":"f","data":{{"a":1}}}}"#),
            r#"{"type":"invokefunction","function_id":"f"}"#.to_owned(),
            r#"{"type":"invokefunction" , "function_id":"f","data":null,"metadata":null}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f","metadata":{"__iii":{"key":"k","type":"http","meta":"none"}}}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f","metadata":[1,"x"],"traceparent":"t","baggage":"b"}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f","action":{"type":"void"},"namespace":"ns"}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f\u0021","unknown":{"x":[1,2]}}"#.to_owned(),
            // Refused alike:
            r#"{"type":"invokefunction","data":1}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f","function_id":"g"}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":7}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f","invocation_id":"nope"}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f","action":{"type":"bogus"}}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f","namespace":1}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f","data":}"#.to_owned(),
            r#"{"type":"invokefunction","function_id":"f"} trailing"#.to_owned(),
        ];
        for text in &frames {
            let ours = Incoming::decode(&Utf8Bytes::from(text.clone())).expect("read here");
            match (ours, oracle(text).expect("an invocation or an error")) {
                (Ok(a), Ok(b)) => assert!(same(&a, &b), "{text}"),
                (Err(_), Err(())) => {}
                (a, b) => panic!("{text}: {a:?} vs {b:?}"),
            }
        }
    }

    #[test]
    fn other_frames_are_left_to_message_decode() {
        for text in [
            r#"{"type":"invokefunctions","function_id":"f"}"#,
            r#"{"type":"invocationresult","invocation_id":"0d4f6c6a-2f8e-4f53-9a0e-5f1d2c3b4a59"}"#,
            r#"{ "type":"invokefunction","function_id":"f"}"#,
            r#"{"function_id":"f","type":"invokefunction"}"#,
        ] {
            assert!(
                Incoming::decode(&Utf8Bytes::from(text.to_owned())).is_none(),
                "{text}"
            );
        }
    }

    #[test]
    fn a_large_payload_stays_in_its_frame_and_a_small_one_is_copied_out() {
        let frame = |data: &str| {
            Utf8Bytes::from(format!(
                r#"{{"type":"invokefunction","function_id":"f","data":{data},"traceparent":"t"}}"#
            ))
        };
        let large = format!(r#"{{"s":"{}"}}"#, "x".repeat(SHARED_FROM));
        let bytes = frame(&large);
        let call = Incoming::decode(&bytes).expect("read here").expect("valid");
        assert_eq!(call.data.get(), large);
        let within = bytes.as_str().as_bytes().as_ptr_range();
        assert!(
            within.contains(&call.data.get().as_ptr()),
            "shared, not copied"
        );
        assert_eq!(call.traceparent.as_deref(), Some("t"));

        let bytes = frame(r#"{"a":1}"#);
        let call = Incoming::decode(&bytes).expect("read here").expect("valid");
        assert_eq!(call.data.get(), r#"{"a":1}"#);
        let within = bytes.as_str().as_bytes().as_ptr_range();
        assert!(!within.contains(&call.data.get().as_ptr()), "copied out");

        let bytes = frame("null");
        let call = Incoming::decode(&bytes).expect("read here").expect("valid");
        assert_eq!(call.data.get(), "null");
    }
}
