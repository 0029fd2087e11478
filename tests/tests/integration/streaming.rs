//! Streamed HTTP bodies over real sockets: `examples/streaming.rs` run as a user runs it
//! (server-sent events as they come, a download made on the fly, uploads of any content type),
//! and functions declared here for what a user cannot see from outside: a client that leaves
//! mid-stream drops the handler's stream, a client that stops reading stops the handler's
//! stream (back-pressure), and the engine's streamed-body limit.

use std::collections::HashMap;
use std::net::SocketAddr;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use futures_util::{Stream, StreamExt};
use iii::prelude::*;
use iii::testing::TestApp;
use iii::{Body, BodyStream, Bytes, Event, Sse};
use iii_test_support::http::Client;
use iii_test_support::wait;
use iii_tests::{engine, eventually, example, http};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

use crate::examples::STOP;

const WITHIN: Duration = Duration::from_secs(10);

/// What the declared streams report, by the `tag` of the request that made them.
#[derive(Default)]
struct Seen {
    /// Bytes a stream produced so far.
    produced: HashMap<String, u64>,
    /// Streams dropped.
    dropped: Vec<String>,
}

static SEEN: Mutex<Option<Seen>> = Mutex::new(None);

fn seen<T>(f: impl FnOnce(&mut Seen) -> T) -> T {
    let mut guard = SEEN.lock().unwrap_or_else(PoisonError::into_inner);
    f(guard.get_or_insert_with(Seen::default))
}

/// Reports its tag as dropped when the stream holding it goes.
struct DropGuard(String);

impl Drop for DropGuard {
    fn drop(&mut self) {
        let tag = std::mem::take(&mut self.0);
        seen(|s| s.dropped.push(tag));
    }
}

#[derive(Deserialize, JsonSchema)]
struct Tag {
    tag: String,
}

/// An endless event stream, one event every 20 ms.
#[iii::function("streaming_test.forever")]
#[iii::http(path = "streaming-test/forever", method = "GET")]
async fn forever(Query(q): Query<Tag>) -> Sse<impl Stream<Item = Event> + Send> {
    let guard = DropGuard(q.tag);
    let events = futures_util::stream::unfold((0u64, guard), |(n, guard)| async move {
        tokio::time::sleep(Duration::from_millis(20)).await;
        let event = Event::default().id(&n.to_string()).data("tick");
        Some((event, (n + 1, guard)))
    });
    Sse::new(events)
}

/// An endless body of 64 KiB chunks, counting what it produced.
#[iii::function("streaming_test.flood")]
#[iii::http(path = "streaming-test/flood", method = "GET")]
async fn flood(Query(q): Query<Tag>) -> Body {
    let block = Bytes::from(vec![b'f'; 64 * 1024]);
    let guard = DropGuard(q.tag);
    let chunks = futures_util::stream::unfold(guard, move |guard| {
        let block = block.clone();
        async move {
            seen(|s| *s.produced.entry(guard.0.clone()).or_default() += block.len() as u64);
            Some((Ok::<_, std::io::Error>(block), guard))
        }
    });
    Body::stream(chunks)
}

#[derive(Serialize, JsonSchema)]
struct Counted {
    bytes: u64,
}

/// Counts a body; a failed read is the handler's error.
#[iii::function("streaming_test.count")]
#[iii::http(path = "streaming-test/count", method = "POST")]
async fn count(mut body: BodyStream) -> Result<Counted> {
    let mut bytes = 0;
    while let Some(chunk) = body.next().await {
        bytes += chunk?.len() as u64;
    }
    Ok(Counted { bytes })
}

#[derive(Serialize, JsonSchema)]
struct Whole {
    bytes: usize,
    first: Option<u8>,
}

/// Takes the whole body at once.
#[iii::function("streaming_test.whole")]
#[iii::http(path = "streaming-test/whole", method = "POST")]
async fn whole(body: Bytes) -> Whole {
    Whole {
        bytes: body.len(),
        first: body.first().copied(),
    }
}

/// Opens a connection and sends `head` (a whole request head, blank line included).
async fn send(addr: SocketAddr, head: &str) -> TcpStream {
    let mut stream = TcpStream::connect(addr).await.expect("connects");
    stream.write_all(head.as_bytes()).await.expect("writes");
    stream
}

fn get(path: &str) -> String {
    format!("GET {path} HTTP/1.1\r\nhost: localhost\r\n\r\n")
}

/// Reads until `text` has arrived, returning everything read so far.
async fn read_until(stream: &mut TcpStream, seen: &mut Vec<u8>, text: &str) {
    let found = tokio::time::timeout(WITHIN, async {
        let mut buf = [0u8; 8192];
        while !String::from_utf8_lossy(seen).contains(text) {
            let n = stream.read(&mut buf).await.expect("reads");
            assert!(
                n > 0,
                "closed before {text:?}: {}",
                String::from_utf8_lossy(seen)
            );
            seen.extend_from_slice(&buf[..n]);
        }
    });
    found
        .await
        .unwrap_or_else(|_| panic!("no {text:?} within {WITHIN:?}"));
}

