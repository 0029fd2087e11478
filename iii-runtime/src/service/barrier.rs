//! A connection's start, and every registration after it: the announce and the functions go
//! out first with a ping behind them; the pong settles which functions the engine refused
//! (see `claims`); only then the trigger types the worker provides (unless functions were
//! refused, see `provide_types`) and the triggers of the functions held, with another ping
//! whose pong makes the worker ready. A function registered later gets a ping of its own, and
//! its triggers wait for that pong too.

use std::time::Duration;

use iii_protocol::{Message, Reattach, RegisterTrigger, UnregisterTrigger};
use tokio::time::Instant;

use super::conn::{Conn, Stage};
use super::frames::{announce, register_frame, trigger_frame};
use super::task::Service;
use crate::link::{Link, Outgoing};
use crate::status::ConnectionStatus;

/// How long the worker waits for the pongs of its start before it assumes that the engine
/// read its registrations (an engine that does not answer JSON pings).
pub(super) const READY_FALLBACK: Duration = Duration::from_secs(2);

impl Service {
    pub(super) fn on_connected(&mut self, link: Link) {
        if let Conn::Draining { link: slot, .. } = &mut self.conn {
            // Connected after the shutdown began: close at once.
            let _ = link.control.send(Outgoing::Close);
            *slot = Some(link);
            return;
        }
        tracing::info!(url = %self.url, "connected to the engine");
        if self.previous.is_some() {
            crate::observe::metrics::reconnected();
        }
        self.connect_error = None;
        self.outage = None;
        self.claims = Default::default();
        self.sent_triggers.clear();
        // Reattach first so that the engine tears the old connection down before the replay;
        // then the announce, so that the engine applies the registrations at once instead of
        // holding them back until it knows the worker's namespace.
        let mut frames = Vec::new();
        if let Some((worker_id, Some(token))) = &self.previous {
            frames.push(Message::Reattach(Reattach {
                previous_worker_id: worker_id.clone(),
                reattach_token: token.clone(),
            }));
        }
        frames.push(announce(&self.config));
        let functions = self.admission.functions();
        for (id, function) in functions.in_order() {
            frames.push(register_frame(id, function));
            self.claims.sent(id);
        }
        drop(functions);
        // The pong to this ping follows any refusal of the functions before it.
        self.claims.ping();
        frames.push(Message::Ping);
        for frame in frames {
            let _ = link.control.send(Outgoing::Frame(frame.encode()));
        }
        self.conn = Conn::Open {
            link,
            stage: Stage::Registering,
            opened: Instant::now(),
        };
        self.publish(ConnectionStatus::Registering);
    }

    /// A pong: the functions it settles are held (their triggers go out); the start moves on.
    pub(super) fn on_pong(&mut self) {
        if matches!(self.conn, Conn::Draining { .. }) {
            return self.on_draining_pong();
        }
        let Conn::Open { stage, .. } = &self.conn else {
            return;
        };
        let stage = *stage;
        let held = self.claims.pong();
        self.settled(stage, &held);
    }

    /// The engine did not answer the start's pings in time: go on as if it had.
    pub(super) fn on_ready_fallback(&mut self) {
        let Conn::Open { stage, .. } = &self.conn else {
            return;
        };
        let stage = *stage;
        tracing::warn!(
            "the engine did not answer the ping sent after the registrations within {READY_FALLBACK:?}; assuming they were applied"
        );
        let held = self.claims.assume_held();
        self.settled(stage, &held);
        if matches!(&self.conn, Conn::Open { stage, .. } if *stage != Stage::Ready) {
            self.mark_ready();
        }
    }

    fn settled(&mut self, stage: Stage, held: &[String]) {
        self.took_over(held);
        match stage {
            Stage::Registering => {
                // Past the first ping: the triggers of the functions held may go out now.
                let ping = self.claims.ping();
                self.set_stage(Stage::Binding(ping));
                self.provide_types();
                self.flush_triggers();
                self.send_control(Message::Ping);
                self.refusals_settled();
            }
            Stage::Binding(ping) if self.claims.answered(ping) => {
                // Only the fallback holds functions here (a pong settles them before their
                // ping is answered): their types and triggers go out before the ready mark.
                self.provide_types();
                self.flush_triggers();
                self.mark_ready();
            }
            Stage::Binding(_) | Stage::Ready => {
                self.provide_types();
                self.flush_triggers();
            }
        }
    }

