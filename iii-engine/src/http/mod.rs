//! The HTTP trigger server: serves the routes that `http` triggers register.
//!
//! Pipeline per request: `Host` check → route match → body (bounded in size and time) →
//! concurrency permit → request and response channels → condition → per-route middleware →
//! invoke → map the result envelope, or stream the response channel. The pipeline after the
//! body, up to the response head, is bounded by the configured timeout. By default every
//! response carries permissive CORS headers (`access-control-allow-origin: *`,
//! `access-control-expose-headers: *`) and `OPTIONS` on any path without an `OPTIONS` route is
//! answered as a CORS preflight (`204`), as the real engine does;
//! [`EngineConfig::cors`](crate::EngineConfig::cors) narrows that to a list of origins or turns
//! it off.
//!
//! A path that routes serve for other methods only is answered `405` with an `allow` header
//! (the real engine answers `404`). While the port is bound to loopback, a request whose
//! `Host` names another machine is answered `403` (a DNS-rebinding guard,
//! [`EngineConfig::allow_any_host`](crate::EngineConfig::allow_any_host)). A body still
//! arriving after [`EngineConfig::http_body_timeout`](crate::EngineConfig::http_body_timeout)
//! is answered `408`, and a request counts against the concurrency limit only once its body
//! is in, so slow clients cannot hold the places other requests need.
//!
//! A `status_code` outside `200..=599` in a handler's (or middleware's) response (`101`, `100`,
//! `42`, …) is answered `200`: informational statuses cannot carry a response.
//!
//! A route whose `http` trigger config says `"stream_body": true` (the runtime sets it for
//! functions that read the raw body) gets bodies that are not JSON streamed through the
//! request channel as they arrive: bounded by
//! [`EngineConfig::max_stream_body_bytes`](crate::EngineConfig::max_stream_body_bytes) rather
//! than the inline limit, each chunk within the body deadline, the request counted against the
//! concurrency limit from the start.
//!
//! A null (or absent) function result is answered by streaming the `response` channel when the
//! worker connects its writer within [`EngineConfig::http_stream_grace`]; otherwise with `200`
//! and an empty body (the real engine would wait for the channel until the timeout).
//! More than [`EngineConfig::concurrency_request_limit`] requests at once are answered `503`
//! `{"error":{"code":"SERVICE_UNAVAILABLE",…}}` instead of queueing.
//!
//! A request reads the registry once: the snapshot it matches its route in is the one its
//! invocations resolve their functions in.
//!
//! [`EngineConfig::http_stream_grace`]: crate::EngineConfig::http_stream_grace
//! [`EngineConfig::concurrency_request_limit`]: crate::EngineConfig::concurrency_request_limit

mod answer;
mod body;
mod compact;
mod cors;
mod deadline;
pub(crate) mod envelope;
mod guard;
pub(crate) mod listener;
mod pipeline;
mod request_data;
pub(crate) mod server;
mod stream;
