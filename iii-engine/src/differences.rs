//! Where iii-engine differs from the real iii engine on purpose.
//!
//! Everything else follows the real engine (0.23, protocol.md), in its own words where
//! clients match on them: error codes, the `FORBIDDEN` and route-conflict messages, the HTTP
//! functions' headers and signature, the `AUTH_ERROR` frame.
//!
//! | Area | The real engine | iii-engine |
//! |---|---|---|
//! | Where listeners bind | `0.0.0.0` | loopback, unless configured (both ports and every further worker listener) |
//! | An HTTP function returning null | streams the `response` channel, or hangs until the timeout | streams it when the worker connects the channel's writer within [`EngineConfig::http_stream_grace`], else answers `200` with an empty body |
//! | HTTP requests over the concurrency limit | queued | `503`; a request counts only once its body is in, and a body still arriving after [`EngineConfig::http_body_timeout`] is `408` |
//! | A path that routes serve for other methods only | `404` | `405` with an `allow` header |
//! | An `invocation_id` that is a string but not a UUID | the frame is dropped | served, and answered under that string |
//! | `stream::send` | sent to the stream socket's subscribers | fires the stream's triggers only: there is no stream socket |
//! | Namespaces | resolved per namespace | `namespace` fields are accepted and ignored: everything resolves in `default`; an access-controlled session's `namespaces` grants count for `default` only, and an `expose_functions` rule for another namespace never matches |
//! | `engine::register_trigger` for a worker-provided type | waits up to 10 s for the provider | forwarded without waiting; there is no `engine::triggers::list` |
//! | `state::update` / `stream::update` operations that do not fit | logged (older engines) | reported in `errors` (`{op_index, code, message}`) |
//! | Taking over what another worker (or the engine) holds | allowed (protocol.md §4.2) | refused: a builtin's id or another live worker's function (`registrationrejected`), a route another binding serves (`triggerregistrationresult` naming its holder), another worker's binding (`engine::unregister_trigger` answers `FORBIDDEN`); a `registertriggertype` for a type the engine implements itself is ignored with a warning |
//! | Browsers | CORS permissive | permissive by default ([`EngineConfig::cors`] can list origins or turn it off); while bound to loopback a foreign `Host` is `403` ([`EngineConfig::allow_any_host`]); a worker-port upgrade with a browser `Origin` is `403` unless [`EngineConfig::ws_allowed_origins`] lists it |
//! | Large messages | library limits on receipt only | sent in fragments past [`EngineConfig::max_frame_bytes`]; past [`EngineConfig::max_message_bytes`] not sent at all, and the caller gets `message_too_large` (an HTTP client `413`) |
//! | Close frames | no code or reason | `1007` invalid UTF-8, `1009` over the limits, `1002` another protocol violation, `1000` replaced by a reattaching connection, `1001` engine shutting down, `1008` authentication failed |
//! | What one worker can make the engine hold | unbounded | bounded: functions and bindings per connection ([`EngineConfig::max_functions_per_worker`], [`EngineConfig::max_triggers_per_worker`]; `engine::register_trigger` bindings share one cap), sockets ([`EngineConfig::max_connections`]), calls in flight per worker ([`EngineConfig::max_calls_per_worker`], [`EngineConfig::max_call_bytes_per_worker`]; calls to one target take at most half of that room), the time a frame may take to reach a worker ([`EngineConfig::write_timeout`]), deliveries per subscriber ([`EngineConfig::delivery_concurrency`], [`EngineConfig::delivery_queue`]), the dead-letter list (64 MiB), channel buffers (16 MiB) |
//! | HTTP-invoked functions: availability | only with the `iii-http-functions` worker configured; otherwise the registration is logged and ignored | always, under [`EngineConfig::http_functions`] (the real engine's policy by default: HTTPS only, no private addresses) |
//! | HTTP-invoked functions: transport | HTTP and HTTPS | plain HTTP only (no TLS client): an `https://` URL is refused at registration, so `require_https: false` is needed to use them |
//! | HTTP-invoked functions: addresses | checked, then connected by name | every request connects to the very addresses it checked (no DNS rebinding in between), and an IPv4 address written as IPv6 (`::ffff:127.0.0.1`) counts as the IPv4 one |
//! | HTTP-invoked functions: request | a fresh `x-iii-Invocation-ID`; the registration's headers are sent beside the engine's | `x-iii-Invocation-ID` is the caller's invocation id when it gave one; the registration's headers never replace the engine's own (`x-iii-*`, `content-type`, `host`) or the authentication |
//! | A refused registration (HTTP function checks, an access-controlled listener's hooks and flags) | logged; the registration silently does nothing | answered at once: `registrationrejected` with code `FUNCTION_NAMESPACE_CONFLICT` (the only one SDKs survive) and the reason in `message` for a function; `triggerregistrationresult` with `FORBIDDEN` for a trigger, or a trigger type (under the type's id) |
//! | A call refused `FORBIDDEN` without an `invocation_id` (void) | answered under an invented id | not answered (logged) |
//! | The auth function and the registration hooks | waited for without bound | bounded: the auth function by [`EngineConfig::handshake_timeout`] (then `AUTH_ERROR`), a hook by 10 s (then refused) |
//! | A hook's answer | a `config: null` in a trigger hook's answer replaces the trigger's config | only the fields it sets to non-null values change the registration |
//! | The middleware's input | the caller's payload as sent | the same, plus the `_caller_worker_id` the engine adds to every worker call's object payload |
//! | `engine::log::*` | part of the engine's observability | written to the engine's own log (target `iii::worker`); `engine::baggage::*` is not provided |
//!
//! [`EngineConfig::http_stream_grace`]: crate::EngineConfig::http_stream_grace
//! [`EngineConfig::http_body_timeout`]: crate::EngineConfig::http_body_timeout
//! [`EngineConfig::cors`]: crate::EngineConfig::cors
//! [`EngineConfig::allow_any_host`]: crate::EngineConfig::allow_any_host
//! [`EngineConfig::ws_allowed_origins`]: crate::EngineConfig::ws_allowed_origins
//! [`EngineConfig::max_frame_bytes`]: crate::EngineConfig::max_frame_bytes
//! [`EngineConfig::max_message_bytes`]: crate::EngineConfig::max_message_bytes
//! [`EngineConfig::max_functions_per_worker`]: crate::EngineConfig::max_functions_per_worker
//! [`EngineConfig::max_triggers_per_worker`]: crate::EngineConfig::max_triggers_per_worker
//! [`EngineConfig::max_connections`]: crate::EngineConfig::max_connections
//! [`EngineConfig::max_calls_per_worker`]: crate::EngineConfig::max_calls_per_worker
//! [`EngineConfig::max_call_bytes_per_worker`]: crate::EngineConfig::max_call_bytes_per_worker
//! [`EngineConfig::write_timeout`]: crate::EngineConfig::write_timeout
//! [`EngineConfig::delivery_concurrency`]: crate::EngineConfig::delivery_concurrency
//! [`EngineConfig::delivery_queue`]: crate::EngineConfig::delivery_queue
//! [`EngineConfig::http_functions`]: crate::EngineConfig::http_functions
//! [`EngineConfig::handshake_timeout`]: crate::EngineConfig::handshake_timeout
