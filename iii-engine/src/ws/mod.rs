//! The worker WebSocket endpoint: hyper serves the port, upgrades `/` (workers), `/otel`
//! (telemetry, discarded) and `/ws/channels/{id}` (data channels) by hand, and hands each socket
//! to its task.

mod conn;
mod dispatch;

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
use hyper::upgrade::Upgraded;
use hyper_util::rt::{TokioIo, TokioTimer};
use iii_protocol::Uuid;
use tokio::net::TcpListener;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::channels::{self, Direction, End, TakeError};
use crate::hub::{Hub, lock};

/// A worker's socket.
pub(crate) type Socket = WebSocketStream<TokioIo<Upgraded>>;

/// Accepts connections on the worker port until the engine stops.
pub(crate) async fn serve(hub: Arc<Hub>, listener: TcpListener) {
    loop {
        let accepted = tokio::select! {
            a = listener.accept() => a,
            () = hub.shutdown.wait() => return,
        };
        let (stream, peer) = match accepted {
            Ok(a) => a,
            Err(e) => {
                tracing::debug!("worker accept failed: {e}");
                continue;
            }
        };
        let hub2 = hub.clone();
        hub.tasks.spawn(async move {
            let svc = service_fn(|req| {
                let hub = hub2.clone();
                async move { Ok::<_, Infallible>(upgrade(&hub, peer, req)) }
            });
            // The header read timeout is the handshake deadline; it does not apply once the
            // connection is upgraded.
            let conn = http1::Builder::new()
                .timer(TokioTimer::new())
                .header_read_timeout(Some(hub2.config.handshake_timeout))
                .serve_connection(TokioIo::new(stream), svc)
                .with_upgrades();
            tokio::select! {
                r = conn => if let Err(e) = r { tracing::debug!("worker handshake from {peer}: {e}") },
                () = hub2.shutdown.wait() => {}
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
fn purpose(hub: &Hub, req: &Request<Incoming>) -> Result<Purpose, (StatusCode, &'static str)> {
    let path = req.uri().path();
    match path {
        "/" => return Ok(Purpose::Worker),
        "/otel" => return Ok(Purpose::Otel),
        _ => {}
    }
    let Some(id) = path.strip_prefix("/ws/channels/") else {
        return Err((StatusCode::NOT_FOUND, "not found"));
    };
    let query = crate::http::envelope::query_params(req.uri().query().unwrap_or(""));
    let param = |k: &str| query.get(k).and_then(serde_json::Value::as_str);
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
    match lock(&hub.channels).attach(id, key, dir) {
        Ok(end) => Ok(Purpose::Channel(end)),
        Err(TakeError::NotFound) => Err((StatusCode::NOT_FOUND, "unknown channel or key")),
        Err(TakeError::Taken) => Err((
            StatusCode::CONFLICT,
            "this end of the channel is already connected",
        )),
    }
}

fn upgrade(hub: &Arc<Hub>, peer: SocketAddr, mut req: Request<Incoming>) -> Response<Full<Bytes>> {
    let wants_ws = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let key = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned();
    let (true, Some(key)) = (wants_ws, key) else {
        return plain(StatusCode::UPGRADE_REQUIRED, "expected a WebSocket upgrade");
    };
    let purpose = match purpose(hub, &req) {
        Ok(p) => p,
        Err((status, text)) => return plain(status, text),
    };
    let accept = derive_accept_key(key.as_bytes());
    let on_upgrade = hyper::upgrade::on(&mut req);
    let hub2 = hub.clone();
    hub.tasks.spawn(async move {
        let upgraded = match on_upgrade.await {
            Ok(u) => u,
            Err(e) => {
                tracing::debug!("upgrade from {peer} failed: {e}");
                return;
            }
        };
        let config = WebSocketConfig::default()
            .max_frame_size(Some(hub2.config.max_frame_bytes))
            .max_message_size(Some(hub2.config.max_message_bytes));
        let socket =
            WebSocketStream::from_raw_socket(TokioIo::new(upgraded), Role::Server, Some(config))
                .await;
        match purpose {
            Purpose::Worker => conn::run(hub2, socket, peer).await,
            Purpose::Otel => drain(&hub2, socket).await,
            Purpose::Channel(end) => channels::socket::serve(&hub2, socket, end).await,
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

/// The telemetry socket: read and discard every frame until it closes or the engine stops.
async fn drain(hub: &Hub, mut socket: Socket) {
    loop {
        tokio::select! {
            frame = socket.next() => match frame {
                Some(Ok(_)) => {}
                _ => return,
            },
            () = hub.shutdown.wait() => {
                let _ = tokio::time::timeout(std::time::Duration::from_secs(1), socket.close(None)).await;
                return;
            }
        }
    }
}
