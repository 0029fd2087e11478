//! The HTTP trigger path: `POST /echo/<impl>` through the engine's HTTP server.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper::{Request, StatusCode};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::rpc::preview;
use crate::load::Client;
use crate::payload::{self, Echo, Size};
use crate::workers::Impl;

/// One in-flight slot: its own keep-alive HTTP/1.1 connection to the engine.
#[derive(Debug)]
pub struct HttpClient {
    sender: SendRequest<Full<Bytes>>,
    host: String,
    path: String,
    body: Bytes,
}

impl HttpClient {
    /// Opens a connection to the engine's HTTP server for `which`'s route with a `size` body.
    ///
    /// # Errors
    /// When the connection or the HTTP handshake fails.
    pub async fn connect(addr: SocketAddr, which: Impl, size: Size) -> Result<Self, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
        // Ends when the client (the sender) is dropped or the server closes.
        tokio::spawn(connection);
        let body = Bytes::from(payload::echo_raw(size.bytes()).get().to_owned());
        Ok(Self {
            sender,
            host: addr.to_string(),
            path: format!("/{}", which.http_path()),
            body,
        })
    }

    /// Sends the body once and returns the status and response body.
    async fn exchange(&mut self) -> Result<(StatusCode, Bytes), String> {
        let request = Request::post(self.path.as_str())
            .header(HOST, self.host.as_str())
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(self.body.clone()))
            .map_err(|e| e.to_string())?;
        self.sender.ready().await.map_err(|e| e.to_string())?;
        let response = self
            .sender
            .send_request(request)
            .await
            .map_err(|e| e.to_string())?;
        let status = response.status();
        let body = response
            .into_body()
            .collect()
            .await
            .map_err(|e| e.to_string())?
            .to_bytes();
        Ok((status, body))
    }
}

impl Client for HttpClient {
    async fn call(&mut self) -> Result<(), String> {
        let (status, body) = self.exchange().await?;
        if status == StatusCode::OK && body.len() >= self.body.len() {
            Ok(())
        } else {
            Err(format!(
                "{status}: {}",
                preview(&String::from_utf8_lossy(&body))
            ))
        }
    }
}

/// Sends one request to `which`'s route and checks that the response body equals the request
/// body.
///
/// # Errors
/// When the request fails, the status is not 200 or the body differs.
pub async fn verify(addr: SocketAddr, which: Impl, size: Size) -> Result<(), String> {
    let mut client = HttpClient::connect(addr, which, size).await?;
    let (status, body) = client.exchange().await?;
    let text = String::from_utf8_lossy(&body);
    if status != StatusCode::OK {
        return Err(format!("POST {}: {status} {}", client.path, preview(&text)));
    }
    let got: Echo = serde_json::from_slice(&body)
        .map_err(|e| format!("POST {}: {e}: {}", client.path, preview(&text)))?;
    if got == payload::echo(size.bytes()) {
        Ok(())
    } else {
        Err(format!(
            "POST {}: the echo differs from the request",
            client.path
        ))
    }
}

/// Waits until `which`'s route answers 200, polling until `deadline`.
///
/// # Errors
/// The last error when the deadline passes.
pub async fn wait_ready(addr: SocketAddr, which: Impl, deadline: Instant) -> Result<(), String> {
    loop {
        let error = match verify(addr, which, Size::Small).await {
            Ok(()) => return Ok(()),
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(format!("/{} never answered: {error}", which.http_path()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
