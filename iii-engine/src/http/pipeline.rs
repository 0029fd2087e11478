//! One request through a matched route, its body read: request and response channels →
//! condition → per-route middleware → invoke → the result envelope, or the streamed response.

use bytes::Bytes;
use http::StatusCode;
use http::request::Parts;
use hyper::body::Incoming;
use iii_protocol::http::HttpErrorBody;
use iii_protocol::{ErrorBody, codes};
use serde_json::Value;
use serde_json::value::RawValue;

use super::answer;
use super::envelope::{self, Resp};
use super::request_data::{self, RequestData};
use super::server::Server;
use super::stream::RequestChannels;
use crate::codec::to_raw;
use crate::limit::InFlight;
use crate::registry::Snapshot;
use crate::registry::route_table::Matched;
use crate::registry::routes::Route;
use crate::router::{Call, Router};
use crate::url::query_params;

/// A request whose route matched.
pub(super) struct Request<'a> {
    pub(super) server: &'a Server,
    /// The registry as the request found it: its invocations resolve functions here too.
    pub(super) snapshot: &'a Snapshot,
    pub(super) matched: Matched,
    /// Upper case.
    pub(super) method: String,
}

/// `500` with the error's code and message; `413` for an invocation too large to send.
fn failed(e: &ErrorBody) -> Resp {
    let status = if e.code == codes::MESSAGE_TOO_LARGE {
        StatusCode::PAYLOAD_TOO_LARGE
    } else {
        StatusCode::INTERNAL_SERVER_ERROR
    };
    envelope::error(status, &e.code, &e.message)
}

impl Request<'_> {
    /// Serves the request up to its response head; `body` is the whole body, or (`Err`) the
    /// body still arriving, for a route that streams it (see `body::streams`).
    pub(super) async fn run(
        self,
        parts: Parts,
        body: Result<Bytes, Incoming>,
        slot: InFlight,
    ) -> Resp {
        let Self {
            server,
            snapshot,
            matched,
            method,
        } = self;
        let Matched { route, path_params } = matched;
        let (channels, body) = match body {
            Ok(body) => (RequestChannels::open(&server.channels, body.clone()), body),
            Err(streaming) => (
                RequestChannels::open_streaming(
                    &server.channels,
                    &server.tasks,
                    streaming,
                    &server.config,
                ),
                Bytes::new(),
            ),
        };
        let query = query_params(parts.uri.query().unwrap_or(""));
        let request = RequestData::new(
            &route,
            &method,
            &path_params,
            &query,
            &parts.headers,
            request_data::body(&parts.headers, &body),
            channels.refs(),
        );
        let data = match to_raw(&request) {
            Ok(raw) => raw,
            Err(e) => return failed(&e),
        };
        let router = &server.router;
        if route.condition.is_some() || !route.middleware.is_empty() {
            // Boxed, as is the streamed response below: few routes have a condition or
            // middleware, and their waits would make every request's future larger, which is
            // copied each time it is moved on its way to its first poll.
            let gate = before_handler(router, snapshot, &route, &request, &data);
            if let Some(answer) = Box::pin(gate).await {
                return answer;
            }
        }
        let call = Call::new(route.function_id.clone(), data).with_metadata(route.metadata.clone());
        match router.invoke_on(snapshot, call).await {
            Ok(None) => {
                let grace = server.config.http_stream_grace;
                match Box::pin(channels.streamed(grace, slot)).await {
                    Some(resp) => resp,
                    None => answer::from_result(None),
                }
            }
            Ok(result) => answer::from_result(result.as_deref()),
            Err(e) => failed(&e),
        }
    }
}

/// The route's condition and middleware, before its function: `Some` answers the request
/// instead (a refused condition, an error, a middleware that responds).
async fn before_handler(
    router: &Router,
    snapshot: &Snapshot,
    route: &Route,
    request: &RequestData<'_>,
    data: &RawValue,
) -> Option<Resp> {
    if let Some(condition) = &route.condition {
        match router
            .allows(snapshot, condition, data.to_owned(), route.metadata.clone())
            .await
        {
            Ok(true) => {}
            Ok(false) => {
                let body =
                    HttpErrorBody::new(codes::CONDITION_NOT_MET, "Request condition not met")
                        .skipped();
                return Some(envelope::json_body(StatusCode::UNPROCESSABLE_ENTITY, &body));
            }
            Err(e) => return Some(failed(&e)),
        }
    }
    if route.middleware.is_empty() {
        return None;
    }
    let input = match to_raw(&request.middleware()) {
        Ok(raw) => raw,
        Err(e) => return Some(failed(&e)),
    };
    for middleware in &route.middleware {
        let call =
            Call::new(middleware.clone(), input.clone()).with_metadata(route.metadata.clone());
        let out = match router.invoke_on(snapshot, call).await {
            Ok(out) => out.and_then(|r| serde_json::from_str::<Value>(r.get()).ok()),
            Err(e) => return Some(failed(&e)),
        };
        if let Some(out) = out.filter(|out| out["action"] == "respond") {
            let response = &out["response"];
            let status = answer::status(response.get("status_code"));
            let headers: Vec<_> = answer::envelope_headers(response.get("headers"))
                .into_iter()
                .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
                .collect();
            return Some(answer::serialize(status, headers, &response["body"]));
        }
    }
    None
}
