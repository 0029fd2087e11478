//! Shutting down: hand the functions over (unregister them and their triggers, withdraw the
//! trigger types it provides, and say so on the `iii-rs::released` topic, so that a standby
//! copy takes them over while this one finishes), let the running invocations (and the calls
//! waiting behind a function's limit) finish within the grace, abandon what still runs after
//! it, then close the connection with a close frame.

use std::time::Duration;

use iii_protocol::{
    InvokeAction, InvokeFunction, Message, UnregisterFunction, UnregisterTrigger, builtins,
};
use tokio::time::Instant;

use super::barrier::READY_FALLBACK;
use super::conn::{Conn, Settle, Stage};
use super::refused::{Standby, released_notice};
use super::task::Service;
use crate::dispatch::shutting_down;
use crate::error::Error;
use crate::link::{Link, Outgoing};
use crate::status::ConnectionStatus;

/// How long abandoned invocations get to send their answers.
const ABANDON_GRACE: Duration = Duration::from_secs(1);

/// How long the connection waits for the shutdown hooks before it checks again.
const HOOKS_WAIT: Duration = Duration::from_secs(3600);

/// How long the close frame may take once the drain is over.
const CLOSE_GRACE: Duration = Duration::from_secs(2);

impl Service {
    /// A deadline of the drain passed: the grace (abandon what runs), the abandoned
    /// invocations' moment to answer (close), or the close frame's time (stop waiting).
    pub(super) fn on_drain_timer(&mut self) {
        if let Conn::Draining {
            settle: settle @ Some(_),
            until,
            ..
        } = &mut self.conn
            && Instant::now() < *until
        {
            // The hand-over's ping had its time, not the grace: close without its pong.
            if settle.is_some_and(|s| Instant::now() >= s.by) {
                tracing::debug!(
                    "the engine did not answer the ping behind the hand-over within {READY_FALLBACK:?}; closing without it"
                );
                *settle = None;
                self.close_if_drained();
            }
            return;
        }
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
            Conn::Draining { closing: false, .. } => self.drain_over(),
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
    pub(super) fn start_closing(&mut self) {
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
        let settle = self.hand_over().map(|ping| Settle {
            ping,
            by: Instant::now() + READY_FALLBACK,
        });
        let handed_over = settle.is_some();
        let link = match std::mem::replace(&mut self.conn, Conn::Connecting) {
            Conn::Open { link, .. } => Some(link),
            _ => None,
        };
        tracing::info!(running = self.admission.running(), "draining");
        if !handed_over {
            self.admission.stop_accepting();
            // Answer what has not started yet; the running invocations may finish, and may
            // still call other functions until they do.
            self.backlog.refuse_all(&shutting_down());
        }
        if link.is_none() {
            self.calls.fail_all(|_| Error::Shutdown);
        }
        self.conn = Conn::Draining {
            link,
            until,
            abandoned: false,
            closing: false,
            handed_over,
            settle,
        };
        self.publish(ConnectionStatus::Draining);
        self.close_if_drained();
    }

    /// On a ready connection: unregisters every trigger and every function held, stops
    /// providing its trigger types, and names the functions on the released topic. The
    /// engine reads the frames in order, so the notice reaches a standby after the functions
    /// are free. A ping goes last: its pong comes behind every invocation the engine sent
    /// before it read the hand-over. That ping when anything was held.
    fn hand_over(&mut self) -> Option<u64> {
        if !matches!(
            self.conn,
            Conn::Open {
                stage: Stage::Ready,
                ..
            }
        ) {
            return None;
        }
        let held: Vec<String> = self
            .claims
            .held()
            .into_iter()
            .filter(|id| !Standby::is_watcher(id))
            .collect();
        if held.is_empty() {
            return None;
        }
        for trigger in &self.triggers {
            if self.sent_triggers.contains(&trigger.id) {
                self.send_control(Message::UnregisterTrigger(UnregisterTrigger {
                    id: trigger.id.clone(),
                    trigger_type: Some(trigger.trigger_type.clone()),
                }));
            }
        }
        self.sent_triggers.clear();
        for frame in self.providers.hand_over() {
            self.send_control(frame);
        }
        for id in &held {
            self.claims.forget(id);
            self.send_control(Message::UnregisterFunction(UnregisterFunction {
                id: id.clone(),
            }));
        }
        // Published as the worker's other publishes are, so that it reaches the standbys'
        // subscriptions, which are in the same namespace.
        self.send_control(Message::InvokeFunction(InvokeFunction {
            action: Some(InvokeAction::Void),
            namespace: self.config.call_namespace(builtins::PUBLISH, None),
            ..InvokeFunction::new(builtins::PUBLISH, released_notice(&held))
        }));
        tracing::info!(
            running = self.admission.running(),
            "handing over: unregistered {} function(s) and their triggers; finishing what runs",
            held.len()
        );
        let ping = self.claims.ping();
        self.send_control(Message::Ping);
        Some(ping)
    }

    /// A pong while draining: the one behind the hand-over lets the connection close once
    /// nothing runs.
    pub(super) fn on_draining_pong(&mut self) {
        self.claims.pong();
        if let Conn::Draining { settle, .. } = &mut self.conn
            && settle.is_some_and(|s| self.claims.answered(s.ping))
        {
            *settle = None;
            self.close_if_drained();
        }
    }

    /// Once nothing runs any more, the close frame can go out.
    pub(super) fn close_if_drained(&mut self) {
        if matches!(
            self.conn,
            Conn::Draining {
                closing: false,
                settle: None,
                ..
            }
        ) && self.admission.running() == 0
            && self.backlog.is_empty()
        {
            self.drain_over();
        }
    }

    /// Nothing runs any more (or the grace ran out): whoever waits for the drain is told, and
    /// the close goes out unless the connection is kept open for the shutdown hooks.
    fn drain_over(&mut self) {
        self.drained = true;
        for done in self.drained_waiters.drain(..) {
            let _ = done.send(());
        }
        if !self.keep_open {
            self.start_closing();
        } else if let Conn::Draining { until, .. } = &mut self.conn {
            // No deadline while the hooks run: the shutdown command closes.
            *until = Instant::now() + HOOKS_WAIT;
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
