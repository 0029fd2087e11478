//! The HTTP trigger server: serves the routes that `http` triggers register.
//!
//! Pipeline per request: concurrency permit → route match → body (bounded) → request and
//! response channels → condition → per-route middleware → invoke → map the result envelope, or
//! stream the response channel. The pipeline up to the response head is bounded by the
//! configured timeout. Every response carries permissive CORS headers
//! (`access-control-allow-origin: *`, `access-control-expose-headers: *`), and `OPTIONS` on any
//! path without an `OPTIONS` route is answered as a CORS preflight (`204`).
//!
//! A `status_code` outside `200..=599` in a handler's (or middleware's) response (`101`, `100`,
//! `42`, …) is answered `200`: informational statuses cannot carry a response.
//!
//! A null (or absent) function result is answered by streaming the `response` channel when the
//! worker connects its writer within [`EngineConfig::http_stream_grace`]; otherwise with `200`
//! and an empty body (the real engine would wait for the channel until the timeout).
//! More than [`EngineConfig::concurrency_request_limit`] requests at once are answered `503`
//! `{"error":{"code":"SERVICE_UNAVAILABLE",…}}` instead of queueing.
//!
//! [`EngineConfig::http_stream_grace`]: crate::EngineConfig::http_stream_grace
//! [`EngineConfig::concurrency_request_limit`]: crate::EngineConfig::concurrency_request_limit

pub(crate) mod envelope;
pub(crate) mod routes;
mod stream;

use std::convert::Infallible;
use std::sync::Arc;

use bytes::Bytes;
use http::{HeaderValue, Request, StatusCode, header};
use http_body_util::{BodyExt, Limited};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use iii_protocol::ErrorBody;
use serde_json::{Value, json};
use tokio::net::TcpListener;
use tokio::sync::OwnedSemaphorePermit;

use crate::hub::Hub;
use crate::router::{self, Call};
use crate::triggers::condition_allows;
use envelope::Resp;
use routes::Matched;

/// Accepts HTTP connections until the engine stops.
pub(crate) async fn serve(hub: Arc<Hub>, listener: TcpListener) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = hub.shutdown.wait() => return,
        };
        let (stream, _) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!("http accept failed: {e}");
                continue;
            }
        };
        let hub2 = hub.clone();
        hub.tasks.spawn(async move {
            let svc = service_fn(|req| {
                let hub = hub2.clone();
                async move { Ok::<_, Infallible>(with_cors(handle(&hub, req).await)) }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Some(hub2.config.handshake_timeout))
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                r = conn => if let Err(e) = r { tracing::debug!("http connection: {e}") },
                () = hub2.shutdown.wait() => {}
            }
        });
    }
}

/// The permissive default CORS policy: any origin, every response header exposed.
fn with_cors(mut resp: Resp) -> Resp {
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_ORIGIN,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_EXPOSE_HEADERS,
        HeaderValue::from_static("*"),
    );
    resp
}

async fn handle(hub: &Arc<Hub>, req: Request<Incoming>) -> Resp {
    let Ok(permit) = hub.http_permits.clone().try_acquire_owned() else {
        tracing::warn!(
            "HTTP request refused: {} requests already in flight",
            hub.config.concurrency_request_limit
        );
        return envelope::error(
            StatusCode::SERVICE_UNAVAILABLE,
            "SERVICE_UNAVAILABLE",
            "too many concurrent requests",
        );
    };
    let method = req.method().as_str().to_ascii_uppercase();
    let path = req.uri().path().to_owned();
    let matched = hub.registry().routes.find(&method, &path);
    let Some(matched) = matched else {
        // Preflights are answered on any path, as the permissive default CORS layer does.
        if method == "OPTIONS" {
            return preflight();
        }
        return envelope::error(StatusCode::NOT_FOUND, "NOT_FOUND", "Not Found");
    };
    let too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > hub.config.max_body_bytes as u64);
    if too_large {
        return payload_too_large(hub);
    }
    let pipeline = pipeline(hub, matched, method, req, permit);
    match tokio::time::timeout(hub.config.http_timeout, pipeline).await {
        Ok(resp) => resp,
        Err(_) => envelope::empty(StatusCode::GATEWAY_TIMEOUT),
    }
}

fn payload_too_large(hub: &Hub) -> Resp {
    envelope::error(
        StatusCode::PAYLOAD_TOO_LARGE,
        "PAYLOAD_TOO_LARGE",
        &format!("request body exceeds {} bytes", hub.config.max_body_bytes),
    )
}

