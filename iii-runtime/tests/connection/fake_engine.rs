//! A scripted engine: accepts worker connections on a free port and lets a test read every
//! frame the worker sends and answer as it likes.

use std::time::Duration;

use futures_util::{SinkExt, StreamExt};
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message;

/// How long a test waits for any expected frame before failing.
pub(crate) const PATIENCE: Duration = Duration::from_secs(10);

pub(crate) struct FakeEngine {
    listener: TcpListener,
    url: String,
}

impl FakeEngine {
    pub(crate) async fn bind() -> Self {
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
        let url = format!("ws://{}", listener.local_addr().expect("addr"));
        Self { listener, url }
    }

    pub(crate) fn url(&self) -> &str {
        &self.url
    }

    /// Waits for the next TCP connection, however long it takes.
    pub(crate) async fn try_accept(&self) -> std::io::Result<TcpStream> {
        self.listener.accept().await.map(|(stream, _)| stream)
    }

    /// Accepts the next worker connection (no frames sent yet).
    pub(crate) async fn accept(&self) -> Peer {
        let (stream, _) = tokio::time::timeout(PATIENCE, self.listener.accept())
            .await
            .expect("a worker connects in time")
            .expect("accept");
        let ws = tokio_tungstenite::accept_async(stream)
            .await
            .expect("websocket handshake");
        Peer {
            ws,
            pings: 0,
            pongs: 0,
        }
    }
}

pub(crate) struct Peer {
    ws: WebSocketStream<TcpStream>,
    /// WebSocket pings received from the worker.
    pub(crate) pings: usize,
    /// WebSocket pongs received from the worker.
    pub(crate) pongs: usize,
}

impl Peer {
    pub(crate) async fn send(&mut self, frame: Value) {
        self.ws
            .send(Message::text(frame.to_string()))
            .await
            .expect("send to worker");
    }

    /// Sends a frame; false once the connection is gone.
    pub(crate) async fn try_send(&mut self, frame: Value) -> bool {
        self.ws.send(Message::text(frame.to_string())).await.is_ok()
    }

    pub(crate) async fn send_raw(&mut self, message: Message) {
        self.ws.send(message).await.expect("send to worker");
    }

    /// The next JSON frame from the worker (control frames are counted and skipped).
    pub(crate) async fn recv(&mut self) -> Value {
        self.try_recv(PATIENCE)
            .await
            .expect("the worker sends a frame in time")
    }

