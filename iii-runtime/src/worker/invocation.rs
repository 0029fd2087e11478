//! [`Invocation`]: one incoming invocation as a handler adapter sees it — its input
//! (unwrapped from the HTTP envelope when an HTTP trigger fired it), its [`Context`] and the
//! worker's shared state.

use std::ops::Range;
use std::sync::{Arc, LazyLock};

#[cfg(feature = "testing")]
use iii_protocol::RawValue;
use iii_protocol::http::HttpRequest;
use serde::de::DeserializeOwned;

use super::context::Context;
use super::envelope::Envelope;
use super::handle::Worker;
use crate::caller_cut::{CALLER_KEY, Cut, Found};
use crate::error::{Error, Result};
use crate::incoming::{Incoming, Payload};
use crate::stamp::Secret;
use crate::state_map::StateMap;
use crate::trigger::TriggerKind;

/// An invocation as a handler adapter sees it.
#[derive(Debug)]
pub struct Invocation {
    /// The payload as it came, valid JSON: the input, or the HTTP envelope holding it.
    text: Payload,
    /// Where the input lies in `text`; `None` for an HTTP request without a JSON body.
    input: Option<Range<usize>>,
    http: Option<Box<Envelope>>,
    ctx: Context,
    /// The worker's shared state; `None` until it is given (most invocations are, at once).
    states: Option<Arc<StateMap>>,
    /// The input was read whole as a call's, which took the caller id out of it (if any).
    caller_read: bool,
}

impl Invocation {
    /// Splits an `invokefunction` into input, HTTP request parts and context.
    ///
    /// An invocation that one of this worker's own `http` triggers fired (its metadata carries
    /// the stamp of `secret`, the connection's) is unwrapped from the HTTP request envelope, so
    /// the same function serves HTTP and direct calls. Any other payload is the input as it
    /// came, whatever its shape: an envelope-shaped object from another worker is its data.
    pub(crate) fn new(call: Incoming, worker: Worker, secret: &Secret) -> Self {
        let Incoming {
            invocation_id,
            function_id,
            data,
            traceparent,
            baggage,
            metadata,
        } = call;
        let (fired_by, metadata) = secret.open(metadata.as_deref());
        let trigger = fired_by
            .as_deref()
            .map_or(TriggerKind::Call, TriggerKind::of_type);
        let text = data;
        // Read only when the stamp says an HTTP trigger fired it: no look at other payloads.
        let envelope = if trigger == TriggerKind::Http {
            Envelope::read(text.get())
        } else {
            None
        };
        let (input, http) = match envelope {
            Some((envelope, body)) => (body, Some(Box::new(envelope))),
            None => (Some(0..text.get().len()), None),
        };
        Self {
            text,
            input,
            http,
            ctx: Context {
                worker,
                function_id,
                invocation_id,
                metadata,
                caller_worker_id: None,
                traceparent,
                baggage,
                trigger,
            },
            states: None,
            caller_read: false,
        }
    }

    /// An invocation built by a test (`iii::testing::TestInvocation`): its input, the HTTP
    /// request that carried it, its context and the states.
    #[cfg(feature = "testing")]
    pub(crate) fn from_parts(
        input: Box<RawValue>,
        http: Option<HttpRequest>,
        ctx: Context,
        states: Arc<StateMap>,
    ) -> Self {
        let text = Payload::from(String::from(Box::<str>::from(input)));
        Self {
            input: Some(0..text.get().len()),
            text,
            http: http.map(|request| Box::new(Envelope::of(request))),
            ctx,
            states: Some(states),
            caller_read: false,
        }
    }

    /// Hands the worker's shared state to this invocation (for `State<T>` parameters).
    pub(crate) fn set_states(&mut self, states: Arc<StateMap>) {
        self.states = Some(states);
    }

    /// The shared state given to the worker at start-up.
    pub fn states(&self) -> &StateMap {
        /// What an invocation that was given no state sees: none.
        static NONE: LazyLock<StateMap> = LazyLock::new(StateMap::default);
        self.states.as_deref().unwrap_or(&NONE)
    }

    /// Deserializes the input (for HTTP, the request body) into `T`.
    ///
    /// # Errors
    /// [`Error::InvalidInput`] naming the offending field path and what was wrong.
    pub fn input<T: DeserializeOwned>(&mut self) -> Result<T> {
        let input = self.raw_input();
        if self.http.is_some() {
            // The request's headers explain a missing body: only then is it read whole.
            if input.trim() == "null"
                && let Some(req) = self.http()
            {
                return missing_http_body::<T>(req);
            }
            return from_text(input);
        }
        // The engine adds the caller's worker id to object payloads of worker-to-worker calls;
        // it is passed over while the input deserializes (no search of the text, no copy), so
        // that strict (`deny_unknown_fields`) input types still deserialize.
        let (read, caller) = match from_call_text::<T>(input) {
            Some(read) => read,
            // A `RawValue` is the text itself: the member is cut from a copy.
            None => match crate::strip::remove_member(input, CALLER_KEY) {
                Some((text, caller)) => (from_text(&text), caller),
                None => (from_text(input), None),
            },
        };
        // A read that got through the whole object saw the caller id, if there was one.
        self.caller_read = read.is_ok();
        self.ctx.caller_worker_id = caller;
        read
    }

