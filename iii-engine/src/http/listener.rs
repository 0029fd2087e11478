//! The HTTP listener: accepts connections; per request checks the `Host` (`guard`), matches
//! the route (`404`, `405`, preflights), reads the body (`body`), applies the concurrency
//! limit and bounds the pipeline by the request timeout; CORS on every answer (`cors`).

use std::convert::Infallible;
use std::sync::Arc;

use http::{HeaderValue, Request, StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use iii_protocol::codes;
use tokio::net::TcpListener;

use super::deadline::Deadline;
use super::envelope::{self, Resp};
use super::server::Server;
use super::{body, cors, guard, pipeline};
use crate::registry::route_table::Found;

/// Accepts HTTP connections until the engine stops.
pub(crate) async fn serve(server: Arc<Server>, listener: TcpListener) {
    loop {
        // Cancel-safe: `accept` loses no connection when the stop signal wins.
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = server.tasks.stopping() => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!("http accept failed: {e}");
                continue;
            }
        };
        // A streamed response is written chunk by chunk: with Nagle's algorithm a chunk written
        // while the one before is unacknowledged waits for the client's (maybe delayed) ACK.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY on the HTTP connection from {peer}: {e}");
        }
        let server2 = server.clone();
        server.tasks.spawn(async move {
            let deadline = Arc::new(Deadline::default());
            let svc = service_fn(|req: Request<Incoming>| {
                let server = server2.clone();
                let deadline = deadline.clone();
                let origin = req.headers().get(header::ORIGIN).cloned();
                async move {
                    let resp = handle(&server, &deadline, req).await;
                    Ok::<_, Infallible>(cors::apply(&server.config.cors, origin.as_ref(), resp))
                }
            });
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Some(server2.config.handshake_timeout))
                .serve_connection(TokioIo::new(stream), svc);
            tokio::select! {
                r = conn => if let Err(e) = r { tracing::debug!("http connection: {e}") },
                () = server2.tasks.stopping() => {}
            }
        });
    }
}

async fn handle(server: &Server, deadline: &Deadline, req: Request<Incoming>) -> Resp {
    if !guard::host_allowed(&server.config, req.headers()) {
        return guard::refused();
    }
    let method = req.method().as_str().to_ascii_uppercase();
    let snapshot = server.registry.snapshot();
    let preflights = cors::answers_preflights(&server.config.cors);
    let matched = match snapshot.routes.find(&method, req.uri().path()) {
        Found::Route(matched) => matched,
        // Preflights are answered on any path, as the permissive default CORS layer does.
        _ if method == "OPTIONS" && preflights => return cors::preflight(),
        Found::OtherMethods(methods) => return not_allowed(&methods),
        Found::Nothing => {
            return envelope::error(StatusCode::NOT_FOUND, codes::NOT_FOUND, "Not Found");
        }
    };
    let streams = body::streams(matched.route.stream_body, req.headers(), req.body());
    let limit = if streams {
        server.config.max_stream_body_bytes
    } else {
        server.config.max_body_bytes as u64
    };
    let too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > limit);
    if too_large {
        return body::Refused::TooLarge.answer(&server.config);
    }
    let (parts, incoming) = req.into_parts();
    // The body is in before the request counts against the limit (see `body`), unless the
    // route streams it: then it arrives while the function runs, each chunk within the body
    // deadline.
    let body = if streams {
        Err(incoming)
    } else {
        match body::read(incoming, &server.config).await {
            Ok(body) => Ok(body),
            Err(refused) => return refused.answer(&server.config),
        }
    };
    let Some(slot) = server.limit.enter() else {
        tracing::warn!(
            "HTTP request refused: {} requests already in flight",
            server.config.concurrency_request_limit
        );
        return envelope::error(
            StatusCode::SERVICE_UNAVAILABLE,
            codes::SERVICE_UNAVAILABLE,
            "too many concurrent requests",
        );
    };
    let request = pipeline::Request {
        server,
        snapshot: &snapshot,
        matched,
        method,
    };
    let work = request.run(parts, body, slot);
    match deadline.run(server.config.http_timeout, work).await {
        Some(resp) => resp,
        None => envelope::empty(StatusCode::GATEWAY_TIMEOUT),
    }
}

/// `405` for a path that other methods serve, with their `allow` list. (The real engine
/// answers `404`: its router tells no paths apart by method.)
fn not_allowed(methods: &[String]) -> Resp {
    let mut resp = envelope::error(
        StatusCode::METHOD_NOT_ALLOWED,
        codes::METHOD_NOT_ALLOWED,
        "Method Not Allowed",
    );
    if let Ok(allow) = HeaderValue::from_str(&methods.join(", ")) {
        resp.headers_mut().insert(header::ALLOW, allow);
    }
    resp
}
