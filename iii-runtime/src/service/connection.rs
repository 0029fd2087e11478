//! The connection's life: connect, replay the registrations, ready, reconnect with backoff;
//! the timers that drive it.

use std::sync::Arc;
use std::time::Duration;

use iii_protocol::{Message, Reattach, RegistrationRejected, codes};
use tokio::time::Instant;

use super::conn::Conn;
use super::frames::{announce, register_frame};
use super::task::Service;
use crate::error::Error;
use crate::link::{Link, Outgoing};
use crate::status::ConnectionStatus;
use crate::transport::{self, Timings};

/// How long the worker waits for the pong that proves its registrations were read before it
/// assumes they were (an engine that does not answer JSON pings).
const READY_FALLBACK: Duration = Duration::from_secs(2);

impl Service {
    pub(super) fn next_wake(&self) -> Option<Instant> {
        match &self.conn {
            Conn::Backoff { until } | Conn::Draining { until, .. } => Some(*until),
            Conn::Open {
                ready: false,
                opened,
                ..
            } => Some(*opened + READY_FALLBACK),
            _ => None,
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
        if self.attempt == 0 {
            tracing::warn!(%error, retry_in = ?delay, "engine not reachable");
        } else {
            tracing::debug!(%error, retry_in = ?delay, attempt = self.attempt, "engine still not reachable");
        }
        self.retry_after(delay);
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

    pub(super) fn on_connected(&mut self, link: Link) {
        if let Conn::Draining { link: slot, .. } = &mut self.conn {
            // Connected after the shutdown began: close at once.
            let _ = link.control.send(Outgoing::Close);
            *slot = Some(link);
            return;
        }
        tracing::info!(url = %self.config.url, "connected to the engine");
        // Reattach first so that the engine tears the old connection down before the replay;
        // then the announce, so that the engine applies the registrations at once instead of
        // holding them back until it knows the worker's namespace.
        let functions = self.admission.functions();
        let mut frames = Vec::with_capacity(functions.len() + self.triggers.len() + 3);
        if let Some((worker_id, Some(token))) = &self.previous {
            frames.push(Message::Reattach(Reattach {
                previous_worker_id: worker_id.clone(),
                reattach_token: token.clone(),
            }));
        }
        frames.push(announce(&self.config));
        // Types before the bindings that may use them, as the official SDKs send them.
        frames.extend(self.providers.frames());
        frames.extend(functions.in_order().map(|(id, f)| register_frame(id, f)));
        drop(functions);
        frames.extend(self.triggers.iter().cloned().map(Message::RegisterTrigger));
        // The engine reads a connection's frames in order, so its pong proves that it has
        // read every registration before it.
        frames.push(Message::Ping);
        for frame in frames {
            let _ = link.control.send(Outgoing::Frame(frame.encode()));
        }
        self.conn = Conn::Open {
            link,
            ready: false,
            opened: Instant::now(),
        };
        self.publish(ConnectionStatus::Registering);
    }

    pub(super) fn mark_ready(&mut self) {
        let Conn::Open { link, ready, .. } = &mut self.conn else {
            return;
        };
        if *ready {
            return;
        }
        *ready = true;
        let data = link.data.clone();
        self.attempt = 0;
        tracing::info!(
            functions = self.admission.functions().len(),
            triggers = self.triggers.len(),
            "worker ready"
        );
        self.calls.release(&data, self.generation);
        self.publish(ConnectionStatus::Ready);
    }

    pub(super) fn on_rejected(&mut self, r: RegistrationRejected) {
        if r.code == codes::FUNCTION_NAMESPACE_CONFLICT {
            tracing::warn!(
                function_id = r.function_id.as_deref().unwrap_or(""),
                owner = %r.owner_worker_id,
                "the engine refused a function: another worker owns it"
            );
            return;
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
        if let Conn::Draining { link, .. } = &mut self.conn {
            *link = None;
            return;
        }
        let delay = self.config.backoff.delay(self.attempt);
        tracing::warn!(%reason, retry_in = ?delay, "lost the connection to the engine");
        self.calls.fail_sent();
        self.providers.disconnected();
        self.retry_after(delay);
    }

    pub(super) fn on_timer(&mut self) {
        match &self.conn {
            Conn::Backoff { .. } => self.start_connect(),
            Conn::Open { ready: false, .. } => {
                tracing::warn!(
                    "the engine did not answer the ping sent after the registrations within {READY_FALLBACK:?}; assuming they were applied"
                );
                self.mark_ready();
            }
            Conn::Draining { .. } => self.on_drain_timer(),
            Conn::Connecting | Conn::Open { ready: true, .. } => {}
        }
    }
}
