//! Letting a connection of an access-controlled listener in: after the upgrade and before its
//! first frame, the listener's auth function is called with
//! `{"headers": {<lower-case name>: <value>}, "query_params": {<key>: [<values>]},
//! "ip_address": "<peer>"}`, and its `AuthResult` becomes the connection's
//! [`Access`]. A refusal (the function failed, answered nothing, or took longer than the
//! handshake timeout) is told as the real engine tells it: one text frame that is not a
//! protocol message, `{"type":"error","error":{"code":"AUTH_ERROR","message":…}}`, then a
//! Close frame (`1008`, policy violation).

use std::collections::BTreeMap;
use std::net::SocketAddr;
use std::sync::Arc;

use futures_util::SinkExt;
use http::Request;
use hyper::body::Incoming;
use iii_protocol::ErrorBody;
use serde_json::{Value, json};
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::endpoint::Endpoint;
use super::socket::{self, Socket};
use crate::access::Access;
use crate::codec::to_raw;
use crate::config::ListenerAccess;
use crate::router::Call;
use crate::url::query_pairs;

/// The code of a refused connection, as the real engine names it.
const AUTH_ERROR: &str = "AUTH_ERROR";

/// What the auth function learns of an upgrade request.
pub(crate) struct Handshake {
    headers: BTreeMap<String, String>,
    query: BTreeMap<String, Vec<String>>,
    peer: SocketAddr,
}

impl Handshake {
    /// The headers (lower-case names; a repeated header's last value; values that are not
    /// UTF-8 as empty strings, as the real engine reads them) and query of `req`, from `peer`.
    pub(crate) fn of(req: &Request<Incoming>, peer: SocketAddr) -> Self {
        let headers = req
            .headers()
            .iter()
            .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
            .collect();
        let mut query: BTreeMap<String, Vec<String>> = BTreeMap::new();
        for (k, v) in query_pairs(req.uri().query().unwrap_or("")) {
            query.entry(k).or_default().push(v);
        }
        Self {
            headers,
            query,
            peer,
        }
    }
}

/// What a connection of `listener` may do: `None` on an open listener; on one with an auth
/// function, what it answered for `handshake`.
pub(crate) async fn admit(
    ep: &Endpoint,
    listener: &Arc<ListenerAccess>,
    handshake: Option<Handshake>,
) -> Result<Option<Arc<Access>>, ErrorBody> {
    if listener.is_open() {
        return Ok(None);
    }
    let auth = listener
        .rbac
        .as_ref()
        .and_then(|r| r.auth_function_id.as_deref());
    let (Some(auth), Some(handshake)) = (auth, handshake) else {
        return Ok(Some(Arc::new(Access::open(listener.clone()))));
    };
    let input = json!({
        "headers": handshake.headers,
        "query_params": handshake.query,
        "ip_address": handshake.peer.ip().to_string(),
    });
    let refused = |message: String| ErrorBody::new(AUTH_ERROR, message);
    let data = to_raw(&input).map_err(|e| refused(e.message))?;
    let wait = ep.config.handshake_timeout;
    let answer = tokio::time::timeout(wait, ep.router.invoke(Call::new(auth, data)))
        .await
        .map_err(|_| {
            refused(format!(
                "the auth function {auth:?} did not answer within {wait:?}"
            ))
        })?
        .map_err(|e| refused(e.message))?;
    let access = Access::authorized(listener.clone(), answer.as_deref()).map_err(refused)?;
    Ok(Some(Arc::new(access)))
}

/// Tells a refused connection why, and closes it.
pub(crate) async fn refuse(mut socket: Socket, peer: SocketAddr, error: ErrorBody) {
    tracing::warn!("connection from {peer} refused: {}", error.message);
    let frame = json!({"type": "error", "error": {"code": error.code, "message": error.message}});
    let told = tokio::time::timeout(
        std::time::Duration::from_secs(1),
        socket.send(Frame::text(Value::to_string(&frame))),
    );
    let _ = told.await;
    let close = CloseFrame {
        code: CloseCode::Policy,
        reason: "authentication failed".into(),
    };
    socket::close_with(socket, close).await;
}
