//! Test helpers: an engine on free ports, a raw WebSocket fake worker, a tiny HTTP client.

use std::time::Duration;

use bytes::Bytes;
use futures_util::{SinkExt, StreamExt};
use http::{HeaderMap, Request, StatusCode};
use http_body_util::{BodyExt, Full};
use hyper_util::rt::TokioIo;
use iii_engine::{Engine, EngineConfig, EngineHandle};
use serde_json::{Value, json};
use tokio::net::TcpStream;
use tokio_tungstenite::tungstenite::Message as Frame;
use tokio_tungstenite::{MaybeTlsStream, WebSocketStream};

/// How long a test waits for an expected frame.
pub const WAIT: Duration = Duration::from_secs(5);

/// A config on free loopback ports with quick queue retries.
pub fn config() -> EngineConfig {
    EngineConfig {
        ws_port: 0,
        http_port: 0,
        queue_backoff: Duration::from_millis(10),
        ..EngineConfig::default()
    }
}

/// Starts an engine with [`config`].
pub async fn start() -> EngineHandle {
    start_with(config()).await
}

/// Starts an engine with a given config.
pub async fn start_with(config: EngineConfig) -> EngineHandle {
    Engine::start(config).await.expect("engine starts")
}

/// A fake worker speaking raw protocol frames.
pub struct Worker {
    ws: WebSocketStream<MaybeTlsStream<TcpStream>>,
    /// The `worker_id` the engine assigned.
    pub id: String,
    /// The `reattach_token` the engine assigned.
    pub token: String,
}

impl Worker {
    /// Connects and reads the `workerregistered` frame, which must come first.
    pub async fn connect(engine: &EngineHandle) -> Self {
        Self::connect_url(&engine.ws_url()).await
    }

    /// Connects to an engine by URL and reads the `workerregistered` frame.
    pub async fn connect_url(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .expect("connects");
        let mut worker = Self {
            ws,
            id: String::new(),
            token: String::new(),
        };
        let hello = worker.recv().await;
        assert_eq!(hello["type"], "workerregistered", "{hello}");
        worker.id = hello["worker_id"].as_str().unwrap().to_owned();
        worker.token = hello["reattach_token"].as_str().unwrap().to_owned();
        worker
    }

    /// Sends a JSON frame.
    pub async fn send(&mut self, frame: Value) {
        self.send_text(&frame.to_string()).await;
    }

    /// Sends a raw text frame.
    pub async fn send_text(&mut self, text: &str) {
        self.ws
            .send(Frame::text(text.to_owned()))
            .await
            .expect("send");
    }

    /// Sends a JSON frame; `false` when the engine has already dropped the connection (which
    /// tests of eviction and write timeouts expect at any point).
    pub async fn try_send(&mut self, frame: Value) -> bool {
        self.ws.send(Frame::text(frame.to_string())).await.is_ok()
    }

    /// Sends a raw binary frame.
    pub async fn send_binary(&mut self, bytes: &[u8]) {
        self.ws
            .send(Frame::binary(bytes.to_vec()))
            .await
            .expect("send");
    }

    /// The next protocol frame (control frames skipped), or a panic after [`WAIT`].
    pub async fn recv(&mut self) -> Value {
        self.try_recv(WAIT)
            .await
            .expect("a frame before the deadline")
    }

