//! A scripted engine for tests of the worker: it accepts worker connections on a free port
//! and lets a test read every frame the worker sends and answer as it likes.
//!
//! The engine's end of each connection is a [`Peer`]: a [`Socket`] whose
//! [`handshake`](Socket::handshake), [`until_ping`](Socket::until_ping),
//! [`invoke`](Socket::invoke), [`fire`](Socket::fire) and [`result_of`](Socket::result_of)
//! play the engine's part of the protocol.

use serde_json::Value;
use tokio::io::{AsyncRead, AsyncWrite};
use tokio::net::{TcpListener, TcpStream};

use crate::frames;
pub use crate::socket::PATIENCE;
use crate::socket::Socket;

/// The engine's end of one worker connection.
pub type Peer = Socket<TcpStream>;

/// A listener on a free loopback port that workers connect to.
#[derive(Debug)]
pub struct FakeEngine {
    listener: TcpListener,
    url: String,
}

impl FakeEngine {
    /// Binds a free loopback port.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn bind() -> Self {
        let bound = async {
            let listener = TcpListener::bind("127.0.0.1:0").await?;
            let url = format!("ws://{}", listener.local_addr()?);
            std::io::Result::Ok(Self { listener, url })
        };
        bound
            .await
            .unwrap_or_else(|e| panic!("cannot bind the fake engine: {e}"))
    }

    /// Binds a free loopback port whose connections have a fixed receive buffer of about
    /// `bytes` (no autotuning), so that a peer which stops reading stalls the worker's writes
    /// after a little data rather than after the tens of megabytes loopback buffers grow to.
    ///
    /// # Panics
    /// When no port can be bound.
    pub async fn bind_with_receive_buffer(bytes: u32) -> Self {
        let bound = async {
            let socket = tokio::net::TcpSocket::new_v4()?;
            // Set before `listen`: accepted connections inherit it.
            socket.set_recv_buffer_size(bytes)?;
            socket.bind(std::net::SocketAddr::from(([127, 0, 0, 1], 0)))?;
            let listener = socket.listen(16)?;
            let url = format!("ws://{}", listener.local_addr()?);
            std::io::Result::Ok(Self { listener, url })
        };
        bound
            .await
            .unwrap_or_else(|e| panic!("cannot bind the fake engine: {e}"))
    }

    /// The URL workers connect to.
    pub fn url(&self) -> &str {
        &self.url
    }

    /// Waits for the next TCP connection, however long it takes (no WebSocket handshake).
    ///
    /// # Errors
    /// When accepting fails.
    pub async fn try_accept(&self) -> std::io::Result<TcpStream> {
        self.listener.accept().await.map(|(stream, _)| stream)
    }

    /// Accepts the next worker connection and completes the WebSocket handshake (no protocol
    /// frame sent yet).
    ///
    /// # Panics
    /// When no worker connects within [`PATIENCE`] or the handshake fails.
    pub async fn accept(&self) -> Peer {
        let stream = tokio::time::timeout(PATIENCE, self.try_accept())
            .await
            .unwrap_or_else(|_| panic!("no worker connected within {PATIENCE:?}"))
            .unwrap_or_else(|e| panic!("accept failed: {e}"));
        let ws = tokio_tungstenite::accept_async(stream)
            .await
            .unwrap_or_else(|e| panic!("WebSocket handshake with the worker failed: {e}"));
        Socket::new(ws)
    }

    /// [`accept`](FakeEngine::accept), also returning the headers of the worker's upgrade
    /// request (what an authenticating engine or proxy sees).
    ///
    /// # Panics
    /// As [`accept`](FakeEngine::accept).
    pub async fn accept_with_headers(&self) -> (Peer, http::HeaderMap) {
        let stream = tokio::time::timeout(PATIENCE, self.try_accept())
            .await
            .unwrap_or_else(|_| panic!("no worker connected within {PATIENCE:?}"))
            .unwrap_or_else(|e| panic!("accept failed: {e}"));
        let mut seen = http::HeaderMap::new();
        // The callback's error type is tungstenite's HTTP response, large by nature.
        #[allow(clippy::result_large_err)]
        let record = |request: &tokio_tungstenite::tungstenite::handshake::server::Request,
                      response| {
            seen = request.headers().clone();
            Ok(response)
        };
        let ws = tokio_tungstenite::accept_hdr_async(stream, record)
            .await
            .unwrap_or_else(|e| panic!("WebSocket handshake with the worker failed: {e}"));
        (Socket::new(ws), seen)
    }
}

