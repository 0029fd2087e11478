//! A write that fails is reported as a failed write, never as a write timeout that did not
//! happen.

use std::io::Write;
use std::sync::{Arc, Mutex};

use serde_json::json;
use tokio::net::TcpStream;
use tokio_tungstenite::MaybeTlsStream;

use crate::common::{self, Worker};
use crate::raw::{next_json, send_json};

/// The log lines of this test's thread (the engine runs on it: current-thread runtime).
#[derive(Clone, Default)]
struct Logs(Arc<Mutex<Vec<u8>>>);

impl Write for Logs {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0.lock().unwrap().extend_from_slice(buf);
        Ok(buf.len())
    }
    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

impl Logs {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.0.lock().unwrap()).into_owned()
    }
}

#[tokio::test]
async fn a_reset_socket_is_not_logged_as_a_worker_that_does_not_read() {
    let logs = Logs::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    let _guard = tracing::subscriber::set_default(subscriber);

    let mut config = common::config();
    // One call in flight: the worker's further calls wait, and once enough wait the engine
    // stops reading it, so only a write can notice that its socket is gone.
    config.max_calls_per_worker = 1;
    let engine = common::start_with(config).await;
    let mut other = Worker::connect(&engine).await;
    other.register_function("never").await;
    other.sync().await;
    let stream = TcpStream::connect(engine.ws_addr()).await.unwrap();
    stream.set_zero_linger().unwrap();
    let (mut doomed, _) =
        tokio_tungstenite::client_async(engine.ws_url(), MaybeTlsStream::Plain(stream))
            .await
            .unwrap();
    let hello = next_json(&mut doomed).await.unwrap();
    send_json(
        &mut doomed,
        &json!({"type": "registerfunction", "id": "doomed.f"}),
    )
    .await;
    for i in 0..400 {
        send_json(
            &mut doomed,
            &json!({"type": "invokefunction", "invocation_id": uuid::Uuid::new_v4(),
                    "function_id": "never", "data": {"i": i}}),
        )
        .await;
    }
    // The first call is delivered; the engine has read the rest, or stopped reading.
    let _ = other.expect_invoke().await;
    // Reset the connection (linger 0), then make the engine write to it until it notices.
    drop(doomed);
    loop {
        let r = other.call("doomed.f", json!({})).await;
        if r.get("error").is_some() {
            break;
        }
    }
    let mut observer = Worker::connect(&engine).await;
    let gone = hello["worker_id"].as_str().unwrap().to_owned();
    while observer.worker_ids().await.contains(&gone) {}
    engine.shutdown().await;
    let text = logs.text();
    assert!(!text.contains("a write took over"), "{text}");
    assert!(
        text.contains(&format!("worker {gone} disconnected")),
        "{text}"
    );
}
