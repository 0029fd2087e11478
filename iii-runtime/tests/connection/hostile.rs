//! An engine that misbehaves: frames the worker cannot take are answered with a close frame
//! saying why (1007, 1002, 1009) before the connection is dropped; an engine that stops
//! reading the worker's answers is one event, logged once, and the worker reconnects at once.

use std::io::Write;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use serde_json::json;

use crate::fake_engine::FakeEngine;

#[tokio::test]
async fn frames_the_worker_cannot_take_get_a_close_frame_with_the_reason() {
    let too_big = {
        // A binary frame header announcing 17 MiB (the worker takes frames up to 16 MiB).
        let mut h = vec![0x82, 0x7F];
        h.extend_from_slice(&(17u64 << 20).to_be_bytes());
        h
    };
    for (what, bytes, code) in [
        ("invalid UTF-8 text", vec![0x81, 0x02, 0xC3, 0x28], 1007),
        ("reserved bits set", vec![0xC1, 0x00], 1002),
        ("a frame too big", too_big, 1009),
    ] {
        let engine = FakeEngine::bind().await;
        let worker = crate::worker(engine.url());
        let mut peer = crate::serve(&worker, &engine).await;
        worker.ready().await.expect("ready");
        peer.write_raw(&bytes).await;
        assert_eq!(
            peer.close_code(Duration::from_secs(5)).await,
            Some(code),
            "{what}"
        );
        // And the worker comes back.
        let mut again = engine.accept().await;
        again.handshake("w-2").await;
        worker.disconnect().await;
    }
}

/// Log lines written while a test runs on this thread.
#[derive(Clone, Default)]
struct Captured(Arc<Mutex<Vec<u8>>>);

impl Write for Captured {
    fn write(&mut self, buf: &[u8]) -> std::io::Result<usize> {
        self.0
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .extend_from_slice(buf);
        Ok(buf.len())
    }

    fn flush(&mut self) -> std::io::Result<()> {
        Ok(())
    }
}

#[tokio::test]
async fn an_engine_that_stops_reading_answers_is_one_event_and_the_worker_reconnects() {
    let logs = Captured::default();
    let writer = logs.clone();
    let subscriber = tracing_subscriber::fmt()
        .with_writer(move || writer.clone())
        .with_ansi(false)
        .finish();
    // This test's runtime runs on this thread only, so the worker's tasks log here.
    let _guard = tracing::subscriber::set_default(subscriber);

    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let mut peer = crate::serve(&worker, &engine).await;
    worker.ready().await.expect("ready");
    // Calls of an unknown function, each answered at once, while never reading an answer:
    // the socket's buffers fill, then the worker's queue.
    let started = tokio::time::Instant::now();
    let call = json!({"type": "invokefunction", "function_id": "nope", "data": {}});
    let mut sent = 0u32;
    loop {
        let mut frame = call.clone();
        frame["invocation_id"] = json!(crate::fake_engine::uuid_v4());
        if peer.try_send(&frame).await.is_err() {
            break;
        }
        sent += 1;
        assert!(
            started.elapsed() < Duration::from_secs(30),
            "the worker never gave up on the connection ({sent} calls)"
        );
    }
    // It reconnects at once, not after the write timeout (60 s here).
    let again = tokio::time::timeout(Duration::from_secs(10), engine.accept())
        .await
        .expect("the worker reconnects");
    drop(again);
    let text =
        String::from_utf8_lossy(&logs.0.lock().unwrap_or_else(|p| p.into_inner())).into_owned();
    let said = text.matches("is not reading this worker's answers").count();
    assert_eq!(said, 1, "{sent} calls; logged {said} times");
    assert_eq!(text.matches(" ERROR ").count(), 1, "{text}");
    worker.disconnect().await;
}
