//! Helpers for the hardening tests: sockets with chosen limits and headers, raw frames, close
//! codes, and HTTP requests written by hand.

use std::net::SocketAddr;

use futures_util::{SinkExt, StreamExt};
use iii_engine::EngineHandle;
use serde_json::Value;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::client::IntoClientRequest;
use tokio_tungstenite::tungstenite::protocol::WebSocketConfig;
use tokio_tungstenite::tungstenite::protocol::frame::coding::{Data, OpCode};
use tokio_tungstenite::tungstenite::protocol::frame::{CloseFrame, Frame as RawFrame};
use tokio_tungstenite::tungstenite::{Error as WsError, Message as Frame};
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

use crate::common::WAIT;

/// A raw client socket on the worker port.
pub type Ws = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// Connects to the worker port with the client limits `config` and the extra `headers`.
pub async fn connect(
    engine: &EngineHandle,
    config: Option<WebSocketConfig>,
    headers: &[(&str, &str)],
) -> Result<Ws, WsError> {
    let mut request = engine.ws_url().into_client_request()?;
    for (name, value) in headers {
        request.headers_mut().insert(
            http::HeaderName::from_bytes(name.as_bytes()).unwrap(),
            http::HeaderValue::from_str(value).unwrap(),
        );
    }
    let (ws, _) = tokio_tungstenite::connect_async_with_config(request, config, false).await?;
    Ok(ws)
}

/// Connects as a worker whose client accepts frames of at most `max_frame` bytes, and reads
/// the `workerregistered` frame; returns the socket and the worker id.
pub async fn worker_with_frame_limit(engine: &EngineHandle, max_frame: usize) -> (Ws, String) {
    let config = WebSocketConfig::default().max_frame_size(Some(max_frame));
    let mut ws = connect(engine, Some(config), &[]).await.expect("connects");
    let hello = next_json(&mut ws).await.expect("hello");
    (ws, hello["worker_id"].as_str().unwrap().to_owned())
}

/// The next text or binary message as JSON; `Err` with the socket error (or `"closed"`).
pub async fn next_json(ws: &mut Ws) -> Result<Value, String> {
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .map_err(|_| "no frame in time".to_owned())?;
        match frame {
            Some(Ok(Frame::Text(t))) => return Ok(serde_json::from_str(t.as_str()).unwrap()),
            Some(Ok(Frame::Binary(b))) => return Ok(serde_json::from_slice(&b).unwrap()),
            Some(Ok(Frame::Close(c))) => return Err(format!("closed: {c:?}")),
            None => return Err("closed".to_owned()),
            Some(Ok(_)) => {}
            Some(Err(e)) => return Err(e.to_string()),
        }
    }
}

/// Sends a JSON frame.
pub async fn send_json(ws: &mut Ws, value: &Value) {
    ws.send(Frame::text(value.to_string())).await.expect("send");
}

/// Sends one raw frame as it is (no validation on this side).
pub async fn send_raw_frame(ws: &mut Ws, opcode: Data, payload: Vec<u8>, is_final: bool) {
    let frame = RawFrame::message(payload, OpCode::Data(opcode), is_final);
    ws.send(Frame::Frame(frame)).await.expect("send raw frame");
}

/// Reads until the engine closes the socket; the Close frame it sent, if it sent one.
pub async fn close_frame(ws: &mut Ws) -> Option<CloseFrame> {
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("the engine closes in time");
        match frame {
            Some(Ok(Frame::Close(c))) => return c,
            None | Some(Err(_)) => return None,
            Some(Ok(_)) => {}
        }
    }
}

/// Writes raw bytes to an address and reads the answer until the peer closes (or `wait`).
pub async fn exchange(addr: SocketAddr, bytes: &[u8], wait: std::time::Duration) -> String {
    let mut stream = TcpStream::connect(addr).await.unwrap();
    stream.write_all(bytes).await.unwrap();
    let mut out = Vec::new();
    let _ = tokio::time::timeout(wait, stream.read_to_end(&mut out)).await;
    String::from_utf8_lossy(&out).into_owned()
}

/// The status code of a raw HTTP answer (`0` when there is none).
pub fn status_of(answer: &str) -> u16 {
    answer
        .split_whitespace()
        .nth(1)
        .and_then(|s| s.parse().ok())
        .unwrap_or(0)
}