    /// The next JSON frame, or `None` when the connection ends or `within` elapses.
    pub(crate) async fn try_recv(&mut self, within: Duration) -> Option<Value> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            let next = tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??;
            match next.ok()? {
                Message::Text(t) => {
                    return Some(serde_json::from_str(&t).expect("worker sends JSON"));
                }
                Message::Ping(_) => self.pings += 1,
                Message::Pong(_) => self.pongs += 1,
                Message::Close(_) => return None,
                other => panic!("unexpected frame {other:?}"),
            }
        }
    }

    /// Waits for the connection to end, counting control frames; true when it ended.
    pub(crate) async fn closed_within(&mut self, within: Duration) -> bool {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next()).await {
                Err(_) => return false,
                Ok(None | Some(Err(_)) | Some(Ok(Message::Close(_)))) => return true,
                Ok(Some(Ok(Message::Ping(_)))) => self.pings += 1,
                Ok(Some(Ok(_))) => {}
            }
        }
    }

    /// Plays the engine's side of a connection start: `workerregistered`, then reads every
    /// frame up to the worker's first JSON ping (the announce and the functions), answers it,
    /// reads up to the second (the triggers) and answers it too; returns every frame but the
    /// pings.
    pub(crate) async fn handshake(&mut self, worker_id: &str) -> Vec<Value> {
        self.send(json!({"type": "workerregistered", "worker_id": worker_id, "reattach_token": format!("token-{worker_id}")}))
            .await;
        let mut frames = self.until_ping().await;
        frames.extend(self.until_ping().await);
        frames
    }

    /// Reads frames up to the worker's next JSON ping without answering it, and returns the
    /// frames before it.
    pub(crate) async fn until_ping_unanswered(&mut self) -> Vec<Value> {
        let mut frames = Vec::new();
        loop {
            let frame = self.recv().await;
            if frame["type"] == "ping" {
                return frames;
            }
            frames.push(frame);
        }
    }

    /// Reads frames up to the worker's next JSON ping, answers it with a pong, and returns the
    /// frames before it.
    pub(crate) async fn until_ping(&mut self) -> Vec<Value> {
        let mut frames = Vec::new();
        loop {
            let frame = self.recv().await;
            if frame["type"] == "ping" {
                self.send(json!({"type": "pong"})).await;
                return frames;
            }
            frames.push(frame);
        }
    }

    /// Sends an `invokefunction` with `metadata` (a trigger's, as the engine delivers it with
    /// each fire) and returns its id.
    pub(crate) async fn fire(
        &mut self,
        function_id: &str,
        data: Value,
        metadata: &Value,
    ) -> String {
        let id = uuid_v4();
        self.send(json!({"type": "invokefunction", "invocation_id": id, "function_id": function_id, "data": data, "metadata": metadata}))
            .await;
        id
    }

    /// Sends an `invokefunction` and returns its id.
    pub(crate) async fn invoke(&mut self, function_id: &str, data: Value) -> String {
        let id = uuid_v4();
        self.send(json!({"type": "invokefunction", "invocation_id": id, "function_id": function_id, "data": data}))
            .await;
        id
    }

    /// Reads frames until the `invocationresult` for `id`.
    pub(crate) async fn result_of(&mut self, id: &str) -> Value {
        loop {
            let frame = self.recv().await;
            if frame["type"] == "invocationresult" && frame["invocation_id"] == id {
                return frame;
            }
        }
    }

    /// Writes raw bytes on the socket, past the WebSocket framing (for frames no library
    /// would send).
    pub(crate) async fn write_raw(&mut self, bytes: &[u8]) {
        use tokio::io::AsyncWriteExt;
        let stream = self.ws.get_mut();
        stream.write_all(bytes).await.expect("raw write");
        stream.flush().await.expect("flush");
    }

    /// The code of the close frame the worker sends next, skipping other frames; `None` when
    /// the connection ends without one or `within` passes.
    pub(crate) async fn close_code(&mut self, within: Duration) -> Option<u16> {
        let deadline = tokio::time::Instant::now() + within;
        loop {
            match tokio::time::timeout_at(deadline, self.ws.next())
                .await
                .ok()??
            {
                Ok(Message::Close(frame)) => return frame.map(|f| u16::from(f.code)),
                Ok(_) => {}
                Err(_) => return None,
            }
        }
    }

    /// Drops the connection without a close frame (as a crashed engine would).
    pub(crate) fn kill(self) {
        drop(self);
    }
}

/// A random v4 UUID string.
pub(crate) fn uuid_v4() -> String {
    uuid::Uuid::new_v4().to_string()
}

/// The metadata the worker registered its first trigger of `trigger_type` with (among
/// `frames`), which the engine delivers with each fire.
pub(crate) fn trigger_metadata(frames: &[Value], trigger_type: &str) -> Value {
    frames
        .iter()
        .find(|f| f["type"] == "registertrigger" && f["trigger_type"] == trigger_type)
        .map(|f| f["metadata"].clone())
        .unwrap_or_else(|| panic!("no {trigger_type} trigger among {frames:?}"))
}

/// The HTTP request envelope the engine sends for `method path` with `body`.
pub(crate) fn envelope(method: &str, path: &str, body: Value) -> Value {
    json!({
        "query_params": {}, "path_params": {}, "headers": {"content-type": "application/json"},
        "path": path, "method": method, "body": body,
        "trigger": {"type": "http", "path": path, "method": method}
    })
}
