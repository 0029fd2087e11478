//! The worker WebSocket endpoint: hyper serves the port, upgrades `/` (workers) and `/otel`
//! (telemetry, discarded) by hand, and hands each socket to its connection task.

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
use tokio::net::TcpListener;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::handshake::derive_accept_key;
use tokio_tungstenite::tungstenite::protocol::{Role, WebSocketConfig};

use crate::hub::Hub;

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

fn upgrade(hub: &Arc<Hub>, peer: SocketAddr, mut req: Request<Incoming>) -> Response<Full<Bytes>> {
    let otel = match req.uri().path() {
        "/" => false,
        "/otel" => true,
        _ => return plain(StatusCode::NOT_FOUND, "not found"),
    };
    let wants_ws = req
        .headers()
        .get(header::UPGRADE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.eq_ignore_ascii_case("websocket"));
    let key = req.headers().get(header::SEC_WEBSOCKET_KEY).cloned();
    let (true, Some(key)) = (wants_ws, key) else {
        return plain(StatusCode::UPGRADE_REQUIRED, "expected a WebSocket upgrade");
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
        if otel {
            drain(&hub2, socket).await;
        } else {
            conn::run(hub2, socket, peer).await;
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
