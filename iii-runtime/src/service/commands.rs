//! Acting on the commands of the worker's handles: registrations (kept for replay and sent
//! when connected, a trigger once its function is held), calls, shutdown.

use iii_protocol::{Message, UnregisterFunction, UnregisterTrigger};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::conn::{Conn, Stage};
use super::task::Service;
use crate::error::Error;
use crate::link::Outgoing;
use crate::worker::{CallResult, Command, Go};

impl Service {
    pub(super) fn on_command(&mut self, command: Command) {
        match command {
            Command::RegisterFunction { id, function } => {
                self.admission.register(id.clone(), function);
                // Its triggers wait for the pong that says the engine did not refuse it.
                self.claim(&id);
            }
            Command::UnregisterFunction { id } => {
                self.claims.forget(&id);
                if self.admission.unregister(&id) {
                    self.send_control(Message::UnregisterFunction(UnregisterFunction { id }));
                }
                self.refusals_settled();
            }
            Command::RegisterTrigger(trigger) => {
                self.triggers.retain(|t| t.id != trigger.id);
                self.triggers.push(trigger.clone());
                if self.may_send(&trigger) {
                    self.send_trigger(&trigger);
                }
            }
            Command::UnregisterTrigger { id } => {
                if let Some(pos) = self.triggers.iter().position(|t| t.id == id) {
                    let trigger = self.triggers.remove(pos);
                    if self.sent_triggers.remove(&id) {
                        self.send_control(Message::UnregisterTrigger(UnregisterTrigger {
                            id,
                            trigger_type: Some(trigger.trigger_type),
                        }));
                    }
                }
            }
            Command::RegisterTriggerType { frame, handler } => {
                match self.providers.register(frame, handler) {
                    Some(frame) => self.send_control(frame),
                    // The first type provided after the connection's start goes out alone.
                    None => self.provide_types(),
                }
            }
            Command::UnregisterTriggerType { id } => {
                if let Some(frame) = self.providers.unregister(&id) {
                    self.send_control(frame);
                }
            }
            Command::Hint(hint) => self.on_hint(hint),
            Command::Call {
                id,
                function_id,
                reply,
                go,
            } => self.on_call(id, function_id, reply, go),
            Command::Sent { id, generation } => {
                let live = generation == self.generation && self.call_link().is_some();
                self.calls.sent(id, live);
            }
            Command::Forget { id } => self.calls.forget(id),
            Command::Shutdown { done } => {
                self.shutdown_waiters.push(done);
                self.keep_open = false;
                self.begin_shutdown();
                if self.drained {
                    self.start_closing();
                } else {
                    self.close_if_drained();
                }
            }
            Command::Drain { done } => {
                self.drained_waiters.push(done);
                if !matches!(self.conn, Conn::Draining { .. }) {
                    self.keep_open = true;
                }
                self.begin_shutdown();
                self.close_if_drained();
            }
        }
    }

    fn on_call(
        &mut self,
        id: Uuid,
        function_id: String,
        reply: Option<oneshot::Sender<CallResult>>,
        go: oneshot::Sender<Go>,
    ) {
        if matches!(self.conn, Conn::Draining { link: None, .. }) {
            let _ = go.send(Err(Error::Shutdown));
            return;
        }
        if let Some(reply) = reply {
            self.calls.insert(id, function_id, reply);
        }
        match self.call_link() {
            Some(link) => {
                let _ = go.send(Ok((link, self.generation)));
            }
            None => self.calls.wait(go),
        }
    }

    /// The queue calls may be written on: the ready connection's, including while draining
    /// (running handlers may still call other functions).
    fn call_link(&self) -> Option<mpsc::Sender<Outgoing>> {
        match &self.conn {
            Conn::Open {
                link,
                stage: Stage::Ready,
                ..
            }
            | Conn::Draining {
                link: Some(link), ..
            } => Some(link.data.clone()),
            _ => None,
        }
    }
}