/// The engine's part of the protocol, on its end of a worker connection.
impl<S: AsyncRead + AsyncWrite + Unpin> Socket<S> {
    /// Plays the engine's side of a connection start: `workerregistered` (token
    /// `token-<worker_id>`), then reads every frame up to the worker's first JSON ping (the
    /// announce and the functions) and answers it with a pong, then up to the second (the
    /// triggers, which a worker sends only once the engine has settled their functions) and
    /// answers it too; returns every frame but the pings.
    ///
    /// # Panics
    /// When the worker goes silent for [`PATIENCE`] before a ping.
    pub async fn handshake(&mut self, worker_id: &str) -> Vec<Value> {
        self.send(frames::worker_registered(
            worker_id,
            &format!("token-{worker_id}"),
        ))
        .await;
        let mut before = self.until_ping().await;
        before.extend(self.until_ping().await);
        before
    }

    /// Reads frames up to the worker's next JSON ping, answers it with a pong, and returns the
    /// frames before it.
    ///
    /// # Panics
    /// When the worker goes silent for [`PATIENCE`] before its ping.
    pub async fn until_ping(&mut self) -> Vec<Value> {
        let before = self.until_ping_unanswered().await;
        self.send(frames::pong()).await;
        before
    }

    /// Reads frames up to the worker's next JSON ping without answering it (so that a test
    /// can answer what came before first), and returns the frames before it.
    ///
    /// # Panics
    /// When the worker goes silent for [`PATIENCE`] before its ping.
    pub async fn until_ping_unanswered(&mut self) -> Vec<Value> {
        let mut before = Vec::new();
        loop {
            let frame = self.recv().await;
            if frame["type"] == "ping" {
                return before;
            }
            before.push(frame);
        }
    }

    /// Sends an `invokefunction` of `function_id` with `data`, and returns its invocation id.
    pub async fn invoke(&mut self, function_id: &str, data: Value) -> String {
        let id = frames::new_id();
        self.send(frames::invoke(&id, function_id, data)).await;
        id
    }

    /// Sends an `invokefunction` as a trigger's fire: with the `metadata` the worker
    /// registered the trigger with, which the engine delivers with each fire. Returns its
    /// invocation id.
    pub async fn fire(&mut self, function_id: &str, data: Value, metadata: &Value) -> String {
        let id = frames::new_id();
        let mut frame = frames::invoke(&id, function_id, data);
        frame["metadata"] = metadata.clone();
        self.send(frame).await;
        id
    }

    /// Reads frames until the `invocationresult` for `invocation_id`, and returns it.
    ///
    /// # Panics
    /// When the other end goes silent for [`PATIENCE`] first.
    pub async fn result_of(&mut self, invocation_id: &str) -> Value {
        loop {
            let frame = self.recv().await;
            if frame["type"] == "invocationresult" && frame["invocation_id"] == invocation_id {
                return frame;
            }
        }
    }
}

/// The metadata the worker registered its first trigger of `trigger_type` with, among
/// `frames` (what [`Socket::handshake`] returned), for [`Socket::fire`].
///
/// # Panics
/// When no such trigger is among them.
pub fn trigger_metadata(frames: &[Value], trigger_type: &str) -> Value {
    frames
        .iter()
        .find(|f| f["type"] == "registertrigger" && f["trigger_type"] == trigger_type)
        .map(|f| f["metadata"].clone())
        .unwrap_or_else(|| panic!("no {trigger_type} trigger among {frames:?}"))
}
