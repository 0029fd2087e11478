//! What a worker's calls may hold: the room for calls in flight
//! ([`EngineConfig::max_calls_per_worker`], [`EngineConfig::max_call_bytes_per_worker`]) and the
//! frames read ahead while a call waits for room.
//!
//! [`EngineConfig::max_calls_per_worker`]: crate::EngineConfig::max_calls_per_worker
//! [`EngineConfig::max_call_bytes_per_worker`]: crate::EngineConfig::max_call_bytes_per_worker

use std::collections::VecDeque;
use std::sync::Arc;

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

use super::incoming::Incoming;
use crate::config::EngineConfig;

/// Frames read ahead while a call waits for room.
const DEFER_FRAMES: usize = 256;
/// Bytes read ahead while a call waits for room (one frame may go over).
const DEFER_BYTES: usize = 4 * 1024 * 1024;

/// The room of one worker's calls.
pub(crate) struct Budget {
    /// One permit per call in flight.
    calls: Arc<Semaphore>,
    /// One permit per byte of call payload in flight.
    call_bytes: Arc<Semaphore>,
    byte_budget: u32,
}

/// What a call in flight holds until it completes; dropping it gives the room back.
pub(crate) struct CallPermit {
    _call: OwnedSemaphorePermit,
    _bytes: OwnedSemaphorePermit,
}

impl Budget {
    /// The room `config` gives one worker.
    pub(crate) fn new(config: &EngineConfig) -> Self {
        let calls = config.max_calls_per_worker.clamp(1, Semaphore::MAX_PERMITS);
        let byte_budget = u32::try_from(config.max_call_bytes_per_worker)
            .unwrap_or(u32::MAX)
            .max(1);
        Self {
            calls: Arc::new(Semaphore::new(calls)),
            call_bytes: Arc::new(Semaphore::new(byte_budget as usize)),
            byte_budget,
        }
    }

    /// The byte permits a call of `bytes` needs: a call larger than the whole budget takes all
    /// of it, so that it is served alone rather than never.
    fn cost(&self, bytes: usize) -> u32 {
        u32::try_from(bytes)
            .unwrap_or(u32::MAX)
            .clamp(1, self.byte_budget)
    }

    /// A permit for a call of `bytes`, if there is room now.
    pub(crate) fn try_permit(&self, bytes: usize) -> Option<CallPermit> {
        let call = self.calls.clone().try_acquire_owned().ok()?;
        let bytes = self
            .call_bytes
            .clone()
            .try_acquire_many_owned(self.cost(bytes))
            .ok()?;
        Some(CallPermit {
            _call: call,
            _bytes: bytes,
        })
    }

    /// Waits for room for a call of `bytes`. Cancel-safe: nothing is held until both parts are.
    pub(crate) async fn permit(&self, bytes: usize) -> Option<CallPermit> {
        let call = self.calls.clone().acquire_owned().await.ok()?;
        let bytes = self
            .call_bytes
            .clone()
            .acquire_many_owned(self.cost(bytes))
            .await
            .ok()?;
        Some(CallPermit {
            _call: call,
            _bytes: bytes,
        })
    }
}

/// Frames read but not handled yet, in order: the first is a call waiting for room.
#[derive(Default)]
pub(crate) struct Deferred {
    frames: VecDeque<Incoming>,
    bytes: usize,
}

impl Deferred {
    /// Whether more frames may be read ahead. Past the bound the worker is not read from at
    /// all, and TCP pushes back on it.
    pub(crate) fn has_room(&self) -> bool {
        self.frames.len() < DEFER_FRAMES && self.bytes < DEFER_BYTES
    }

    /// Queues a frame behind the others.
    pub(crate) fn push(&mut self, incoming: Incoming) {
        self.bytes += incoming.bytes;
        self.frames.push_back(incoming);
    }

    /// The first frame.
    pub(crate) fn front(&self) -> Option<&Incoming> {
        self.frames.front()
    }

    /// Takes the first frame out.
    pub(crate) fn pop(&mut self) -> Option<Incoming> {
        let incoming = self.frames.pop_front()?;
        self.bytes -= incoming.bytes;
        Some(incoming)
    }
}
