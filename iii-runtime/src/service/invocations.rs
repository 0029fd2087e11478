//! Invocations the reader could not start at once: unknown functions, the backlog waiting
//! for a slot under the in-flight limit, and refusals while shutting down.

use std::collections::VecDeque;

use iii_protocol::{ErrorBody, InvokeFunction};
use tokio::sync::OwnedSemaphorePermit;

use super::{Conn, Service};
use crate::dispatcher::{not_found, reply_to, shutting_down};
use crate::transport::Link;

/// Invocations waiting for a slot, in arrival order, at most as many as the limit.
#[derive(Default)]
pub(super) struct Backlog {
    waiting: VecDeque<(InvokeFunction, Link)>,
}

impl Backlog {
    pub(super) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }
}

impl Service {
    pub(super) fn on_invoke(&mut self, call: InvokeFunction) {
        let link = match &self.conn {
            Conn::Open { link, .. } => link.clone(),
            Conn::Draining {
                link: Some(link), ..
            } => {
                reply_to(link, &call, shutting_down());
                return;
            }
            _ => return,
        };
        if !self.functions.contains_key(&call.function_id) {
            reply_to(&link, &call, not_found(&call.function_id));
            return;
        }
        // Start it now if a slot is free and nobody waits before it (the reader hands
        // invocations here while the backlog is not empty).
        if self.backlog.is_empty()
            && let Ok(permit) = self.dispatcher.permits().try_acquire_owned()
        {
            self.dispatcher.start(permit, call, link);
            return;
        }
        let limit = self.dispatcher.limit();
        if self.backlog.waiting.len() >= limit {
            let body = ErrorBody::new(
                "overloaded",
                format!(
                    "the worker is running {} invocations and has as many waiting",
                    self.dispatcher.running()
                ),
            );
            reply_to(&link, &call, body);
            return;
        }
        self.backlog.waiting.push_back((call, link));
        self.dispatcher.set_backlogged(self.backlog.waiting.len());
    }

    /// A slot is free: start the oldest waiting invocation.
    pub(super) fn start_next(&mut self, permit: OwnedSemaphorePermit) {
        if let Some((call, link)) = self.backlog.waiting.pop_front() {
            self.dispatcher.set_backlogged(self.backlog.waiting.len());
            self.dispatcher.start(permit, call, link);
        }
    }

    /// Answers every invocation still waiting for a slot with `error`.
    pub(super) fn refuse_backlog(&mut self, error: &ErrorBody) {
        for (call, link) in self.backlog.waiting.drain(..) {
            reply_to(&link, &call, error.clone());
        }
        self.dispatcher.set_backlogged(0);
    }

    /// Drops the backlog without answering: its connection is gone, and the engine has
    /// answered those invocations itself.
    pub(super) fn drop_backlog(&mut self) {
        self.backlog.waiting.clear();
        self.dispatcher.set_backlogged(0);
    }
}