    /// The input as it came (for HTTP, the request body: `null` when there is none), before
    /// any deserialization.
    pub(crate) fn raw_input(&self) -> &str {
        self.input
            .clone()
            .and_then(|range| self.text.get().get(range))
            .unwrap_or("null")
    }

    /// The invocation context.
    pub fn context(&self) -> &Context {
        &self.ctx
    }

    /// A copy of the context for the handler (it holds a `Worker` handle, ids and metadata).
    pub fn take_context(&mut self) -> Context {
        // The engine injects the caller's id only into worker-to-worker calls; an HTTP body
        // that carries one is the client's data, not a caller id.
        // Looked for only when the input was not read (which found it, if it was there).
        if !self.caller_read && self.http.is_none() && self.raw_input().contains(CALLER_KEY) {
            // A handler without an input parameter still learns who called it.
            #[derive(serde::Deserialize)]
            struct Caller {
                #[serde(rename = "_caller_worker_id")]
                id: Option<String>,
            }
            if let Ok(Caller { id }) = serde_json::from_str(self.raw_input()) {
                self.ctx.caller_worker_id = id;
            }
        }
        self.ctx.clone()
    }

    /// The HTTP request, when an HTTP trigger fired this invocation (its `body` is moved out
    /// into the input). Its maps are read from the envelope the first time this is called.
    pub fn http(&self) -> Option<&HttpRequest> {
        Some(self.http.as_ref()?.request(self.text.get()))
    }

    /// The HTTP request's method and route template, without reading the rest of it.
    #[cfg(any(feature = "otel", test))]
    pub(crate) fn http_route(&self) -> Option<(&str, &str)> {
        Some(self.http.as_deref()?.route(self.text.get()))
    }

    /// The HTTP request's `traceparent` and `baggage` headers, without reading the rest of it
    /// (`None` when no HTTP trigger fired this invocation).
    pub(crate) fn http_trace_headers(&self) -> Option<(Option<&str>, Option<&str>)> {
        Some(self.http.as_deref()?.trace_headers(self.text.get()))
    }
}

fn missing_http_body<T: DeserializeOwned>(req: &HttpRequest) -> Result<T> {
    // A handler whose input accepts `null` (unit, `Option`) is fine without a body.
    if let Ok(v) = serde_json::from_str::<T>("null") {
        return Ok(v);
    }
    let content_type = req
        .headers
        .get("content-type")
        .map(String::as_str)
        .unwrap_or("");
    let has_body = req
        .headers
        .get("content-length")
        .is_some_and(|l| l.trim() != "0")
        || req.headers.contains_key("transfer-encoding");
    // No body at all, for an input whose fields all have defaults: the empty object.
    if !has_body && let Ok(v) = serde_json::from_str::<T>("{}") {
        return Ok(v);
    }
    let message = if !content_type.contains("application/json") {
        "expected a JSON request body with `content-type: application/json`".to_owned()
    } else if has_body {
        "the request body is not valid JSON".to_owned()
    } else {
        "the request body is empty; a JSON value is expected".to_owned()
    };
    Err(Error::InvalidInput {
        message,
        path: None,
    })
}

/// Deserializes `text` into `T`. The path of a bad field is only wanted once there is an
/// error, and tracking it costs on every value: plain serde first, and only when it fails the
/// same text again through `serde_path_to_error` for the error with its path (the input is the
/// same, so is the error).
fn from_text<T: DeserializeOwned>(text: &str) -> Result<T> {
    if let Ok(value) =
        serde::Deserialize::deserialize(&mut serde_json::Deserializer::from_str(text))
    {
        return Ok(value);
    }
    let mut de = serde_json::Deserializer::from_str(text);
    serde_path_to_error::deserialize(&mut de).map_err(invalid_input)
}

/// [`from_text`] for a worker-to-worker call's input, without its caller id member: what was
/// read and the caller id, or `None` when the input is a `RawValue` (the text itself).
fn from_call_text<T: DeserializeOwned>(text: &str) -> Option<(Result<T>, Option<String>)> {
    let mut found = Found::default();
    let read = T::deserialize(Cut::new(
        &mut serde_json::Deserializer::from_str(text),
        &mut found,
    ));
    if found.raw {
        return None;
    }
    if let Ok(value) = read {
        return Some((Ok(value), found.caller));
    }
    let mut found = Found::default();
    let mut de = serde_json::Deserializer::from_str(text);
    let read = serde_path_to_error::deserialize(Cut::new(&mut de, &mut found));
    Some((read.map_err(invalid_input), found.caller))
}

fn invalid_input(e: serde_path_to_error::Error<serde_json::Error>) -> Error {
    let path = e.path().to_string();
    let inner = e.into_inner();
    // serde_json appends " at line L column C", which means nothing to an HTTP client.
    let message = inner.to_string();
    let message = match message.rfind(" at line ") {
        Some(i) if inner.line() > 0 => message[..i].to_owned(),
        _ => message,
    };
    Error::InvalidInput {
        message,
        path: (path != ".").then_some(path),
    }
}

#[cfg(test)]
#[path = "invocation_tests.rs"]
mod tests;

#[cfg(test)]
#[path = "invocation_properties.rs"]
mod properties;