    /// Announces the trigger types this worker provides, once on a connection: after the
    /// first pong and before the triggers, so that the engine knows a type before any binding
    /// of it from this worker (and the readiness pong covers them), and only while the engine
    /// refuses this worker nothing. A type has no owner to refuse: the engine makes its last
    /// announcer its provider and hands it every binding, without telling the previous one,
    /// which would go on firing them. So a copy refused functions (a standby, or a second
    /// copy started by mistake) leaves its types to the live copy that holds them until it
    /// takes everything over.
    pub(super) fn provide_types(&mut self) {
        let past_first_pong = matches!(
            &self.conn,
            Conn::Open {
                stage: Stage::Binding(_) | Stage::Ready,
                ..
            }
        );
        if !past_first_pong || !self.providers.waiting() {
            return;
        }
        if !self.claims.refusals().is_empty() {
            tracing::debug!("trigger types held back while functions are refused");
            return;
        }
        for frame in self.providers.announce() {
            self.send_control(frame);
        }
    }

    fn set_stage(&mut self, next: Stage) {
        if let Conn::Open { stage, .. } = &mut self.conn {
            *stage = next;
        }
    }

    fn mark_ready(&mut self) {
        let Some(link) = self.conn.open_link() else {
            return;
        };
        let data = link.data.clone();
        self.set_stage(Stage::Ready);
        self.attempt = 0;
        // Refused on its first connection and not a standby: `ready` reports it, and the
        // worker is not what its owner asked for, so it does not say it is ready.
        let reported =
            !self.ever_ready && !self.config.standby && !self.claims.refusals().is_empty();
        self.ever_ready = true;
        if reported {
            tracing::debug!("connected, with refused functions");
        } else {
            tracing::info!(
                functions = self.admission.functions().len(),
                triggers = self.sent_triggers.len(),
                "worker ready"
            );
        }
        self.calls.release(&data, self.generation);
        self.publish(ConnectionStatus::Ready);
        if !reported {
            self.summarize();
        }
    }

    /// Sends every trigger that may go out now and has not yet on this connection.
    pub(super) fn flush_triggers(&mut self) {
        let due: Vec<RegisterTrigger> = self
            .triggers
            .iter()
            .filter(|t| !self.sent_triggers.contains(&t.id) && self.may_send(t))
            .cloned()
            .collect();
        for trigger in due {
            self.send_trigger(&trigger);
        }
    }

    /// A trigger may go out once the connection is past its first ping, and then when its
    /// function is another worker's or held by this one.
    pub(super) fn may_send(&self, trigger: &RegisterTrigger) -> bool {
        let registering = matches!(
            &self.conn,
            Conn::Open {
                stage: Stage::Registering,
                ..
            }
        );
        !registering
            && (self.claims.is_held(&trigger.function_id)
                || !self.admission.functions().contains(&trigger.function_id))
    }

    pub(super) fn send_trigger(&mut self, trigger: &RegisterTrigger) {
        let Some(link) = self.conn.open_link() else {
            return;
        };
        let frame = trigger_frame(trigger, &link.secret, &self.admission.functions());
        let _ = link.control.send(Outgoing::Frame(frame.encode()));
        self.sent_triggers.insert(trigger.id.clone());
    }

    /// Takes back the triggers of `function_id` that went out on this connection.
    pub(super) fn withdraw_triggers(&mut self, function_id: &str) {
        let sent: Vec<(String, String)> = self
            .triggers
            .iter()
            .filter(|t| t.function_id == function_id && self.sent_triggers.contains(&t.id))
            .map(|t| (t.id.clone(), t.trigger_type.clone()))
            .collect();
        for (id, trigger_type) in sent {
            self.sent_triggers.remove(&id);
            self.send_control(Message::UnregisterTrigger(UnregisterTrigger {
                id,
                trigger_type: Some(trigger_type),
            }));
        }
    }

    /// Registers `id` on the open connection: the frame, then a ping that settles it.
    pub(super) fn claim(&mut self, id: &str) {
        let Some(frame) = self
            .admission
            .functions()
            .in_order()
            .find(|(f, _)| *f == id)
            .map(|(f, function)| register_frame(f, function))
        else {
            return;
        };
        if self.conn.open_link().is_none() {
            return;
        }
        self.send_control(frame);
        self.claims.sent(id);
        self.claims.ping();
        self.send_control(Message::Ping);
    }
}
