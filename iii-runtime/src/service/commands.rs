//! Acting on the commands of the worker's handles: registrations (kept for replay and sent
//! at once when connected), calls, shutdown.

use iii_protocol::{Message, UnregisterFunction, UnregisterTrigger};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use super::conn::Conn;
use super::frames::register_frame;
use super::task::Service;
use crate::error::Error;
use crate::link::Outgoing;
use crate::worker::{CallResult, Command, Go};

impl Service {
    pub(super) fn on_command(&mut self, command: Command) {
        match command {
            Command::RegisterFunction { id, function } => {
                let frame = register_frame(&id, &function);
                self.admission.register(id, function);
                self.send_control(frame);
            }
            Command::UnregisterFunction { id } => {
                if self.admission.unregister(&id) {
                    self.send_control(Message::UnregisterFunction(UnregisterFunction { id }));
                }
            }
            Command::RegisterTrigger(trigger) => {
                self.triggers.retain(|t| t.id != trigger.id);
                self.triggers.push(trigger.clone());
                self.send_control(Message::RegisterTrigger(trigger));
            }
            Command::UnregisterTrigger { id } => {
                if let Some(pos) = self.triggers.iter().position(|t| t.id == id) {
                    let trigger = self.triggers.remove(pos);
                    self.send_control(Message::UnregisterTrigger(UnregisterTrigger {
                        id,
                        trigger_type: Some(trigger.trigger_type),
                    }));
                }
            }
            Command::RegisterTriggerType { frame, handler } => {
                let frame = self.providers.register(frame, handler);
                self.send_control(frame);
            }
            Command::UnregisterTriggerType { id } => {
                if let Some(frame) = self.providers.unregister(&id) {
                    self.send_control(frame);
                }
            }
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
                self.begin_shutdown();
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
                link, ready: true, ..
            }
            | Conn::Draining {
                link: Some(link), ..
            } => Some(link.data.clone()),
            _ => None,
        }
    }
}
