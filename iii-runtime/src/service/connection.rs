//! The connection's life around its start (see `barrier`): connect, reconnect with backoff,
//! say why the engine cannot be reached, and the timers that drive it all.

use std::sync::Arc;
use std::time::Duration;

use iii_protocol::{RegistrationRejected, codes};
use tokio::time::Instant;

use super::barrier::READY_FALLBACK;
use super::conn::{Conn, Stage};
use super::task::Service;
use crate::error::Error;
use crate::status::ConnectionStatus;
use crate::transport::{self, Timings};

/// While the engine stays unreachable, the worker says so again this often.
const OUTAGE_REPORT: Duration = Duration::from_secs(30);

/// What a worker that cannot reach its engine is told to do.
const CONNECT_HELP: &str = "start an engine (`cargo run -p iii-engine`, or the iii engine), point III_URL at a running one, or let the program start the development engine in-process (`#[iii::main]` does when III_URL is unset; the plain API calls `iii::start_dev_engine_if_needed`)";

impl Service {
    pub(super) fn next_wake(&self) -> Option<Instant> {
        match &self.conn {
            Conn::Draining {
                until,
                settle: Some(settle),
                ..
            } => Some((*until).min(settle.by)),
            Conn::Backoff { until } | Conn::Draining { until, .. } => Some(*until),
            Conn::Open {
                stage: Stage::Registering | Stage::Binding(_),
                opened,
                ..
            } => Some(*opened + READY_FALLBACK),
            Conn::Open { .. } => self.standby.retry_at,
            Conn::Connecting => None,
        }
    }

    pub(super) fn start_connect(&mut self) {
        self.generation += 1;
        self.conn = Conn::Connecting;
        if self.attempt == 0 {
            self.publish(ConnectionStatus::Connecting);
        }
        let timings = Timings {
            connect_timeout: self.config.connect_timeout,
            ping_interval: self.config.ping_interval,
            idle_timeout: self.config.idle_timeout,
        };
        tokio::spawn(transport::connect(
            self.url.clone(),
            Arc::clone(&self.config),
            self.generation,
            timings,
            self.events_tx.clone(),
            Arc::clone(&self.admission),
        ));
    }

    pub(super) fn on_connect_failed(&mut self, error: Error) {
        if let Conn::Draining { link, .. } = &mut self.conn {
            *link = None;
            return;
        }
        let delay = self.config.backoff.delay(self.attempt);
        let now = Instant::now();
        match self.outage {
            None => {
                tracing::warn!("{error}\nhelp: {CONNECT_HELP}; retrying in {delay:.1?}");
                self.outage = Some((now, now));
            }
            Some((since, said)) if now.duration_since(said) >= OUTAGE_REPORT => {
                tracing::warn!(
                    "the engine is still not reachable after {:.0?}: {error}; retrying in {delay:.1?}",
                    now.duration_since(since)
                );
                self.outage = Some((since, now));
            }
            Some(_) => {
                tracing::debug!(%error, retry_in = ?delay, attempt = self.attempt, "engine still not reachable");
            }
        }
        let cause = match &error {
            Error::Connect { source, .. } => source.to_string(),
            other => other.to_string(),
        };
        self.connect_error = Some(format!("{cause}\nhelp: {CONNECT_HELP}").into());
        self.retry_after(delay);
        self.maybe_start_engine();
    }

    fn retry_after(&mut self, delay: Duration) {
        self.attempt = self.attempt.saturating_add(1);
        self.conn = Conn::Backoff {
            until: Instant::now() + delay,
        };
        self.publish(ConnectionStatus::Reconnecting {
            attempt: self.attempt,
        });
    }

    /// `registrationrejected`: a function is held by another worker (see `standby`), or the
    /// whole worker is refused (its name is taken), which no retry can fix.
    pub(super) fn on_rejected(&mut self, r: RegistrationRejected) {
        if r.code == codes::FUNCTION_NAMESPACE_CONFLICT {
            return self.on_refused(r);
        }
        let reason = format!(
            "the engine rejected this worker ({}{}); not reconnecting",
            r.code,
            r.worker_name
                .map(|n| format!(", worker name `{n}`"))
                .unwrap_or_default()
        );
        tracing::error!("{reason}");
        self.fatal = Some(reason);
        self.begin_shutdown();
    }

    pub(super) fn on_closed(&mut self, reason: String) {
        // The engine answered what it had sent on that connection; the backlog is void.
        self.backlog.clear();
        if let Conn::Draining { link, settle, .. } = &mut self.conn {
            *link = None;
            // No pong comes on a closed connection.
            if settle.take().is_some() {
                self.close_if_drained();
            }
            return;
        }
        let delay = self.config.backoff.delay(self.attempt);
        tracing::warn!(%reason, retry_in = ?delay, "lost the connection to the engine");
        self.outage = Some((Instant::now(), Instant::now()));
        self.calls.fail_sent();
        self.providers.disconnected();
        self.retry_after(delay);
    }

    pub(super) fn on_timer(&mut self) {
        match &self.conn {
            Conn::Backoff { .. } => self.start_connect(),
            Conn::Open {
                stage: Stage::Registering | Stage::Binding(_),
                ..
            } => self.on_ready_fallback(),
            Conn::Open { .. } => self.on_retry_timer(),
            Conn::Draining { .. } => self.on_drain_timer(),
            Conn::Connecting => {}
        }
    }
}
