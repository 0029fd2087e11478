//! Connecting and running one connection: open the socket, report it, then run the reader
//! and the writer apart until either ends.

use std::sync::Arc;

use futures_util::StreamExt;
use futures_util::stream::SplitStream;
use tokio::sync::{mpsc, oneshot};

use super::port::Port;
use super::read::{Reader, read_loop};
use super::report::Event;
use super::socket::{Timings, Ws, open};
use super::write::write_loop;
use crate::config::WorkerConfig;
use crate::dispatch::Admission;
use crate::link::Link;

/// Connects to the engine at `url` (the configured one, or the development engine the
/// worker started when that went away) with the configuration's handshake and, on success,
/// spawns the transport task and reports `Connected`.
pub(crate) async fn connect(
    url: String,
    config: Arc<WorkerConfig>,
    generation: u64,
    timings: Timings,
    events: mpsc::Sender<Event>,
    admission: Arc<Admission>,
) {
    let ws = match open(url, &config.handshake, timings).await {
        Ok(ws) => ws,
        Err(error) => {
            let _ = events
                .send(Event::ConnectFailed { generation, error })
                .await;
            return;
        }
    };
    let (sink, stream) = ws.split();
    let (link, port) = Link::direct(|queues| Port::new(sink, queues));
    let reader = Reader {
        generation,
        timings,
        events,
        admission,
        link: link.clone(),
        port,
    };
    if reader
        .events
        .send(Event::Connected { generation, link })
        .await
        .is_err()
    {
        return;
    }
    tokio::spawn(run(stream, reader));
}

async fn run(stream: SplitStream<Ws>, reader: Reader) {
    let port = Arc::clone(&reader.port);
    let (writer_done, writer_stopped) = oneshot::channel();
    // Reading and writing run apart, so that a write the engine is slow to take never stops
    // the read half from being polled (pongs, results, the idle deadline).
    let writer = tokio::spawn(write_loop(Arc::clone(&port), reader.timings, writer_done));
    let reason = read_loop(stream, &reader, writer_stopped).await;
    writer.abort();
    // The links outlive the connection (the service's, running handlers'): the socket is
    // closed here, and what they send from now on finds the queues closed.
    port.shut();
    let generation = reader.generation;
    tracing::debug!(generation, %reason, "connection ended");
    let _ = reader
        .events
        .send(Event::Closed { generation, reason })
        .await;
}
