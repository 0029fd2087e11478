//! The HTTP trigger path through the engine's HTTP server: `POST /echo/<impl>` (the echo
//! object back) and `POST /add/<impl>` (the quickstart's typed `math.add`).

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::Bytes;
use http_body_util::{BodyExt, Full};
use hyper::StatusCode;
use hyper::client::conn::http1::SendRequest;
use hyper::header::{CONTENT_TYPE, HOST};
use hyper_util::rt::TokioIo;
use tokio::net::TcpStream;

use super::rpc::preview;
use crate::load::Client;
use crate::payload::{self, ADD_REQUEST, ADD_RESPONSE, Echo, Size};
use crate::workers::Impl;

/// What one request of a case sends, and where.
#[derive(Debug, Clone)]
pub struct Request {
    /// The path, with its leading slash.
    pub path: String,
    /// The JSON body.
    pub body: Bytes,
    /// The shortest answer body that can be right (the load checks only the status and this).
    pub min_len: usize,
}

impl Request {
    /// The echo route of `which` with a `size` body.
    pub fn echo(which: Impl, size: Size) -> Self {
        let body = Bytes::from(payload::echo_raw(size.bytes()).get().to_owned());
        Self {
            path: format!("/{}", which.http_path()),
            min_len: body.len(),
            body,
        }
    }

    /// The typed `math.add` route of `which`, with the quickstart's body.
    pub fn add(which: Impl) -> Self {
        Self {
            path: format!("/{}", which.add_path()),
            body: Bytes::from_static(ADD_REQUEST.as_bytes()),
            min_len: ADD_RESPONSE.len(),
        }
    }
}

/// One in-flight slot: its own keep-alive HTTP/1.1 connection to the engine.
#[derive(Debug)]
pub struct HttpClient {
    sender: SendRequest<Full<Bytes>>,
    host: String,
    request: Request,
}

impl HttpClient {
    /// Opens a connection to the engine's HTTP server for `request`.
    ///
    /// # Errors
    /// When the connection or the HTTP handshake fails.
    pub async fn connect(addr: SocketAddr, request: Request) -> Result<Self, String> {
        let stream = TcpStream::connect(addr)
            .await
            .map_err(|e| format!("connect {addr}: {e}"))?;
        let _ = stream.set_nodelay(true);
        let (sender, connection) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
            .await
            .map_err(|e| format!("HTTP handshake with {addr}: {e}"))?;
        // Ends when the client (the sender) is dropped or the server closes.
        tokio::spawn(connection);
        Ok(Self {
            sender,
            host: addr.to_string(),
            request,
        })
    }

    /// Sends the body once and returns the status and response body.
    pub async fn exchange(&mut self) -> Result<(StatusCode, Bytes), String> {
        let request = hyper::Request::post(self.request.path.as_str())
            .header(HOST, self.host.as_str())
            .header(CONTENT_TYPE, "application/json")
            .body(Full::new(self.request.body.clone()))
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
        if status == StatusCode::OK && body.len() >= self.request.min_len {
            Ok(())
        } else {
            Err(format!(
                "{status}: {}",
                preview(&String::from_utf8_lossy(&body))
            ))
        }
    }
}

/// Sends one echo request of `size` to `which`'s route and checks that the response body
/// equals the request body.
///
/// # Errors
/// When the request fails, the status is not 200 or the body differs.
pub async fn verify_echo(addr: SocketAddr, which: Impl, size: Size) -> Result<(), String> {
    let request = Request::echo(which, size);
    let path = request.path.clone();
    let text = ok_body(addr, request).await?;
    let got: Echo =
        serde_json::from_str(&text).map_err(|e| format!("POST {path}: {e}: {}", preview(&text)))?;
    if got == payload::echo(size.bytes()) {
        Ok(())
    } else {
        Err(format!("POST {path}: the echo differs from the request"))
    }
}

/// Sends the quickstart's request to `which`'s typed route and checks the answer.
///
/// # Errors
/// When the request fails, the status is not 200 or the body is not `{"sum":5}`.
pub async fn verify_add(addr: SocketAddr, which: Impl) -> Result<(), String> {
    let request = Request::add(which);
    let path = request.path.clone();
    let text = ok_body(addr, request).await?;
    if text == ADD_RESPONSE {
        Ok(())
    } else {
        Err(format!(
            "POST {path}: expected {ADD_RESPONSE}, got {}",
            preview(&text)
        ))
    }
}

/// Sends `request` once on a new connection; the body of a `200`, else an error.
async fn ok_body(addr: SocketAddr, request: Request) -> Result<String, String> {
    let path = request.path.clone();
    let mut client = HttpClient::connect(addr, request).await?;
    let (status, body) = client.exchange().await?;
    let text = String::from_utf8_lossy(&body).into_owned();
    if status == StatusCode::OK {
        Ok(text)
    } else {
        Err(format!("POST {path}: {status} {}", preview(&text)))
    }
}

/// Waits until both of `which`'s routes answer 200, polling until `deadline`.
///
/// # Errors
/// The last error when the deadline passes.
pub async fn wait_ready(addr: SocketAddr, which: Impl, deadline: Instant) -> Result<(), String> {
    loop {
        let error = match verify_echo(addr, which, Size::Small).await {
            Ok(()) => match verify_add(addr, which).await {
                Ok(()) => return Ok(()),
                Err(e) => e,
            },
            Err(e) => e,
        };
        if Instant::now() >= deadline {
            return Err(format!("{} never answered: {error}", which.label()));
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
}
