//! Acting on what the transport reports: the connection's events and the engine's messages,
//! among them the invocations the reader could not start at once.

use iii_protocol::Message;

use super::conn::Conn;
use super::task::Service;
use crate::dispatch::{Offer, not_found, reply_to, shutting_down};
use crate::incoming::Incoming;
use crate::link::Outgoing;
use crate::transport::Event;

impl Service {
    pub(super) fn on_event(&mut self, event: Event) {
        match event {
            Event::Connected { generation, link } if generation == self.generation => {
                self.on_connected(link);
            }
            Event::ConnectFailed { generation, error } if generation == self.generation => {
                self.on_connect_failed(error);
            }
            Event::Frame {
                generation,
                message,
            } if generation == self.generation => self.on_message(message),
            Event::Invoke { generation, call } if generation == self.generation => {
                self.on_invoke(call);
            }
            Event::Closed { generation, reason } if generation == self.generation => {
                self.on_closed(reason);
            }
            // A report from a connection that has since been replaced.
            _ => {}
        }
    }

    fn on_message(&mut self, message: Message) {
        match message {
            Message::InvokeFunction(call) => self.on_invoke(call.into()),
            Message::InvocationResult(result) => self.calls.result(result),
            Message::WorkerRegistered(w) => {
                tracing::debug!(worker_id = %w.worker_id, "registered with the engine");
                self.previous = Some((w.worker_id, w.reattach_token));
            }
            Message::Pong => self.on_pong(),
            Message::Ping => {
                if let Conn::Open { link, .. } = &self.conn {
                    // Best effort: a JSON pong the engine has no room for is not worth waiting.
                    let _ = link.data.try_send(Outgoing::Frame(Message::Pong.encode()));
                }
            }
            Message::RegistrationRejected(r) => self.on_rejected(r),
            // Bindings of a trigger type this worker provides, forwarded by the engine.
            Message::RegisterTrigger(t) => {
                if let Conn::Open { link, .. } = &self.conn {
                    self.providers.on_register(t, link);
                }
            }
            Message::UnregisterTrigger(t) => {
                if let Conn::Open { link, .. } = &self.conn {
                    self.providers.on_unregister(t, link);
                }
            }
            Message::TriggerRegistrationResult(r) => {
                if let Some(error) = r.error {
                    tracing::error!(trigger_id = %r.id, trigger_type = %r.trigger_type,
                        function_id = %r.function_id, %error, "trigger registration failed");
                }
            }
            other => tracing::debug!(ty = other.type_name(), "ignored a message"),
        }
    }

    /// An invocation the reader handed over: unknown, no slot free, others waiting, or the
    /// worker draining (which still serves what the engine sent before it read the hand-over).
    fn on_invoke(&mut self, call: Incoming) {
        let link = match &self.conn {
            Conn::Open { link, .. }
            | Conn::Draining {
                link: Some(link),
                handed_over: true,
                ..
            } => link.clone(),
            Conn::Draining {
                link: Some(link), ..
            } => {
                reply_to(link, &call, shutting_down());
                return;
            }
            _ => return,
        };
        // Behind the backlog, if anything waits in it: it may not take a free slot first.
        match self.admission.offer(call, &link, !self.backlog.is_empty()) {
            Offer::Done => {}
            Offer::Unknown(call) => reply_to(&link, &call, not_found(&call.function_id)),
            Offer::NoSlot(call) => self.backlog.push(call, link),
        }
    }
}