fn preflight() -> Resp {
    let mut resp = envelope::empty(StatusCode::NO_CONTENT);
    let h = resp.headers_mut();
    h.insert(
        header::ACCESS_CONTROL_ALLOW_METHODS,
        HeaderValue::from_static("GET, POST, PUT, DELETE, PATCH, HEAD, OPTIONS"),
    );
    h.insert(
        header::ACCESS_CONTROL_ALLOW_HEADERS,
        HeaderValue::from_static("*"),
    );
    h.insert(
        header::ACCESS_CONTROL_MAX_AGE,
        HeaderValue::from_static("86400"),
    );
    resp
}

/// 500 with the error's code and message.
fn failed(e: &ErrorBody) -> Resp {
    envelope::error(StatusCode::INTERNAL_SERVER_ERROR, &e.code, &e.message)
}

async fn pipeline(
    hub: &Arc<Hub>,
    matched: Matched,
    method: String,
    req: Request<Incoming>,
    permit: OwnedSemaphorePermit,
) -> Resp {
    let Matched { route, path_params } = matched;
    let (parts, body) = req.into_parts();
    let body: Bytes = match Limited::new(body, hub.config.max_body_bytes)
        .collect()
        .await
    {
        Ok(collected) => collected.to_bytes(),
        Err(e) if e.is::<http_body_util::LengthLimitError>() => return payload_too_large(hub),
        Err(e) => {
            tracing::debug!("reading request body: {e}");
            return envelope::error(StatusCode::BAD_REQUEST, "BAD_REQUEST", "unreadable body");
        }
    };
    let channels = stream::RequestChannels::open(hub, body.clone());
    let data = envelope::request(
        &route,
        &method,
        &path_params,
        parts.uri.query(),
        &parts.headers,
        &body,
        &channels.refs,
    );
    let metadata = hub
        .registry()
        .triggers
        .get(&route.trigger_id)
        .and_then(|t| t.metadata.clone());
    if let Some(condition) = &route.condition {
        match condition_allows(hub, condition, &data, metadata.clone()).await {
            Ok(true) => {}
            Ok(false) => {
                let body = json!({"error": {"code": "CONDITION_NOT_MET",
                    "message": "Request condition not met"}, "skipped": true});
                return envelope::serialize(StatusCode::UNPROCESSABLE_ENTITY, Vec::new(), &body);
            }
            Err(e) => return failed(&e),
        }
    }
    for middleware in &route.middleware {
        let input = json!({"phase": "preHandler", "request": {
            "path_params": data["path_params"], "query_params": data["query_params"],
            "headers": data["headers"], "method": method}, "context": {}});
        match call(hub, middleware, &input, metadata.clone()).await {
            Ok(Some(out)) if out["action"] == "respond" => {
                let response = &out["response"];
                let status = envelope::status(response.get("status_code"));
                let headers: Vec<_> = envelope::envelope_headers(response.get("headers"))
                    .into_iter()
                    .filter(|(k, _)| !k.eq_ignore_ascii_case("content-type"))
                    .collect();
                return envelope::serialize(status, headers, &response["body"]);
            }
            Ok(_) => {}
            Err(e) => return failed(&e),
        }
    }
    let data = match iii_protocol::raw::to_raw(&data) {
        Ok(raw) => raw,
        Err(e) => return failed(&ErrorBody::new("serialization_error", e.to_string())),
    };
    let call = Call::new(route.function_id.clone(), data).with_metadata(metadata);
    match router::invoke(hub, call).await {
        Ok(None) => {
            let grace = hub.config.http_stream_grace;
            match channels.streamed(grace, Some(permit)).await {
                Some(resp) => resp,
                None => envelope::from_result(None),
            }
        }
        Ok(result) => envelope::from_result(result.as_deref()),
        Err(e) => failed(&e),
    }
}

/// Invokes a helper function (middleware) and parses its result.
async fn call(
    hub: &Arc<Hub>,
    function_id: &str,
    input: &Value,
    metadata: Option<Value>,
) -> Result<Option<Value>, ErrorBody> {
    let data = iii_protocol::raw::to_raw(input)
        .map_err(|e| ErrorBody::new("serialization_error", e.to_string()))?;
    let result = router::invoke(hub, Call::new(function_id, data).with_metadata(metadata)).await?;
    Ok(result.and_then(|r| serde_json::from_str(r.get()).ok()))
}
