//! [`Calls`]: the calls this worker makes — the map of calls waiting for a result, and the
//! callers waiting for a connection to write their call on.

use std::collections::HashMap;

use iii_protocol::InvocationResult;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

use crate::error::Error;
use crate::link::Outgoing;
use crate::worker::{CallResult, Go};

struct Pending {
    function_id: String,
    reply: oneshot::Sender<CallResult>,
    /// Set once the frame is queued on a connection; calls still waiting for a connection
    /// survive a reconnect.
    sent: bool,
}

/// The calls in progress.
#[derive(Default)]
pub(super) struct Calls {
    pending: HashMap<Uuid, Pending>,
    /// Callers waiting for the worker to be ready before they write their frame.
    waiting: Vec<oneshot::Sender<Go>>,
}

impl Calls {
    pub(super) fn insert(
        &mut self,
        id: Uuid,
        function_id: String,
        reply: oneshot::Sender<CallResult>,
    ) {
        self.pending.insert(
            id,
            Pending {
                function_id,
                reply,
                sent: false,
            },
        );
    }

    /// The frame of call `id` is queued; `live` says whether on the current connection.
    pub(super) fn sent(&mut self, id: Uuid, live: bool) {
        if live {
            if let Some(pending) = self.pending.get_mut(&id) {
                pending.sent = true;
            }
        } else if let Some(pending) = self.pending.remove(&id) {
            // The connection it went out on is already gone.
            let _ = pending.reply.send(Err(Error::ConnectionLost {
                function_id: pending.function_id,
            }));
        }
    }

    pub(super) fn forget(&mut self, id: Uuid) {
        self.pending.remove(&id);
    }

    pub(super) fn result(&mut self, result: InvocationResult) {
        // A result for a call that timed out or was never made is dropped quietly.
        let Some(pending) = self.pending.remove(&result.invocation_id) else {
            return;
        };
        let outcome = match result.error {
            Some(body) => Err(Error::Remote {
                function_id: pending.function_id,
                body,
            }),
            None => Ok(result.result),
        };
        let _ = pending.reply.send(outcome);
    }

    /// Fails the calls whose frames went out on the connection that just dropped.
    pub(super) fn fail_sent(&mut self) {
        let sent: Vec<Uuid> = self
            .pending
            .iter()
            .filter(|(_, p)| p.sent)
            .map(|(id, _)| *id)
            .collect();
        for id in sent {
            if let Some(pending) = self.pending.remove(&id) {
                let _ = pending.reply.send(Err(Error::ConnectionLost {
                    function_id: pending.function_id,
                }));
            }
        }
    }

    /// Fails every call, and every caller still waiting for a connection.
    pub(super) fn fail_all(&mut self, error: impl Fn(String) -> Error) {
        for (_, pending) in self.pending.drain() {
            let _ = pending.reply.send(Err(error(pending.function_id)));
        }
        for go in self.waiting.drain(..) {
            let _ = go.send(Err(Error::Shutdown));
        }
    }

    /// Keeps `go` until a connection is ready.
    pub(super) fn wait(&mut self, go: oneshot::Sender<Go>) {
        self.waiting.push(go);
    }

    /// Hands the connection's queue to every caller waiting for it.
    pub(super) fn release(&mut self, link: &mpsc::Sender<Outgoing>, generation: u64) {
        for go in self.waiting.drain(..) {
            let _ = go.send(Ok((link.clone(), generation)));
        }
    }
}
