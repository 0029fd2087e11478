//! An HTTP/1.1 client for tests, on hyper's client connection: one connection per request,
//! the whole response read before it is returned.
//!
//! A fresh connection per request keeps tests independent of keep-alive: a request made
//! after the server went away fails at once instead of on a stale pooled connection.

use std::net::SocketAddr;

use bytes::Bytes;
use http::header::{CONTENT_TYPE, HOST};
use http::{HeaderMap, HeaderValue, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use serde::Serialize;
use serde::de::DeserializeOwned;
use serde_json::Value;
use tokio::net::TcpStream;

/// Why a request got no response.
#[derive(Debug, thiserror::Error)]
pub enum Error {
    /// No TCP connection to the server.
    #[error("cannot connect to {addr}: {source}")]
    Connect {
        /// The server's address.
        addr: SocketAddr,
        /// Why.
        source: std::io::Error,
    },
    /// The request could not be built (a bad method, path or header).
    #[error("invalid request: {0}")]
    Request(#[from] http::Error),
    /// The request body could not be encoded.
    #[error("cannot encode the body as JSON: {0}")]
    Encode(#[from] serde_json::Error),
    /// The exchange failed after connecting (the server closed, or spoke no HTTP/1.1).
    #[error("HTTP exchange failed: {0}")]
    Exchange(#[from] hyper::Error),
}

/// A response, read whole.
#[derive(Debug)]
pub struct Response {
    /// The status code; compares with a number (`response.status == 200`).
    pub status: StatusCode,
    /// The headers.
    pub headers: HeaderMap,
    /// The body; compares with a string (`response.body == "ok"`).
    pub body: Bytes,
}

impl Response {
    /// A header's value, when it is present and visible ASCII.
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    /// The body as text (invalid UTF-8 replaced).
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    /// The body parsed as `T`.
    ///
    /// # Errors
    /// When the body is not JSON of that shape.
    pub fn parse_json<T: DeserializeOwned>(&self) -> Result<T, serde_json::Error> {
        serde_json::from_slice(&self.body)
    }

    /// The body as a JSON value, for assertions.
    ///
    /// # Panics
    /// When the body is not JSON (the message shows the body).
    pub fn json(&self) -> Value {
        self.parse_json()
            .unwrap_or_else(|e| panic!("the body is not JSON ({e}): {:?}", self.text()))
    }
}

/// A client for one server.
#[derive(Debug, Clone, Copy)]
pub struct Client {
    addr: SocketAddr,
}

impl Client {
    /// A client for the server at `addr`.
    pub fn new(addr: SocketAddr) -> Self {
        Self { addr }
    }

    /// The server's address.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// Sends `request` (its URI is the path and query; a `Host` header is added when absent).
    ///
    /// # Errors
    /// When there is no connection or the exchange fails; any status is a response.
    pub async fn send<B: Into<Bytes>>(&self, request: Request<B>) -> Result<Response, Error> {
        let (mut parts, body) = request.into_parts();
        if !parts.headers.contains_key(HOST) {
            let host = HeaderValue::try_from(self.addr.to_string()).map_err(http::Error::from)?;
            parts.headers.insert(HOST, host);
        }
        let request = Request::from_parts(parts, Full::new(body.into()));
        let stream = TcpStream::connect(self.addr)
            .await
            .map_err(|source| Error::Connect {
                addr: self.addr,
                source,
            })?;
        let (mut sender, connection) =
            hyper::client::conn::http1::handshake(TokioIo::new(stream)).await?;
        // The connection task drives the socket; it ends when the response is read and the
        // sender dropped, or is aborted below if the server keeps it open.
        let connection = tokio::spawn(connection);
        let exchange = async {
            let response = sender.send_request(request).await?;
            let (parts, body) = response.into_parts();
            let body = body.collect().await?.to_bytes();
            Ok(Response {
                status: parts.status,
                headers: parts.headers,
                body,
            })
        };
        let response = exchange.await;
        connection.abort();
        response
    }

    /// Sends `method path` with `headers` and `body`.
    ///
    /// # Errors
    /// As [`Client::send`], and when the method, path or a header is invalid.
    pub async fn request(
        &self,
        method: &str,
        path: &str,
        headers: &[(&str, &str)],
        body: impl Into<Bytes>,
    ) -> Result<Response, Error> {
        let mut request = Request::builder().method(method).uri(path);
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request.body(body.into())?).await
    }

    /// `GET path`.
    ///
    /// # Errors
    /// As [`Client::send`].
    pub async fn get(&self, path: &str) -> Result<Response, Error> {
        self.request("GET", path, &[], Bytes::new()).await
    }

    /// `method path` with `body` as JSON (`content-type: application/json`).
    ///
    /// # Errors
    /// As [`Client::send`], and when `body` cannot be encoded.
    pub async fn json(
        &self,
        method: &str,
        path: &str,
        body: &impl Serialize,
    ) -> Result<Response, Error> {
        let body = serde_json::to_vec(body)?;
        let json = [(CONTENT_TYPE.as_str(), "application/json")];
        self.request(method, path, &json, body).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_server_that_is_gone_is_a_connect_error() {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        let addr = listener.local_addr().expect("addr");
        drop(listener);
        match Client::new(addr).get("/").await {
            Err(Error::Connect { addr: a, .. }) => assert_eq!(a, addr),
            other => panic!("expected a connect error, got {other:?}"),
        }
    }

    #[tokio::test]
    async fn an_unknown_route_of_the_engine_is_a_json_404() {
        let engine = crate::engine::start().await;
        let client = Client::new(engine.http_addr());
        let response = client
            .json("POST", "/nowhere", &serde_json::json!({"a": 1}))
            .await
            .expect("a response");
        assert_eq!(response.status, 404);
        assert_eq!(
            response.json()["error"]["code"],
            "NOT_FOUND",
            "{response:?}"
        );
        engine.shutdown().await;
    }

    #[tokio::test]
    async fn an_invalid_method_is_reported_before_connecting() {
        let addr = SocketAddr::from(([127, 0, 0, 1], 9));
        let err = Client::new(addr)
            .request("NOT A METHOD", "/", &[], "")
            .await
            .expect_err("invalid");
        assert!(matches!(err, Error::Request(_)), "{err:?}");
    }
}