    /// The next protocol frame within `wait`, if any. Panics if the socket closes.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + wait;
        loop {
            let frame = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()?;
            match frame {
                Some(Ok(Frame::Text(t))) => return Some(serde_json::from_str(t.as_str()).unwrap()),
                Some(Ok(Frame::Binary(b))) => return Some(serde_json::from_slice(&b).unwrap()),
                Some(Ok(Frame::Close(_))) | None => panic!("socket closed"),
                Some(Ok(_)) => {}
                Some(Err(e)) => panic!("socket error: {e}"),
            }
        }
    }

    /// Waits for the socket to be closed by the engine; returns whether a Close frame came.
    pub async fn closed(&mut self) -> bool {
        loop {
            match tokio::time::timeout(WAIT, self.ws.next())
                .await
                .expect("closes in time")
            {
                Some(Ok(Frame::Close(_))) => return true,
                None | Some(Err(_)) => return false,
                Some(Ok(_)) => {}
            }
        }
    }

    /// Round-trips a JSON ping: every frame sent before it has been processed afterwards.
    pub async fn sync(&mut self) {
        self.send(json!({"type": "ping"})).await;
        let pong = self.recv().await;
        assert_eq!(pong["type"], "pong", "{pong}");
    }

    /// Registers a function.
    pub async fn register_function(&mut self, id: &str) {
        self.send(json!({"type": "registerfunction", "id": id}))
            .await;
    }

    /// Registers a trigger and returns its id.
    pub async fn register_trigger(&mut self, ty: &str, function_id: &str, config: Value) -> String {
        let id = uuid::Uuid::new_v4().to_string();
        self.send(
            json!({"type": "registertrigger", "id": id, "trigger_type": ty,
                         "function_id": function_id, "config": config}),
        )
        .await;
        id
    }

    /// Registers a function and an HTTP route to it, and waits until both are applied.
    pub async fn route(&mut self, function_id: &str, method: &str, path: &str) {
        self.register_function(function_id).await;
        self.register_trigger(
            "http",
            function_id,
            json!({"api_path": path, "http_method": method}),
        )
        .await;
        self.sync().await;
    }

    /// The next frame, which must be an `invokefunction`.
    pub async fn expect_invoke(&mut self) -> Value {
        let frame = self.recv().await;
        assert_eq!(frame["type"], "invokefunction", "{frame}");
        frame
    }

    /// Answers an invocation with a result.
    pub async fn answer(&mut self, invoke: &Value, result: Value) {
        self.send(
            json!({"type": "invocationresult", "invocation_id": invoke["invocation_id"],
                         "function_id": invoke["function_id"], "result": result}),
        )
        .await;
    }

    /// Answers an invocation with an error.
    pub async fn fail(&mut self, invoke: &Value, code: &str, message: &str) {
        self.send(
            json!({"type": "invocationresult", "invocation_id": invoke["invocation_id"],
                         "function_id": invoke["function_id"],
                         "error": {"code": code, "message": message}}),
        )
        .await;
    }

    /// Calls a function synchronously and returns the `invocationresult`.
    pub async fn call(&mut self, function_id: &str, data: Value) -> Value {
        let id = uuid::Uuid::new_v4().to_string();
        self.send(json!({"type": "invokefunction", "invocation_id": id,
                         "function_id": function_id, "data": data}))
            .await;
        let result = self.recv().await;
        assert_eq!(result["type"], "invocationresult", "{result}");
        assert_eq!(result["invocation_id"], id);
        result
    }

    /// Closes the socket and waits for the engine's Close (or end of stream), which the engine
    /// sends once it has cleaned up after this worker.
    pub async fn close(mut self) {
        let _ = self.ws.close(None).await;
        while let Ok(Some(Ok(_))) = tokio::time::timeout(WAIT, self.ws.next()).await {}
    }

    /// Connects with a tiny receive buffer, for workers that stop reading: the engine's writes
    /// to them stall after a few kilobytes instead of filling megabytes of socket buffers.
    pub async fn connect_small(engine: &EngineHandle) -> Self {
        let socket = tokio::net::TcpSocket::new_v4().unwrap();
        socket.set_recv_buffer_size(4096).unwrap();
        let stream = socket.connect(engine.ws_addr()).await.expect("connects");
        let (ws, _) =
            tokio_tungstenite::client_async(engine.ws_url(), MaybeTlsStream::Plain(stream))
                .await
                .expect("handshake");
        let mut worker = Self {
            ws,
            id: String::new(),
            token: String::new(),
        };
        let hello = worker.recv().await;
        worker.id = hello["worker_id"].as_str().unwrap().to_owned();
        worker.token = hello["reattach_token"].as_str().unwrap().to_owned();
        worker
    }

    /// Drops the connection without a Close handshake.
    pub fn abort(self) {
        drop(self.ws);
    }

    /// The ids of the connected workers, as `engine::workers::list` reports them.
    pub async fn worker_ids(&mut self) -> Vec<String> {
        let r = self.call("engine::workers::list", Value::Null).await;
        r["result"]["workers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|w| w["id"].as_str().unwrap().to_owned())
            .collect()
    }
}

