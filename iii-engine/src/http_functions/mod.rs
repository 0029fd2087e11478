//! HTTP-invoked functions: a `registerfunction` with an `invocation` (protocol.md §4.4) is a
//! function the engine calls itself, over HTTP, instead of a worker.
//!
//! At registration ([`HttpFunctions::target`]) the invocation is read, its URL checked
//! against the [`UrlPolicy`] (`policy`), its headers parsed and its secret read from the
//! environment (`auth`): a registration that fails any of these is refused, with the real
//! engine's error code. Each call ([`HttpFunctions::invoke`]) then sends the payload as a
//! JSON body with the real engine's headers
//!
//! | Header | Value |
//! |---|---|
//! | `content-type` | `application/json` |
//! | `x-iii-Function-Path` | the function id |
//! | `x-iii-Invocation-ID` | a UUID per call |
//! | `x-iii-Timestamp` | Unix seconds |
//! | `x-iii-Signature` | `sha256=<hex>` with `hmac` auth (see `auth`) |
//!
//! plus the registration's own headers and its `bearer` or `api_key` header, over a fresh
//! connection (`client`), and maps the answer as the real engine does (`answer`). A request
//! that takes longer than the invocation's `timeout_ms` (default 30 s) fails with
//! `http_request_failed`.
//!
//! This module knows nothing of workers or the registry; the registry keeps each function's
//! [`Target`], and the router calls [`HttpFunctions::invoke`] with it.

mod answer;
mod auth;
mod client;
mod policy;

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST, HeaderMap, HeaderName, HeaderValue};
use http::{Method, Request};
use http_body_util::Full;
use iii_protocol::http_function::HttpInvocation;
use iii_protocol::{ErrorBody, RawValue, Uuid};
use serde::Deserialize;
use serde_json::Value;

use crate::codec::Outcome;
use crate::config::UrlPolicy;
use auth::Auth;
use policy::Checked;

/// A request's timeout when the invocation names none (the real engine's).
const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// How long a registration's DNS check may take.
const LOOKUP_TIMEOUT: Duration = Duration::from_secs(5);
/// The code of an `invocation` that cannot be read.
const INVALID: &str = "invalid_invocation";

/// An HTTP-invoked function, checked and with its secret resolved.
pub(crate) struct Target {
    url: String,
    checked: Checked,
    method: Method,
    /// The registration's headers, the `x-iii-Function-Path` among them.
    headers: HeaderMap,
    timeout: Duration,
    auth: Option<Auth>,
}

/// The engine's client of HTTP-invoked functions.
pub(crate) struct HttpFunctions {
    policy: UrlPolicy,
    /// The largest answer body read.
    max_answer: usize,
}

impl HttpFunctions {
    /// A client that allows the URLs `policy` allows and reads answers up to `max_answer`
    /// bytes.
    pub(crate) fn new(policy: UrlPolicy, max_answer: usize) -> Self {
        Self { policy, max_answer }
    }

    /// Reads and checks the `invocation` of function `function_id`'s registration.
    pub(crate) async fn target(
        &self,
        function_id: &str,
        invocation: &Value,
    ) -> Result<Target, ErrorBody> {
        let invocation = HttpInvocation::deserialize(invocation).map_err(|e| {
            ErrorBody::new(
                INVALID,
                format!("the invocation of {function_id:?} is not {{url, method, timeout_ms, headers, auth}}: {e}"),
            )
        })?;
        let checked = policy::check(&self.policy, &invocation.url)?;
        if self.policy.block_private_ips {
            self.refuse_private_early(&checked).await?;
        }
        let mut headers = HeaderMap::new();
        for (name, value) in invocation.headers.iter().flatten() {
            let (Ok(name), Ok(value)) = (
                HeaderName::try_from(name.as_str()),
                HeaderValue::try_from(value.as_str()),
            ) else {
                return Err(ErrorBody::new(
                    INVALID,
                    format!("the header {name:?}: {value:?} of {function_id:?} is not valid HTTP"),
                ));
            };
            headers.insert(name, value);
        }
        let path = HeaderValue::from_bytes(function_id.as_bytes()).map_err(|_| {
            ErrorBody::new(
                INVALID,
                format!("the function id {function_id:?} cannot be sent in an HTTP header"),
            )
        })?;
        headers.insert(HeaderName::from_static("x-iii-function-path"), path);
        let auth = invocation
            .auth
            .as_ref()
            .map(|a| Auth::resolve(a, |name| std::env::var(name).ok()))
            .transpose()?;
        let timeout = invocation
            .timeout_ms
            .map_or(DEFAULT_TIMEOUT, Duration::from_millis);
        let method =
            Method::from_bytes(invocation.method.as_str().as_bytes()).unwrap_or(Method::POST);
        Ok(Target {
            url: invocation.url,
            checked,
            method,
            headers,
            timeout,
            auth,
        })
    }

