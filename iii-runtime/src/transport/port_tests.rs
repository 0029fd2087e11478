//! The shared write side over a real loopback WebSocket: direct writes, their order behind
//! queued frames, the reader's deferred flush, and the writer finishing what a direct write
//! could not.

use std::time::Duration;

use futures_util::StreamExt;
use tokio::net::TcpListener;
use tokio_tungstenite::WebSocketStream;
use tokio_tungstenite::tungstenite::Message as WsMessage;

use super::*;
use crate::link::Link;
use crate::transport::socket::Timings;
use crate::transport::write::write_loop;

type Server = WebSocketStream<tokio::net::TcpStream>;

/// A connected pair: the server's end, and the client's port, link and read half.
async fn pair() -> (
    Server,
    Arc<Port>,
    Link,
    futures_util::stream::SplitStream<Ws>,
) {
    let listener = TcpListener::bind("127.0.0.1:0").await.expect("bind");
    let addr = listener.local_addr().expect("addr");
    let accept = tokio::spawn(async move {
        let (tcp, _) = listener.accept().await.expect("accept");
        tokio_tungstenite::accept_async(tcp)
            .await
            .expect("handshake")
    });
    let (client, _) = tokio_tungstenite::connect_async(format!("ws://{addr}"))
        .await
        .expect("connect");
    let server = accept.await.expect("server task");
    let (sink, stream) = client.split();
    let (link, port) = Link::direct(|queues| Port::new(sink, queues));
    (server, port, link, stream)
}

/// The next text frame the server receives, within a few seconds.
async fn next_text(server: &mut Server) -> String {
    loop {
        let frame = tokio::time::timeout(Duration::from_secs(5), server.next())
            .await
            .expect("a frame within 5 s")
            .expect("open")
            .expect("a frame");
        if let WsMessage::Text(text) = frame {
            return text.as_str().to_owned();
        }
    }
}

fn side(port: &Port) -> MutexGuard<'_, Option<Side>> {
    port.lock()
}

/// Whether the reader owes a flush.
fn owes(port: &Port) -> bool {
    port.owed.load(std::sync::atomic::Ordering::Relaxed)
}

fn timings() -> Timings {
    Timings {
        connect_timeout: Duration::from_secs(5),
        ping_interval: Duration::from_secs(30),
        idle_timeout: Duration::from_secs(5),
    }
}

#[tokio::test]
async fn an_answer_with_nothing_ahead_of_it_goes_out_without_the_writer() {
    let (mut server, port, link, _stream) = pair().await;
    // No writer task runs: only the direct write can put the frame on the wire.
    link.answer("one".to_owned()).await;
    assert_eq!(next_text(&mut server).await, "one");
    let guard = side(&port);
    let side = guard.as_ref().expect("open");
    assert!(!side.unflushed && !owes(&port), "flushed at once");
}

#[tokio::test]
async fn an_answer_waits_behind_what_is_queued_and_the_order_holds() {
    let (mut server, port, link, _stream) = pair().await;
    link.data
        .send(Outgoing::Frame("queued first".to_owned()))
        .await
        .expect("queue open");
    assert_eq!(
        port.try_write("direct".to_owned()),
        Err("direct".to_owned()),
        "a queued frame is ahead: the answer is given back"
    );
    link.answer("answered second".to_owned()).await;
    let writer = start_writer(&port);
    assert_eq!(next_text(&mut server).await, "queued first");
    assert_eq!(next_text(&mut server).await, "answered second");
    // Once the queue is drained, answers go direct again, still in order.
    link.answer("third".to_owned()).await;
    assert_eq!(next_text(&mut server).await, "third");
    writer.abort();
}

#[tokio::test]
async fn answers_written_while_reading_are_flushed_together_when_the_reader_waits() {
    let (mut server, port, link, _stream) = pair().await;
    port.reading(|| {
        for n in 0..3 {
            assert_eq!(port.try_write(format!("r{n}")), Ok(()), "fed while reading");
        }
    });
    assert!(owes(&port), "the reader owes the flush");
    // Another task's answer goes behind the fed ones, and flushes them with its own.
    link.answer("other".to_owned()).await;
    for expected in ["r0", "r1", "r2", "other"] {
        assert_eq!(next_text(&mut server).await, expected);
    }
    port.reading(|| assert_eq!(port.try_write("r3".to_owned()), Ok(())));
    port.flush_owed();
    assert_eq!(next_text(&mut server).await, "r3");
    assert!(!owes(&port));
}

#[tokio::test]
async fn a_flush_the_socket_cannot_take_is_finished_by_the_writer_in_order() {
    let (mut server, port, link, _stream) = pair().await;
    // The server reads nothing until the socket's buffers are full.
    // Large enough to fill them soon.
    let big = "x".repeat(64 << 10);
    let mut sent = 0;
    while port.try_write(format!("{sent}:{big}")).is_ok() {
        sent += 1;
        if side(&port).as_ref().expect("open").unflushed {
            break;
        }
        assert!(sent < 4096, "loopback buffers never filled");
    }
    assert!(
        side(&port).as_ref().expect("open").unflushed,
        "a flush was left"
    );
    assert_eq!(
        port.try_write("refused".to_owned()),
        Err("refused".to_owned()),
        "nothing overtakes bytes still to flush"
    );
    link.answer("queued behind".to_owned()).await;
    let writer = start_writer(&port);
    for n in 0..sent {
        let text = next_text(&mut server).await;
        assert!(text.starts_with(&format!("{n}:")), "frame {n} in order");
    }
    assert_eq!(next_text(&mut server).await, "queued behind");
    writer.abort();
}

#[tokio::test]
async fn a_shut_port_writes_nothing_and_closes_the_queues() {
    let (mut server, port, link, stream) = pair().await;
    port.shut();
    assert_eq!(port.try_write("late".to_owned()), Err("late".to_owned()));
    assert!(link.data.is_closed(), "senders find the queue closed");
    // With the read half gone too (the reader drops it as it ends), the socket is closed:
    // the server's read ends.
    drop(stream);
    let end = tokio::time::timeout(Duration::from_secs(5), async {
        while let Some(Ok(frame)) = server.next().await {
            assert!(
                !matches!(frame, WsMessage::Text(_)),
                "no text after the shut"
            );
        }
    })
    .await;
    assert!(end.is_ok(), "the server saw the connection end");
    let _ = server.close(None).await;
}

/// Starts the writer task on `port` (the tests that need it only).
fn start_writer(port: &Arc<Port>) -> tokio::task::JoinHandle<()> {
    let (done, _stopped) = tokio::sync::oneshot::channel();
    tokio::spawn(write_loop(Arc::clone(port), timings(), done))
}