async fn until_dropped(tag: &str) {
    let dropped = wait::until_ok(WITHIN, || async {
        seen(|s| s.dropped.iter().any(|t| t == tag))
            .then_some(())
            .ok_or(())
    });
    dropped
        .await
        .unwrap_or_else(|_| panic!("the stream of {tag} was not dropped within {WITHIN:?}"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_streaming_example_serves_events_downloads_and_uploads() {
    let engine = engine().await;
    let example = example("streaming", &engine);
    let addr = engine.http_addr();
    let small = eventually(Duration::from_secs(20), || {
        http(addr, "GET", "/files/small.txt?size=30", None)
    })
    .await;
    assert_eq!(small.status, 200, "{small:?}");
    assert_eq!(small.body, "abcdefghijklmnopqrstuvwxyzabcd");
    assert_eq!(
        small.header("content-type"),
        Some("application/octet-stream")
    );
    assert_eq!(
        small.header("content-disposition"),
        Some("attachment; filename=\"small.txt\"")
    );

    // The events come one by one, 100 ms apart, not all at the end.
    let mut stream = send(addr, &get("/ticks")).await;
    let mut seen = Vec::new();
    read_until(&mut stream, &mut seen, "id: 1\n").await;
    let first = Instant::now();
    let head = String::from_utf8_lossy(&seen).to_ascii_lowercase();
    assert!(head.starts_with("http/1.1 200"), "{head}");
    assert!(head.contains("content-type: text/event-stream"), "{head}");
    read_until(&mut stream, &mut seen, "id: 10\n").await;
    let spread = first.elapsed();
    assert!(
        spread >= Duration::from_millis(600),
        "events 1..10 came within {spread:?}"
    );
    let text = String::from_utf8_lossy(&seen).into_owned();
    for n in 1..=10 {
        assert!(
            text.contains(&format!("event: tick\nid: {n}\ndata: {{\"n\":{n}}}\n\n")),
            "{text}"
        );
    }
    drop(stream);

    let size = 3 * 1024 * 1024 + 7;
    let file = http(addr, "GET", &format!("/files/f.bin?size={size}"), None)
        .await
        .expect("http");
    assert_eq!(file.status, 200);
    assert_eq!(file.body.len(), size);
    assert!(
        file.body
            .iter()
            .enumerate()
            .all(|(i, b)| *b == b'a' + (i % 65536 % 26) as u8)
    );

    let client = Client::new(addr);
    let body = "x".repeat(4 * 1024 * 1024);
    for content_type in [
        "application/octet-stream",
        "text/plain",
        "multipart/form-data; boundary=b",
    ] {
        let up = client
            .request(
                "POST",
                "/upload",
                &[("content-type", content_type)],
                body.clone(),
            )
            .await
            .expect("http");
        assert_eq!(up.status, 200, "{up:?}");
        assert_eq!(up.json()["bytes"], 4 * 1024 * 1024, "{content_type}");
        assert_eq!(up.json()["content_type"], content_type);
    }

    // A multipart form, field by field.
    let file = "q".repeat(1024 * 1024);
    let form = format!(
        "--XyZ\r\ncontent-disposition: form-data; name=\"note\"\r\n\r\nhello\r\n--XyZ\r\ncontent-disposition: form-data; name=\"upload\"; filename=\"a.bin\"\r\ncontent-type: application/octet-stream\r\n\r\n{file}\r\n--XyZ--\r\n"
    );
    let multipart = [("content-type", "multipart/form-data; boundary=XyZ")];
    let parts = client
        .request("POST", "/form", &multipart, form)
        .await
        .expect("http");
    assert_eq!(parts.status, 200, "{parts:?}");
    assert_eq!(
        parts.json(),
        serde_json::json!([
            {"name": "note", "file_name": null, "bytes": 5},
            {"name": "upload", "file_name": "a.bin", "bytes": 1024 * 1024}
        ])
    );
    let broken = client
        .request(
            "POST",
            "/form",
            &[("content-type", "multipart/form-data")],
            "x".to_owned(),
        )
        .await
        .expect("http");
    assert_eq!(broken.status, 400, "{broken:?}");

    // A channel between two functions.
    let squares = http(addr, "GET", "/squares?n=5", None).await.expect("http");
    assert_eq!(
        squares.json()["squares"],
        serde_json::json!([1, 4, 9, 16, 25])
    );

    let stopped = example.terminate(STOP).await.expect("stops");
    assert!(stopped.status.success(), "{stopped:#?}");
    engine.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_leaves_mid_stream_drops_the_handlers_stream() {
    let t = crate::declared::start().await;
    let addr = t.engine().expect("the kit's own engine").http_addr();
    eventually(WITHIN, || http(addr, "GET", "/streaming-test/count", None)).await;

    let mut stream = send(addr, &get("/streaming-test/forever?tag=sse-left")).await;
    let mut seen = Vec::new();
    read_until(&mut stream, &mut seen, "id: 2\n").await;
    let left = Instant::now();
    drop(stream);
    until_dropped("sse-left").await;
    println!(
        "an idle event stream was dropped {:?} after its client left",
        left.elapsed()
    );

    t.shutdown().await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_that_stops_reading_stops_the_handlers_stream() {
    let t = crate::declared::start().await;
    let addr = t.engine().expect("the kit's own engine").http_addr();
    eventually(WITHIN, || http(addr, "GET", "/streaming-test/count", None)).await;

    let tag = "flood-slow";
    let mut stream = send(addr, &get(&format!("/streaming-test/flood?tag={tag}"))).await;
    let mut seen = Vec::new();
    read_until(&mut stream, &mut seen, "ffff").await;
    // Not reading: the stream goes on only until every buffer on the way is full.
    let produced = || seen_bytes(tag);
    let settled = wait::until_ok(WITHIN, || async {
        let before = produced();
        tokio::time::sleep(Duration::from_millis(300)).await;
        let after = produced();
        (before == after).then_some(after).ok_or(after)
    });
    let stalled = settled.await.expect("the stream stops producing");
    println!(
        "a client that reads nothing held the stream at {} KiB",
        stalled / 1024
    );
    assert!(
        stalled < 48 * 1024 * 1024,
        "{stalled} bytes produced for a client that reads nothing"
    );

    // Reading again resumes it.
    let mut buf = vec![0u8; 1 << 16];
    let mut read = 0u64;
    while read < stalled + 4 * 1024 * 1024 {
        let n = stream.read(&mut buf).await.expect("reads");
        assert!(n > 0, "the stream closed");
        read += n as u64;
    }
    assert!(produced() > stalled, "the stream resumed");

    // Leaving while the stream waits for room drops it too.
    drop(stream);
    until_dropped(tag).await;
    t.shutdown().await;
}

fn seen_bytes(tag: &str) -> u64 {
    seen(|s| s.produced.get(tag).copied().unwrap_or(0))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_streamed_body_is_bounded_by_the_streamed_limit_not_the_inline_one() {
    let t = TestApp::options(crate::declared::app())
        .engine(|c| {
            c.max_body_bytes = 64 * 1024;
            c.max_stream_body_bytes = 1024 * 1024;
        })
        .start()
        .await;
    let addr = t.engine().expect("the kit's own engine").http_addr();
    eventually(WITHIN, || http(addr, "GET", "/streaming-test/count", None)).await;
    let client = Client::new(addr);
    let octets = [("content-type", "application/octet-stream")];

    // Over the inline limit, under the streamed one: through.
    let fits = client
        .request(
            "POST",
            "/streaming-test/count",
            &octets,
            "y".repeat(512 * 1024),
        )
        .await
        .expect("http");
    assert_eq!(fits.json()["bytes"], 512 * 1024, "{fits:?}");

    // `Bytes` takes a whole body, binary or JSON (its raw text).
    let binary = client
        .request(
            "POST",
            "/streaming-test/whole",
            &octets,
            "w".repeat(300 * 1024),
        )
        .await
        .expect("http");
    assert_eq!(
        binary.json(),
        serde_json::json!({"bytes": 300 * 1024, "first": b'w'})
    );
    let json = [("content-type", "application/json")];
    let raw = client
        .request("POST", "/streaming-test/whole", &json, "[1, 2]".to_owned())
        .await
        .expect("http");
    assert_eq!(raw.json(), serde_json::json!({"bytes": 6, "first": b'['}));

    // A declared length over the streamed limit: refused from the head alone, before the
    // function runs (and before the body is sent: a client writing on would meet a closed
    // socket, which is the engine's right once it has answered).
    let mut stream = send(
        addr,
        &format!(
            "POST /streaming-test/count HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/octet-stream\r\ncontent-length: {}\r\n\r\n",
            2 * 1024 * 1024
        ),
    )
    .await;
    let mut declared = Vec::new();
    read_until(&mut stream, &mut declared, "\r\n\r\n").await;
    let declared = String::from_utf8_lossy(&declared);
    assert!(declared.starts_with("HTTP/1.1 413"), "{declared}");
    drop(stream);

    // A chunked body that grows past it: the function's read fails, and says why.
    let mut stream = send(
        addr,
        "POST /streaming-test/count HTTP/1.1\r\nhost: localhost\r\ncontent-type: application/octet-stream\r\ntransfer-encoding: chunked\r\n\r\n",
    )
    .await;
    let chunk = vec![b'z'; 256 * 1024];
    let mut answer = Vec::new();
    for _ in 0..8 {
        let head = format!("{:x}\r\n", chunk.len());
        if stream.write_all(head.as_bytes()).await.is_err()
            || stream.write_all(&chunk).await.is_err()
            || stream.write_all(b"\r\n").await.is_err()
        {
            break;
        }
    }
    let _ = stream.write_all(b"0\r\n\r\n").await;
    read_until(&mut stream, &mut answer, "}}").await;
    let answer = String::from_utf8_lossy(&answer);
    assert!(answer.starts_with("HTTP/1.1 502"), "{answer}");
    assert!(
        answer.contains("channel_failed") && answer.contains("exceeds 1048576 bytes"),
        "{answer}"
    );

    t.shutdown().await;
}
