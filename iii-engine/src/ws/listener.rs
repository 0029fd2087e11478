//! The worker port's listener: hyper serves it and upgrades `/` (workers), `/otel`
//! (telemetry, discarded) and `/ws/channels/{id}` (data channels) by hand; each socket then
//! goes to its task.
//!
//! The engine serves one such listener per worker port (the main one and each further
//! [`WorkerListener`](crate::WorkerListener)), each with its own access control: on an
//! access-controlled one a worker's (and a telemetry socket's) upgrade is authenticated
//! (`super::auth`) before the socket is served.
//!
//! Before an upgrade is accepted: an `Origin` header (only browsers send one) must be in
//! [`EngineConfig::ws_allowed_origins`](crate::EngineConfig::ws_allowed_origins), else `403`,
//! since browsers apply no CORS to WebSockets and any page could otherwise register and call
//! functions; and the sockets served at once stay within
//! [`EngineConfig::max_connections`](crate::EngineConfig::max_connections), else `503`.

use std::convert::Infallible;
use std::net::SocketAddr;
use std::sync::Arc;

use bytes::Bytes;
use futures_util::StreamExt;
use http::{HeaderValue, Request, Response, StatusCode, header};
use http_body_util::Full;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::service_fn;
use hyper_util::rt::{TokioIo, TokioTimer};
use iii_protocol::Uuid;
use tokio::net::TcpListener;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;

use super::auth::{self, Handshake};
use super::endpoint::Endpoint;
use super::socket::{self, Socket};
use super::{channel, conn};
use crate::config::ListenerAccess;
use crate::stores::channels::{Direction, End, TakeError};
use crate::url::query_params;

/// Accepts connections on a worker port, controlled as `access` says, until the engine stops.
pub(crate) async fn serve(ep: Arc<Endpoint>, listener: TcpListener, access: Arc<ListenerAccess>) {
    loop {
        // Cancel-safe: `accept` loses no connection when the stop signal wins.
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = ep.tasks.stopping() => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!("worker accept failed: {e}");
                continue;
            }
        };
        // Frames are small and each is a reply someone waits for: with Nagle's algorithm a
        // frame written while the previous one is unacknowledged waits for that ACK, which
        // the peer may delay by up to 40 ms.
        if let Err(e) = stream.set_nodelay(true) {
            tracing::debug!("TCP_NODELAY on the worker socket from {peer}: {e}");
        }
        let ep2 = ep.clone();
        let access = access.clone();
        ep.tasks.spawn(async move {
            let svc = service_fn(|req| {
                let ep = ep2.clone();
                let access = access.clone();
                async move { Ok::<_, Infallible>(upgrade(&ep, &access, peer, req)) }
            });
            // The header read timeout is the handshake deadline; it does not apply once the
            // connection is upgraded.
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Some(ep2.config.handshake_timeout))
                .serve_connection(TokioIo::new(stream), svc)
                .with_upgrades();
            tokio::select! {
                r = conn => if let Err(e) = r { tracing::debug!("worker handshake from {peer}: {e}") },
                () = ep2.tasks.stopping() => {}
            }
        });
    }
}

fn plain(status: StatusCode, text: &'static str) -> Response<Full<Bytes>> {
    let mut resp = Response::new(Full::new(Bytes::from_static(text.as_bytes())));
    *resp.status_mut() = status;
    resp
}

/// What an upgraded socket is for.
enum Purpose {
    Worker,
    Otel,
    Channel(End),
}

/// Resolves the path (and, for channels, takes the end) before the upgrade is accepted, so
/// that a bad channel URL is refused with a plain HTTP status.
fn purpose(ep: &Endpoint, req: &Request<Incoming>) -> Result<Purpose, (StatusCode, &'static str)> {
    let path = req.uri().path();
    match path {
        "/" => return Ok(Purpose::Worker),
        "/otel" => return Ok(Purpose::Otel),
        _ => {}
    }
    let Some(id) = path.strip_prefix("/ws/channels/") else {
        return Err((StatusCode::NOT_FOUND, "not found"));
    };
    let query = query_params(req.uri().query().unwrap_or(""));
    let param = |k: &str| query.get(k).map(String::as_str);
    let (Ok(id), Some(key), Some(dir)) = (
        Uuid::parse_str(id),
        param("key"),
        param("dir").and_then(Direction::parse),
    ) else {
        return Err((
            StatusCode::BAD_REQUEST,
            "expected /ws/channels/{channel_id}?key=<access_key>&dir=read|write",
        ));
    };
    match ep.channels.attach(id, key, dir) {
        Ok(end) => Ok(Purpose::Channel(end)),
        Err(TakeError::NotFound) => Err((StatusCode::NOT_FOUND, "unknown channel or key")),
        Err(TakeError::Taken) => Err((
            StatusCode::CONFLICT,
            "this end of the channel is already connected",
        )),
    }
}

