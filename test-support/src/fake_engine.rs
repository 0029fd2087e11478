//! A scripted engine for tests of the worker: it accepts worker connections on a free port
//! and lets a test read every frame the worker sends and answer as it likes.
//!
//! The engine's end of each connection is a [`Peer`]: a [`Socket`] whose
//! [`handshake`](Socket::handshake), [`invoke`](Socket::invoke) and
//! [`result_of`](Socket::result_of) play the engine's part of the protocol.

use tokio::net::{TcpListener, TcpStream};

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
