//! A worker that speaks raw protocol frames to a real engine, for tests of the engine: it
//! sends exactly the frames a test writes and shows every frame the engine sends back.

use std::time::Duration;

use iii_engine::EngineHandle;
use serde_json::Value;
use tokio::net::{TcpSocket, TcpStream};
use tokio_tungstenite::MaybeTlsStream;
use tokio_tungstenite::tungstenite::Message;

use crate::frames;
use crate::socket::{Next, ReadError, Socket};

/// How long a [`RawWorker`] waits for an expected frame before failing the test.
pub const WAIT: Duration = Duration::from_secs(5);

/// A raw WebSocket on the engine's worker port, as a [`RawWorker`] holds it.
pub type WorkerSocket = Socket<MaybeTlsStream<TcpStream>>;

/// A fake worker speaking raw protocol frames.
#[derive(Debug)]
pub struct RawWorker {
    socket: WorkerSocket,
    /// The `worker_id` the engine assigned.
    pub id: String,
    /// The `reattach_token` the engine assigned.
    pub token: String,
}

impl RawWorker {
    /// Connects to `engine` and reads its `workerregistered` frame, which must come first.
    ///
    /// # Panics
    /// When the connection or the greeting fails.
    pub async fn connect(engine: &EngineHandle) -> Self {
        Self::connect_url(&engine.ws_url()).await
    }

    /// Connects to the engine at `url` and reads its `workerregistered` frame.
    ///
    /// # Panics
    /// When the connection or the greeting fails.
    pub async fn connect_url(url: &str) -> Self {
        let (ws, _) = tokio_tungstenite::connect_async(url)
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {url}: {e}"));
        Self::greeted(Socket::new(ws)).await
    }

    /// Connects with a tiny receive buffer, for workers that stop reading: the engine's writes
    /// to them stall after a few kilobytes instead of filling megabytes of socket buffers.
    ///
    /// # Panics
    /// When the connection or the greeting fails.
    pub async fn connect_small(engine: &EngineHandle) -> Self {
        let small = async {
            let socket = TcpSocket::new_v4()?;
            socket.set_recv_buffer_size(4096)?;
            socket.connect(engine.ws_addr()).await
        };
        let stream = small
            .await
            .unwrap_or_else(|e| panic!("cannot connect to {}: {e}", engine.ws_addr()));
        let (ws, _) =
            tokio_tungstenite::client_async(engine.ws_url(), MaybeTlsStream::Plain(stream))
                .await
                .unwrap_or_else(|e| panic!("WebSocket handshake with the engine failed: {e}"));
        Self::greeted(Socket::new(ws)).await
    }

    async fn greeted(socket: WorkerSocket) -> Self {
        let mut worker = Self {
            socket,
            id: String::new(),
            token: String::new(),
        };
        let hello = worker.recv().await;
        let field = |name: &str| match hello[name].as_str() {
            Some(value) if hello["type"] == "workerregistered" => value.to_owned(),
            _ => panic!("expected `workerregistered` with a string `{name}` first, got {hello}"),
        };
        worker.id = field("worker_id");
        worker.token = field("reattach_token");
        worker
    }

    /// Sends a JSON frame.
    ///
    /// # Panics
    /// When the engine has dropped the connection.
    pub async fn send(&mut self, frame: Value) {
        self.socket.send(frame).await;
    }

    /// Sends a raw text frame.
    ///
    /// # Panics
    /// When the engine has dropped the connection.
    pub async fn send_text(&mut self, text: &str) {
        self.socket.send_raw(Message::text(text.to_owned())).await;
    }

    /// Sends a JSON frame; `false` when the engine has already dropped the connection (which
    /// tests of eviction and write timeouts expect at any point).
    pub async fn try_send(&mut self, frame: Value) -> bool {
        self.socket.try_send(&frame).await.is_ok()
    }

    /// Sends a raw binary frame.
    ///
    /// # Panics
    /// When the engine has dropped the connection.
    pub async fn send_binary(&mut self, bytes: &[u8]) {
        self.socket.send_raw(Message::binary(bytes.to_vec())).await;
    }

    /// The next protocol frame (control frames skipped; a binary frame is read as JSON).
    ///
    /// # Panics
    /// When none comes within [`WAIT`] or the socket closes.
    pub async fn recv(&mut self) -> Value {
        self.try_recv(WAIT)
            .await
            .unwrap_or_else(|| panic!("no frame from the engine within {WAIT:?}"))
    }

