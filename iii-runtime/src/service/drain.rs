//! Shutting down: stop taking invocations, let the running ones (and the calls waiting
//! behind a function's limit) finish within the grace, abandon what still runs after it,
//! then close the connection with a close frame.

use std::time::Duration;

use tokio::time::Instant;

use super::conn::Conn;
use super::task::Service;
use crate::dispatch::shutting_down;
use crate::error::Error;
use crate::link::{Link, Outgoing};
use crate::status::ConnectionStatus;

/// How long abandoned invocations get to send their answers.
const ABANDON_GRACE: Duration = Duration::from_secs(1);

/// How long the close frame may take once the drain is over.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

impl Service {
    /// A deadline of the drain passed: the grace (abandon what runs), the abandoned
    /// invocations' moment to answer (close), or the close frame's time (stop waiting).
    pub(super) fn on_drain_timer(&mut self) {
        match &self.conn {
            Conn::Draining {
                closing: false,
                abandoned: false,
                ..
            } if self.admission.running() > 0 => {
                tracing::warn!(
                    running = self.admission.running(),
                    "shutdown grace elapsed; answering and abandoning the running invocations"
                );
                self.admission.abandon_running();
                if let Conn::Draining {
                    until, abandoned, ..
                } = &mut self.conn
                {
                    *abandoned = true;
                    *until = Instant::now() + ABANDON_GRACE;
                }
            }
            Conn::Draining { closing: false, .. } => self.start_closing(),
            Conn::Draining { closing: true, .. } => {
                // The close frame had its time: stop waiting for the transport.
                if let Conn::Draining { link, .. } = &mut self.conn {
                    *link = None;
                }
            }
            _ => {}
        }
    }

    /// Queues the close frame (behind the results already queued) and gives it
    /// `CLOSE_GRACE` to go out.
    fn start_closing(&mut self) {
        if let Conn::Draining {
            link,
            until,
            closing,
            ..
        } = &mut self.conn
            && !*closing
        {
            *closing = true;
            *until = Instant::now() + CLOSE_GRACE;
            if let Some(link) = link {
                close_after_data(link);
            }
        }
    }

    pub(super) fn begin_shutdown(&mut self) {
        if matches!(self.conn, Conn::Draining { .. }) {
            return;
        }
        let until = Instant::now() + self.config.shutdown_grace;
        let link = match std::mem::replace(&mut self.conn, Conn::Connecting) {
            Conn::Open { link, .. } => Some(link),
            _ => None,
        };
        tracing::info!(running = self.admission.running(), "draining");
        self.admission.stop_accepting();
        // Answer what has not started yet; the running invocations may finish, and may still
        // call other functions until they do.
        self.backlog.refuse_all(&shutting_down());
        if link.is_none() {
            self.calls.fail_all(|_| Error::Shutdown);
        }
        self.conn = Conn::Draining {
            link,
            until,
            abandoned: false,
            closing: false,
        };
        self.publish(ConnectionStatus::Draining);
        self.close_if_drained();
    }

    /// Once nothing runs any more, the close frame can go out.
    pub(super) fn close_if_drained(&mut self) {
        if matches!(self.conn, Conn::Draining { closing: false, .. })
            && self.admission.running() == 0
        {
            self.start_closing();
        }
    }
}

/// Queues the close frame behind the results already queued on the data queue, so that the
/// answers of invocations that finished during the drain go out before the socket closes.
fn close_after_data(link: &Link) {
    let data = link.data.clone();
    tokio::spawn(async move {
        let _ = data.send(Outgoing::Close).await;
    });
}
