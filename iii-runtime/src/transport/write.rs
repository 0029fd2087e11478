//! The writer task: writes what the queues hold (the service's control frames first) and the
//! keepalive pings, in batches flushed once, finishes the flushes a direct write left (see
//! `port`), and bounds every write by the idle timeout.

use std::sync::Arc;
use std::task::Poll;

use tokio::sync::oneshot;
use tokio::time::{Instant, MissedTickBehavior};

use super::port::{Port, Written};
use super::socket::Timings;

pub(super) async fn write_loop(port: Arc<Port>, timings: Timings, done: oneshot::Sender<String>) {
    let mut ping = tokio::time::interval_at(
        Instant::now() + timings.ping_interval,
        timings.ping_interval,
    );
    ping.set_missed_tick_behavior(MissedTickBehavior::Delay);
    let reason = loop {
        // Cancel safety: a poll of the port loses nothing (what it takes stays in its batch),
        // nor does `tick`. `biased`: queued frames before a ping.
        let work = tokio::select! {
            biased;
            work = std::future::poll_fn(|cx| port.poll_pending_work(cx)) => work,
            _ = ping.tick() => {
                port.push_ping();
                Ok(())
            }
        };
        if work.is_err() {
            break "the connection ended".to_owned();
        }
        // A write the engine does not take within the idle timeout means it stopped reading
        // (or the link is half-open): give up on the connection. The deadline is set only for
        // a write the socket does not take at once (a timer is two trips to the timer wheel).
        let written = match std::future::poll_fn(|cx| Poll::Ready(port.poll_write(cx))).await {
            Poll::Ready(written) => Ok(written),
            Poll::Pending => {
                let write = std::future::poll_fn(|cx| port.poll_write(cx));
                tokio::time::timeout(timings.idle_timeout, write).await
            }
        };
        match written {
            Ok(Ok(Written::Open)) => port.forget_waker(),
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