    /// The next protocol frame within `wait`, if any.
    ///
    /// # Panics
    /// When the socket closes or fails, or a frame is not JSON.
    pub async fn try_recv(&mut self, wait: Duration) -> Option<Value> {
        match self.socket.next(wait).await {
            Ok(Next::Text(frame)) => Some(frame),
            Ok(Next::Binary(bytes)) => Some(
                serde_json::from_slice(&bytes)
                    .unwrap_or_else(|e| panic!("a binary frame that is not JSON: {e}")),
            ),
            Err(ReadError::TimedOut(_)) => None,
            Ok(Next::Closed { .. }) => panic!("socket closed"),
            Err(e) => panic!("{e}"),
        }
    }

    /// Waits for the engine to end the connection; returns whether a Close frame came.
    ///
    /// # Panics
    /// When the connection is still open after [`WAIT`].
    pub async fn closed(&mut self) -> bool {
        self.socket
            .ended_within(WAIT)
            .await
            .unwrap_or_else(|| panic!("the engine did not close the socket within {WAIT:?}"))
    }

    /// Round-trips a JSON ping: every frame sent before it has been processed afterwards.
    ///
    /// # Panics
    /// When the answer is not a `pong`.
    pub async fn sync(&mut self) {
        self.send(frames::ping()).await;
        let pong = self.recv().await;
        assert_eq!(pong["type"], "pong", "{pong}");
    }

    /// Registers a function.
    pub async fn register_function(&mut self, id: &str) {
        self.send(frames::register_function(id)).await;
    }

    /// Registers a trigger and returns its id.
    pub async fn register_trigger(
        &mut self,
        trigger_type: &str,
        function_id: &str,
        config: Value,
    ) -> String {
        let id = frames::new_id();
        let frame = frames::register_trigger(&id, trigger_type, function_id, config);
        self.send(frame).await;
        id
    }

    /// Registers a function and an HTTP route to it, and waits until both are applied.
    pub async fn route(&mut self, function_id: &str, method: &str, path: &str) {
        self.register_function(function_id).await;
        let config = serde_json::json!({"api_path": path, "http_method": method});
        self.register_trigger("http", function_id, config).await;
        self.sync().await;
    }

    /// The next frame, which must be an `invokefunction`.
    ///
    /// # Panics
    /// When it is something else.
    pub async fn expect_invoke(&mut self) -> Value {
        let frame = self.recv().await;
        assert_eq!(frame["type"], "invokefunction", "{frame}");
        frame
    }

    /// Answers the invocation `invoke` with `result`.
    pub async fn answer(&mut self, invoke: &Value, result: Value) {
        self.send(frames::result(invoke, result)).await;
    }

    /// Answers the invocation `invoke` with an error.
    pub async fn fail(&mut self, invoke: &Value, code: &str, message: &str) {
        self.send(frames::error(invoke, code, message)).await;
    }

    /// Calls a function and returns its `invocationresult`, which must be the next frame.
    ///
    /// # Panics
    /// When the next frame is anything else.
    pub async fn call(&mut self, function_id: &str, data: Value) -> Value {
        let id = frames::new_id();
        self.send(frames::invoke(&id, function_id, data)).await;
        let result = self.recv().await;
        assert_eq!(result["type"], "invocationresult", "{result}");
        assert_eq!(result["invocation_id"], id);
        result
    }

    /// Closes the socket and waits for the engine's Close (or the end of the stream), which
    /// the engine sends once it has cleaned up after this worker.
    pub async fn close(self) {
        self.socket.close(WAIT).await;
    }

    /// Drops the connection without a Close handshake.
    pub fn abort(self) {
        self.socket.kill();
    }

    /// The ids of the connected workers, as `engine::workers::list` reports them.
    ///
    /// # Panics
    /// When the answer has no `workers` list of objects with string ids.
    pub async fn worker_ids(&mut self) -> Vec<String> {
        let listed = self.call("engine::workers::list", Value::Null).await;
        let workers = listed["result"]["workers"]
            .as_array()
            .unwrap_or_else(|| panic!("no workers list in {listed}"));
        workers
            .iter()
            .map(|w| match w["id"].as_str() {
                Some(id) => id.to_owned(),
                None => panic!("a worker without a string id in {listed}"),
            })
            .collect()
    }
}
