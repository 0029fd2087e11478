//! A frame read from a worker, decoded (strictly, then leniently) and classified.

use iii_protocol::{InvokeAction, InvokeFunction, Message, Uuid};

use super::lenient::{self, Salvaged};

/// A decoded frame, waiting to be handled.
pub(crate) struct Incoming {
    pub(crate) kind: Kind,
    /// Size of the frame's text, the weight of a call against the byte budget.
    pub(crate) bytes: usize,
}

pub(crate) enum Kind {
    Message(Message),
    /// An `invokefunction` with a string `invocation_id` that is not a UUID.
    Foreign(InvokeFunction, String),
}

impl Incoming {
    /// Decodes one text frame. A bad frame is logged and dropped (`None`), and the connection
    /// stays open.
    pub(crate) fn parse(worker: Uuid, text: &str) -> Option<Incoming> {
        if text.trim().is_empty() {
            return None;
        }
        let kind = match Message::decode(text) {
            Ok(m) => Kind::Message(m),
            Err(e) => match lenient::salvage(text, &e) {
                Salvaged::Invoke(call, id) => Kind::Foreign(call, id),
                Salvaged::Dropped(why) => {
                    tracing::warn!("worker {}: {}", worker, why.escape_debug());
                    return None;
                }
            },
        };
        Some(Incoming {
            kind,
            bytes: text.len(),
        })
    }

    /// The function it calls, when handling it starts a call, which must first get a
    /// [`CallPermit`](super::admission::CallPermit) (an `enqueue` is not a call).
    pub(crate) fn called(&self) -> Option<&str> {
        match &self.kind {
            Kind::Message(Message::InvokeFunction(call)) | Kind::Foreign(call, _) => {
                let enqueue = matches!(call.action, Some(InvokeAction::Enqueue { .. }));
                (!enqueue).then_some(call.function_id.as_str())
            }
            Kind::Message(_) => None,
        }
    }

    /// Whether it answers a call: such frames are never held back, since answering calls is
    /// what frees the room other calls wait for.
    pub(crate) fn is_result(&self) -> bool {
        matches!(self.kind, Kind::Message(Message::InvocationResult(_)))
    }

    /// Whether it registers something (the announce summary waits for these to settle).
    pub(crate) fn is_registration(&self) -> bool {
        matches!(
            self.kind,
            Kind::Message(Message::RegisterFunction(_) | Message::RegisterTrigger(_))
        )
    }
}