fn upgrade(
    ep: &Arc<Endpoint>,
    access: &Arc<ListenerAccess>,
    peer: SocketAddr,
    mut req: Request<Incoming>,
) -> Response<Full<Bytes>> {
    let wants_ws = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let key = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned();
    let (true, Some(key)) = (wants_ws, key) else {
        return plain(StatusCode::UPGRADE_REQUIRED, "expected a WebSocket upgrade");
    };
    if let Some(origin) = req.headers().get(header::ORIGIN)
        && !origin_allowed(&ep.config.ws_allowed_origins, origin)
    {
        tracing::warn!("worker-port upgrade from {peer} with browser origin {origin:?} refused");
        return plain(
            StatusCode::FORBIDDEN,
            "browser origins may not open sockets on the worker port (see --ws-allow-origin)",
        );
    }
    let Some(slot) = ep.connections.enter() else {
        tracing::warn!(
            "worker-port upgrade from {peer} refused: {} sockets already open",
            ep.config.max_connections
        );
        return plain(
            StatusCode::SERVICE_UNAVAILABLE,
            "too many WebSocket connections (see --max-connections)",
        );
    };
    let purpose = match purpose(ep, &req) {
        Ok(p) => p,
        Err((status, text)) => return plain(status, text),
    };
    let accept = derive_accept_key(key.as_bytes());
    let handshake = (!access.is_open()).then(|| Handshake::of(&req, peer));
    let access = access.clone();
    let on_upgrade = hyper::upgrade::on(&mut req);
    let ep2 = ep.clone();
    ep.tasks.spawn(async move {
        // Held for as long as the socket is served.
        let _slot = slot;
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!("upgrade from {peer} failed: {e}");
                return;
            }
        };
        let socket = socket::accept(upgraded, &ep2.config).await;
        // Channel ends are let in by their access key alone, on every listener.
        let admitted = match purpose {
            Purpose::Channel(_) => Ok(None),
            _ => auth::admit(&ep2, &access, handshake).await,
        };
        match (purpose, admitted) {
            (_, Err(refusal)) => auth::refuse(socket, peer, refusal).await,
            (Purpose::Worker, Ok(access)) => conn::run(ep2, socket, peer, access).await,
            (Purpose::Otel, Ok(_)) => drain(&ep2, socket).await,
            (Purpose::Channel(end), Ok(_)) => channel::serve(&ep2, socket, end).await,
        }
    });
    let mut resp = plain(StatusCode::SWITCHING_PROTOCOLS, "");
    let h = resp.headers_mut();
    h.insert(header::UPGRADE, HeaderValue::from_static("websocket"));
    h.insert(header::CONNECTION, HeaderValue::from_static("Upgrade"));
    if let Ok(accept) = HeaderValue::from_str(&accept) {
        h.insert(header::SEC_WEBSOCKET_ACCEPT, accept);
    }
    resp
}

/// Whether a browser `origin` may open a socket: listed exactly, or `"*"` is listed.
fn origin_allowed(allowed: &[String], origin: &HeaderValue) -> bool {
    allowed
        .iter()
        .any(|a| a == "*" || a.as_bytes() == origin.as_bytes())
}

/// The telemetry socket: read and discard every frame until it closes or the engine stops.
async fn drain(ep: &Endpoint, mut socket: Socket) {
    loop {
        // Cancel-safe: `next` polls a stream.
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(_)) => {}
                _ => return,
            },
            () = ep.tasks.stopping() => break,
        }
    }
    socket::close(socket).await;
}
