//! The connection's life: connect, replay, ready, reconnect with backoff, drain and close.

use std::sync::Arc;
use std::time::Duration;

use iii_protocol::{
    InvokeAction, InvokeFunction, Message, Reattach, RegistrationRejected, WorkerMetadata,
    WorkerTelemetry, builtins, codes,
};
use tokio::time::Instant;

use super::{Conn, Service, register_frame};
use crate::dispatcher::shutting_down;
use crate::error::Error;
use crate::state::ConnectionState;
use crate::transport::{self, Link, Outgoing, Timings};

/// How long the worker waits for the pong that proves its registrations were read before it
/// assumes they were (an engine that does not answer JSON pings).
const READY_FALLBACK: Duration = Duration::from_secs(2);

/// How long abandoned invocations get to send their answers.
const ABANDON_GRACE: Duration = Duration::from_secs(1);

/// How long the close frame may take once the drain is over.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

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
            self.publish(ConnectionState::Connecting);
        }
        let timings = Timings {
            connect_timeout: self.config.connect_timeout,
            ping_interval: self.config.ping_interval,
            idle_timeout: self.config.idle_timeout,
        };
        tokio::spawn(transport::connect(
            self.config.url.clone(),
            self.generation,
            timings,
            self.events_tx.clone(),
            Arc::clone(&self.dispatcher),
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
        self.publish(ConnectionState::Reconnecting {
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
        let mut frames = Vec::with_capacity(self.function_order.len() + self.triggers.len() + 3);
        if let Some((worker_id, Some(token))) = &self.previous {
            frames.push(Message::Reattach(Reattach {
                previous_worker_id: worker_id.clone(),
                reattach_token: token.clone(),
            }));
        }
        frames.push(self.announce());
        for id in &self.function_order {
            if let Some(function) = self.functions.get(id) {
                frames.push(register_frame(id, function));
            }
        }
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
        self.publish(ConnectionState::Registering);
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
            functions = self.functions.len(),
            triggers = self.triggers.len(),
            "worker ready"
        );
        self.calls.release(&data, self.generation);
        self.publish(ConnectionState::Ready);
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
        self.drop_backlog();
        if let Conn::Draining { link, .. } = &mut self.conn {
            *link = None;
            return;
        }
        let delay = self.config.backoff.delay(self.attempt);
        tracing::warn!(%reason, retry_in = ?delay, "lost the connection to the engine");
        self.calls.fail_sent();
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
            Conn::Draining {
                closing: false,
                abandoned: false,
                ..
            } if self.dispatcher.running() > 0 => {
                tracing::warn!(
                    running = self.dispatcher.running(),
                    "shutdown grace elapsed; answering and abandoning the running invocations"
                );
                self.dispatcher.abandon_running();
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
        tracing::info!(running = self.dispatcher.running(), "draining");
        self.dispatcher.stop_accepting();
        // Answer what has not started yet; the running invocations may finish, and may still
        // call other functions until they do.
        self.refuse_backlog(&shutting_down());
        if link.is_none() {
            self.calls.fail_all(|_| Error::Shutdown);
        }
        self.conn = Conn::Draining {
            link,
            until,
            abandoned: false,
            closing: false,
        };
        self.publish(ConnectionState::Draining);
        self.close_if_drained();
    }

    /// Once nothing runs any more, the close frame can go out.
    pub(super) fn close_if_drained(&mut self) {
        if matches!(self.conn, Conn::Draining { closing: false, .. })
            && self.dispatcher.running() == 0
        {
            self.start_closing();
        }
    }

    fn announce(&self) -> Message {
        let metadata = WorkerMetadata {
            runtime: "rust".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            name: self.config.name.clone(),
            os: format!("{} ({})", std::env::consts::OS, std::env::consts::ARCH),
            pid: std::process::id(),
            isolation: std::env::var("III_ISOLATION").ok(),
            namespace: None,
            description: self.config.description.clone(),
            telemetry: Some(WorkerTelemetry {
                language: None,
                project_name: None,
                framework: Some("iii-rs".to_owned()),
            }),
        };
        let data =
            iii_protocol::raw::to_raw(&metadata).unwrap_or_else(|_| iii_protocol::raw::null());
        Message::InvokeFunction(InvokeFunction {
            action: Some(InvokeAction::Void),
            ..InvokeFunction::new(builtins::WORKERS_REGISTER, data)
        })
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
