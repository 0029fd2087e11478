//! The HTTP listener: accepts connections, applies the concurrency limit, matches the route
//! and bounds the pipeline by the request timeout; CORS on every answer.

use std::convert::Infallible;
use std::sync::Arc;

use http::{HeaderValue, Request, StatusCode, header};
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use iii_protocol::codes;
use tokio::net::TcpListener;

use super::envelope::{self, Resp};
use super::pipeline;
use super::server::Server;

/// Accepts HTTP connections until the engine stops.
pub(crate) async fn serve(server: Arc<Server>, listener: TcpListener) {
    loop {
        // Cancel-safe: `accept` loses no connection when the stop signal wins.
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = server.tasks.stopping() => return,
        };
        let (stream, _) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!("http accept failed: {e}");
                continue;
            }
        };
        let server2 = server.clone();
        server.tasks.spawn(async move {
            let svc = service_fn(|req| {
                let server = server2.clone();
                async move { Ok::<_, Infallible>(with_cors(handle(&server, req).await)) }
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

async fn handle(server: &Server, req: Request<Incoming>) -> Resp {
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
    let method = req.method().as_str().to_ascii_uppercase();
    let snapshot = server.registry.snapshot();
    let Some(matched) = snapshot.routes.find(&method, req.uri().path()) else {
        // Preflights are answered on any path, as the permissive default CORS layer does.
        if method == "OPTIONS" {
            return preflight();
        }
        return envelope::error(StatusCode::NOT_FOUND, codes::NOT_FOUND, "Not Found");
    };
    let too_large = req
        .headers()
        .get(header::CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok())
        .is_some_and(|n| n > server.config.max_body_bytes as u64);
    if too_large {
        return pipeline::payload_too_large(&server.config);
    }
    let request = pipeline::Request {
        server,
        snapshot: &snapshot,
        matched,
        method,
    };
    match tokio::time::timeout(server.config.http_timeout, request.run(req, slot)).await {
        Ok(resp) => resp,
        Err(_) => envelope::empty(StatusCode::GATEWAY_TIMEOUT),
    }
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