/// An HTTP response, read whole.
pub struct HttpResponse {
    /// Status.
    pub status: StatusCode,
    /// Headers.
    pub headers: HeaderMap,
    /// Body bytes.
    pub body: Bytes,
}

impl HttpResponse {
    /// The body parsed as JSON.
    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body)
            .unwrap_or_else(|e| panic!("not JSON ({e}): {:?}", String::from_utf8_lossy(&self.body)))
    }

    /// The body as text.
    pub fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// Sends one HTTP/1.1 request to the engine's HTTP server.
pub async fn http(
    engine: &EngineHandle,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: impl Into<Bytes>,
) -> HttpResponse {
    http_to(engine.http_addr(), method, path, headers, body.into()).await
}

/// Sends one HTTP/1.1 request to an address.
pub async fn http_to(
    addr: std::net::SocketAddr,
    method: &str,
    path: &str,
    headers: &[(&str, &str)],
    body: Bytes,
) -> HttpResponse {
    let stream = TcpStream::connect(addr).await.expect("http connects");
    let (mut sender, conn) = hyper::client::conn::http1::handshake(TokioIo::new(stream))
        .await
        .expect("http handshake");
    tokio::spawn(conn);
    let mut req = Request::builder()
        .method(method)
        .uri(path)
        .header("host", addr.to_string());
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let resp = sender
        .send_request(req.body(Full::new(body)).unwrap())
        .await
        .expect("http response");
    let (parts, body) = resp.into_parts();
    let body = body.collect().await.expect("http body").to_bytes();
    HttpResponse {
        status: parts.status,
        headers: parts.headers,
        body,
    }
}

/// `POST` of a JSON body.
pub async fn post_json(engine: &EngineHandle, path: &str, body: &Value) -> HttpResponse {
    http(
        engine,
        "POST",
        path,
        &[("content-type", "application/json")],
        body.to_string(),
    )
    .await
}

/// A raw WebSocket on a channel end.
pub type ChannelSocket = WebSocketStream<MaybeTlsStream<TcpStream>>;

/// The URL of one channel end, from its `{channel_id, access_key, direction}` reference.
pub fn channel_url(engine: &EngineHandle, reference: &Value) -> String {
    format!(
        "{}/ws/channels/{}?key={}&dir={}",
        engine.ws_url(),
        reference["channel_id"].as_str().unwrap(),
        reference["access_key"].as_str().unwrap(),
        reference["direction"].as_str().unwrap()
    )
}

/// Connects to a channel end.
pub async fn channel(engine: &EngineHandle, reference: &Value) -> ChannelSocket {
    let (ws, _) = tokio_tungstenite::connect_async(channel_url(engine, reference))
        .await
        .expect("channel connects");
    ws
}

/// Reads a channel until the engine closes it: the text and binary messages in order.
pub async fn read_channel(ws: &mut ChannelSocket) -> Vec<Frame> {
    let mut out = Vec::new();
    loop {
        let frame = tokio::time::timeout(WAIT, ws.next())
            .await
            .expect("channel message or close in time");
        match frame {
            Some(Ok(f @ (Frame::Text(_) | Frame::Binary(_)))) => out.push(f),
            Some(Ok(Frame::Close(_))) | None | Some(Err(_)) => return out,
            Some(Ok(_)) => {}
        }
    }
}