    /// Resolves a registration's host now, to refuse a private address at once as the real
    /// engine does (every request resolves and checks again).
    async fn refuse_private_early(&self, checked: &Checked) -> Result<(), ErrorBody> {
        let lookup = policy::addresses(&self.policy, checked);
        match tokio::time::timeout(LOOKUP_TIMEOUT, lookup).await {
            Ok(resolved) => resolved.map(drop),
            Err(_) => Err(ErrorBody::new(
                "url_validation_failed",
                format!(
                    "DNS lookup failed for {:?}: no answer within {LOOKUP_TIMEOUT:?}",
                    checked.host
                ),
            )),
        }
    }

    /// Calls `target` with `data` under `invocation_id`, within the target's timeout.
    pub(crate) async fn invoke(
        &self,
        target: &Target,
        invocation_id: Uuid,
        data: &RawValue,
    ) -> Outcome {
        let timeout = target.timeout;
        match tokio::time::timeout(timeout, self.exchange(target, invocation_id, data)).await {
            Ok(outcome) => outcome,
            Err(_) => Err(ErrorBody::new(
                "http_request_failed",
                format!(
                    "{}: no answer within {} ms (the invocation's timeout_ms)",
                    target.url,
                    timeout.as_millis()
                ),
            )),
        }
    }

    async fn exchange(&self, target: &Target, invocation_id: Uuid, data: &RawValue) -> Outcome {
        let addrs = policy::addresses(&self.policy, &target.checked).await?;
        let body = Bytes::copy_from_slice(data.get().as_bytes());
        let timestamp = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map_err(|e| ErrorBody::new("timestamp_error", e.to_string()))?
            .as_secs();
        let uri = &target.checked.uri;
        // Origin form (`/path?query`) with a `Host` header, as a client sends to the server
        // itself (not to a proxy).
        let path = uri.path_and_query().map_or("/", |p| p.as_str());
        let mut request = Request::builder()
            .method(target.method.clone())
            .uri(path)
            .body(Full::new(body.clone()))
            .map_err(|e| ErrorBody::new("http_request_failed", format!("{}: {e}", target.url)))?;
        let headers = request.headers_mut();
        // The registration's headers first: the engine's own (the timestamp the signature
        // covers among them) and the authentication must not be overridden by them.
        headers.clone_from(&target.headers);
        headers.insert(CONTENT_TYPE, HeaderValue::from_static("application/json"));
        if let Some(authority) = uri.authority()
            && let Ok(host) = HeaderValue::from_str(authority.as_str())
        {
            headers.insert(HOST, host);
        }
        if let Ok(id) = HeaderValue::try_from(invocation_id.to_string()) {
            headers.insert(HeaderName::from_static("x-iii-invocation-id"), id);
        }
        headers.insert(
            HeaderName::from_static("x-iii-timestamp"),
            HeaderValue::from(timestamp),
        );
        if let Some(auth) = &target.auth {
            auth.apply(headers, timestamp, &body);
        }
        let answer = client::send(&addrs, request, self.max_answer).await?;
        answer::outcome(answer)
    }
}
