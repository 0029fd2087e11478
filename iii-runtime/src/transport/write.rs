//! The write half: sends the service's control frames first, then the data queue and the
//! keepalive pings, in batches flushed once, each bounded by the idle timeout.

use std::pin::Pin;
use std::task::{Context, Poll, Waker};

use futures_util::stream::SplitSink;
use futures_util::{Sink, SinkExt};
use tokio::sync::oneshot;
use tokio::time::{Instant, MissedTickBehavior};
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::socket::{Timings, Ws};
use crate::link::{Outgoing, Queues};

/// How many queued frames one flush may carry.
const WRITE_BATCH: usize = 64;

enum Written {
    Open,
    Closed,
}

/// Feeds `batch` to the socket and flushes it; a `Close` sends the close frame and ends it.
async fn write_batch(
    sink: &mut SplitSink<Ws, WsMessage>,
    batch: &mut Vec<Outgoing>,
) -> Result<Written, tokio_tungstenite::tungstenite::Error> {
    for out in batch.drain(..) {
        let frame = match out {
            Outgoing::Frame(text) => WsMessage::text(text),
            Outgoing::Ping => WsMessage::Ping(Default::default()),
            Outgoing::Close => {
                sink.feed(WsMessage::Close(None)).await?;
                sink.flush().await?;
                return Ok(Written::Closed);
            }
            Outgoing::Fail(code, reason) => {
                let frame = CloseFrame {
                    code: CloseCode::from(code),
                    reason: reason.into(),
                };
                sink.feed(WsMessage::Close(Some(frame))).await?;
                sink.flush().await?;
                return Ok(Written::Closed);
            }
        };
        sink.feed(frame).await?;
    }
    sink.flush().await?;
    Ok(Written::Open)
}

/// Replaces the writer's waker at the socket with one that does nothing, once a batch is
/// out. tokio-tungstenite wakes every task that last used the socket whenever it is ready in
/// either direction: left there, the writer would be woken with the reader by every frame
/// that arrives, and two tasks woken at once make a multi-thread runtime hand the reader to
/// another thread (a futex wake-up and two context switches per frame). Until it writes
/// again the writer waits on its queues, not on the socket. A flush of nothing does it; if
/// the reader holds the socket's lock just then, the writer's waker stays (and wakes it for
/// nothing, as before).
fn forget_waker(sink: &mut SplitSink<Ws, WsMessage>) {
    let mut nothing = Context::from_waker(Waker::noop());
    let _ = Pin::new(sink).poll_flush(&mut nothing);
}

pub(super) async fn write_loop(
    mut sink: SplitSink<Ws, WsMessage>,
    timings: Timings,
    queues: Queues,
    done: oneshot::Sender<String>,
) {
    let Queues {
        mut control,
        mut data,
    } = queues;
    let mut ping = tokio::time::interval_at(
        Instant::now() + timings.ping_interval,
        timings.ping_interval,
    );
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let mut batch = Vec::with_capacity(WRITE_BATCH);
    let reason = loop {
        // Cancel safety: `recv` and `tick` lose nothing when another branch wins. `biased`
        // writes the service's control frames first, so a registration always precedes the
        // calls and results queued after it.
        let first = tokio::select! {
            biased;
            out = control.recv() => out.unwrap_or(Outgoing::Close),
            Some(out) = data.recv() => out,
            _ = ping.tick() => Outgoing::Ping,
        };
        // Feed what is already queued (control first) and flush once: one write for a burst.
        batch.clear();
        batch.push(first);
        while batch.len() < WRITE_BATCH
            && !matches!(batch.last(), Some(Outgoing::Close | Outgoing::Fail(..)))
        {
            match control.try_recv().or_else(|_| data.try_recv()) {
                Ok(out) => batch.push(out),
                Err(_) => break,
            }
        }
        // A write the engine does not take within the idle timeout means it stopped reading
        // (or the link is half-open): give up on the connection. The deadline is set only for
        // a write the socket does not take at once (a timer is two trips to the timer wheel).
        let written = {
            let write = write_batch(&mut sink, &mut batch);
            tokio::pin!(write);
            match std::future::poll_fn(|cx| Poll::Ready(write.as_mut().poll(cx))).await {
                Poll::Ready(written) => Ok(written),
                Poll::Pending => tokio::time::timeout(timings.idle_timeout, write).await,
            }
        };
        match written {
            Ok(Ok(Written::Open)) => forget_waker(&mut sink),
            Ok(Ok(Written::Closed)) => break "closed by the worker".to_owned(),
            Ok(Err(e)) => break format!("write error: {e}"),
            Err(_) => {
                break format!(
                    "a write did not complete within {:?}: the engine is not reading",
                    timings.idle_timeout
                );
            }
        }
    };
    let _ = done.send(reason);
}
