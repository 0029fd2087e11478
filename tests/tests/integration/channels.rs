//! Data channels between functions, over the development engine: typed items between two Rust
//! workers, the failures each side sees (a writer that dies, a writer that never comes, an
//! item that is not the expected type), and interop with the official Python SDK, which reads
//! a channel a Rust worker writes and writes one a Rust worker reads.

use std::time::Duration;

use futures_util::StreamExt;
use iii::prelude::*;
use iii::{Bytes, Channel, ReaderRef, WriterRef};
use iii_tests::{engine, engine_with, worker_config};
use serde_json::json;

use crate::interop::{Script, invoke_when_registered, python, workspace};

const WITHIN: Duration = Duration::from_secs(10);

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, JsonSchema)]
struct Reading {
    sensor: String,
    value: f64,
}

#[derive(Serialize, Deserialize, JsonSchema)]
struct Fill {
    into: WriterRef<Reading>,
    n: u32,
}

fn connect(engine: &iii_engine::EngineHandle) -> Worker {
    Worker::with_config(worker_config(engine))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn typed_items_flow_from_one_worker_to_another() {
    let engine = engine().await;
    let producer = connect(&engine);
    producer
        .register_function(
            "chan.fill",
            iii::Function::with_context(|input: Fill, ctx: Context| async move {
                let mut tx = input.into.items(ctx.worker()).await?;
                for i in 0..input.n {
                    let reading = Reading {
                        sensor: format!("s{i}"),
                        value: f64::from(i) / 2.0,
                    };
                    tx.send(&reading).await?;
                }
                tx.close().await
            }),
        )
        .expect("registers");
    producer.connect().await.expect("connects");
    let consumer = connect(&engine);
    consumer.connect().await.expect("connects");

    let channel = Channel::<Reading>::create(&consumer)
        .await
        .expect("created");
    let reader: ReaderRef<Reading> = channel.reader;
    let fill = Fill {
        into: channel.writer,
        n: 500,
    };
    consumer
        .invoke_async("chan.fill", &fill)
        .await
        .expect("sent");
    let mut rx = reader.items(&consumer).await.expect("attaches");
    let mut got = Vec::new();
    while let Some(item) = tokio::time::timeout(WITHIN, rx.next())
        .await
        .expect("in time")
    {
        got.push(item.expect("an item"));
    }
    assert_eq!(got.len(), 500);
    assert_eq!(
        got[499],
        Reading {
            sensor: "s499".into(),
            value: 249.5
        }
    );

    // An end is handed out once: the same reference cannot attach again.
    let again = reader.open(&consumer).await.expect_err("taken");
    assert_eq!(again.code(), "channel_failed", "{again}");
    producer.disconnect().await;
    consumer.disconnect().await;
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_writer_that_dies_mid_stream_is_an_error_for_the_reader() {
    let engine = engine().await;
    let worker = connect(&engine);
    worker.connect().await.expect("connects");
    let channel = Channel::<Reading>::create(&worker).await.expect("created");
    let mut writer = channel.writer.open(&worker).await.expect("writer");
    let mut reader = channel.reader.open(&worker).await.expect("reader");
    writer.send(vec![1u8; 1000]).await.expect("sends");
    let first = reader.next().await.expect("a chunk").expect("ok");
    assert_eq!(first.len(), 1000);
    // Dropped without closing: the connection goes away, the stream is not complete.
    drop(writer);
    let ended = tokio::time::timeout(WITHIN, reader.next())
        .await
        .expect("in time");
    let e = ended.expect("an item").expect_err("an error");
    assert_eq!(e.code(), "channel_failed");
    assert!(e.message().contains("ended abnormally"), "{e}");
    assert!(reader.next().await.is_none(), "then the stream ends");

    // A typed reader given something that is not an item: an error item, then the rest.
    let channel = Channel::<Reading>::create(&worker).await.expect("created");
    let mut raw = channel.writer.open(&worker).await.expect("writer");
    let mut rx = channel.reader.items(&worker).await.expect("reader");
    raw.send_text("not json").await.expect("sends");
    raw.send_text(r#"{"sensor":"ok","value":1.0}"#)
        .await
        .expect("sends");
    raw.close().await.expect("closes");
    let bad = rx.next().await.expect("an item").expect_err("not an item");
    assert_eq!(bad.code(), "invalid_input", "{bad}");
    let good = rx.next().await.expect("an item").expect("ok");
    assert_eq!(good.sensor, "ok");
    assert!(rx.next().await.is_none());
    worker.disconnect().await;
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_channel_whose_peer_never_comes_ends_with_an_error_on_both_sides() {
    let engine = engine_with(|c| c.channel_ttl = Duration::from_millis(200)).await;
    let worker = connect(&engine);
    worker.connect().await.expect("connects");

    let lonely_reader = Channel::<()>::create(&worker).await.expect("created");
    let mut reader = lonely_reader.reader.open(&worker).await.expect("reader");
    let ended = tokio::time::timeout(WITHIN, reader.next())
        .await
        .expect("in time");
    let e = ended.expect("an item").expect_err("an error");
    assert!(e.message().contains("no writer attached"), "{e}");

    let lonely_writer = Channel::<()>::create(&worker).await.expect("created");
    let mut writer = lonely_writer.writer.open(&worker).await.expect("writer");
    // The engine closes the writer once its reader is swept.
    tokio::time::timeout(WITHIN, writer.closed())
        .await
        .expect("closed in time");
    let failed = writer.send(vec![0u8; 10]).await;
    assert!(failed.is_err(), "a send after the reader went fails");
    worker.disconnect().await;
    engine.shutdown().await;
}

/// Byte `i` of what the interop tests send: `i % 251`.
fn pattern(size: usize) -> Vec<u8> {
    (0..size).map(|i| (i % 251) as u8).collect()
}

fn checksum(bytes: &[u8]) -> u64 {
    bytes
        .iter()
        .fold(0u64, |sum, b| (sum + u64::from(*b)) % 1_000_000_007)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn python_reads_a_channel_rust_writes_and_writes_one_rust_reads() {
    let Some(python) = python() else { return };
    let engine = engine().await;
    let script = workspace().join("tests/python/channels_worker.py");
    let py = Script::start(&python, &script, &engine, &[]).await;
    let worker = connect(&engine);
    worker.connect().await.expect("connects");

    // Rust writes, Python reads: binary chunks and text messages.
    let size = 3 * 1024 * 1024 + 11;
    let channel = Channel::<Bytes>::create(&worker).await.expect("created");
    let caller = worker.clone();
    let reader = channel.reader;
    let read = tokio::spawn(async move {
        invoke_when_registered::<serde_json::Value>(
            &caller,
            "py.channel_read",
            json!({ "reader": reader }),
        )
        .await
    });
    let mut writer = channel.writer.open(&worker).await.expect("writer");
    writer.send_text(r#"{"from":"rust"}"#).await.expect("text");
    let data = pattern(size);
    for piece in data.chunks(200_000) {
        writer.send(piece.to_vec()).await.expect("sends");
    }
    writer.close().await.expect("closes");
    let answer = tokio::time::timeout(WITHIN, read)
        .await
        .expect("in time")
        .expect("joins");
    let answer = answer.expect("python read it");
    assert_eq!(answer["bytes"], size, "{answer}");
    assert_eq!(answer["checksum"], checksum(&data), "{answer}");
    assert_eq!(answer["messages"], json!([{"from": "rust"}]));

    // Python writes, Rust reads.
    let size = 2 * 1024 * 1024 + 3;
    let channel = Channel::<Bytes>::create(&worker).await.expect("created");
    let written = invoke_when_registered::<serde_json::Value>(
        &worker,
        "py.channel_write",
        json!({ "writer": channel.writer, "size": size }),
    );
    let reading = async {
        let mut reader = channel.reader.open(&worker).await.expect("reader");
        let mut bytes = Vec::new();
        let mut texts = Vec::new();
        while let Some(message) = reader.next_message().await {
            match message.expect("a message") {
                iii::Message::Binary(chunk) => bytes.extend_from_slice(&chunk),
                iii::Message::Text(text) => texts.push(text),
            }
        }
        (bytes, texts)
    };
    let (written, (bytes, texts)) =
        tokio::time::timeout(WITHIN, async { tokio::join!(written, reading) })
            .await
            .expect("in time");
    assert_eq!(written.expect("python wrote it")["written"], size);
    assert_eq!(bytes.len(), size);
    assert_eq!(checksum(&bytes), checksum(&pattern(size)));
    assert_eq!(texts.len(), 1);
    let text: serde_json::Value = serde_json::from_str(&texts[0]).expect("json");
    assert_eq!(text, json!({"from": "python", "size": size}));

    worker.disconnect().await;
    py.stop().await;
    engine.shutdown().await;
}
