//! The backlog: invocations that may run but found no free slot, waiting for one in arrival
//! order, at most as many as the worker runs at once. The service owns it and waits for the
//! slots; admission only learns how many wait, so that new calls queue behind them.

use std::collections::VecDeque;
use std::sync::Arc;

use iii_protocol::ErrorBody;
use tokio::sync::OwnedSemaphorePermit;

use super::admission::Admission;
use super::refuse::{overloaded, reply_to};
use crate::incoming::Incoming;
use crate::link::Link;

pub(crate) struct Backlog {
    waiting: VecDeque<(Incoming, Link)>,
    admission: Arc<Admission>,
}

impl Backlog {
    pub(crate) fn new(admission: Arc<Admission>) -> Self {
        Self {
            waiting: VecDeque::new(),
            admission,
        }
    }

    pub(crate) fn is_empty(&self) -> bool {
        self.waiting.is_empty()
    }

    /// Queues `call` for the next free slot, or refuses it when the backlog is full.
    pub(crate) fn push(&mut self, call: Incoming, link: Link) {
        if self.waiting.len() >= self.admission.limit() {
            reply_to(&link, &call, overloaded(self.admission.running()));
            return;
        }
        self.waiting.push_back((call, link));
        self.published();
    }

    /// A slot is free: starts the oldest waiting invocation on it.
    pub(crate) fn start_next(&mut self, slot: OwnedSemaphorePermit) {
        if let Some((call, link)) = self.waiting.pop_front() {
            self.published();
            self.admission.start(slot, call, link);
        }
    }

    /// Answers every waiting invocation with `error`.
    pub(crate) fn refuse_all(&mut self, error: &ErrorBody) {
        for (call, link) in self.waiting.drain(..) {
            reply_to(&link, &call, error.clone());
        }
        self.published();
    }

    /// Drops every waiting invocation without answering: its connection is gone, and the
    /// engine has answered those invocations itself.
    pub(crate) fn clear(&mut self) {
        self.waiting.clear();
        self.published();
    }

    fn published(&self) {
        self.admission.set_backlogged(self.waiting.len());
    }
}
