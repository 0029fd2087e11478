//! The write side of one connection, shared: the socket's sink and the queues the writer
//! drains, behind one lock.
//!
//! Sharing it lets an answer be written by the task that produced it, most often the reader
//! that ran the handler inline, when nothing waits ahead of it: no queue, no writer task
//! woken, the read and the write on one thread, as a bare socket would do them. Whenever
//! something does wait (a frame queued, a batch the writer holds, bytes a flush left), the
//! answer goes on the queue behind it, so the frames leave in the order they were produced
//! either way. The writer task (`write`) drains the queues, sends the keepalive pings and
//! finishes every flush a direct write could not.

use std::cell::Cell;
use std::collections::VecDeque;
use std::fmt;
use std::pin::Pin;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard, PoisonError, TryLockError};
use std::task::{Context, Poll, Waker, ready};

use futures_util::Sink;
use futures_util::stream::SplitSink;
use tokio::sync::mpsc;
use tokio_tungstenite::tungstenite::Error as WsError;
use tokio_tungstenite::tungstenite::Message as WsMessage;
use tokio_tungstenite::tungstenite::protocol::CloseFrame;
use tokio_tungstenite::tungstenite::protocol::frame::coding::CloseCode;

use super::socket::Ws;
use crate::link::{Direct, Outgoing, Queues};

/// How many queued frames one flush may carry.
const WRITE_BATCH: usize = 64;

/// What a finished write left of the connection.
pub(super) enum Written {
    Open,
    Closed,
}

/// The shared write side; empty once the connection ended.
pub(crate) struct Port {
    side: Mutex<Option<Side>>,
    /// Direct writes were fed without a flush, which the reader owes before it waits. Set
    /// and cleared with the side locked; read without the lock by the reader, the only one
    /// that sets it, so that a reader that owes nothing does not take the lock to find out.
    owed: AtomicBool,
}

struct Side {
    sink: SplitSink<Ws, WsMessage>,
    control: mpsc::UnboundedReceiver<Outgoing>,
    data: mpsc::Receiver<Outgoing>,
    /// Frames taken off the queues and not yet fed to the sink.
    batch: VecDeque<Outgoing>,
    /// A flush returned pending: bytes are fed but not yet out.
    unflushed: bool,
    /// A close frame was fed: the connection ends with this write.
    closing: bool,
    /// The writer task, to wake when a direct write leaves a flush to finish.
    writer: Option<Waker>,
}

impl fmt::Debug for Port {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Port").finish_non_exhaustive()
    }
}

impl Port {
    pub(super) fn new(sink: SplitSink<Ws, WsMessage>, queues: Queues) -> Arc<Self> {
        let Queues { control, data } = queues;
        Arc::new(Self {
            side: Mutex::new(Some(Side {
                sink,
                control,
                data,
                batch: VecDeque::with_capacity(WRITE_BATCH),
                unflushed: false,
                closing: false,
                writer: None,
            })),
            owed: AtomicBool::new(false),
        })
    }

    /// The side, held only for polls that never block (a panic inside one leaves it as
    /// consistent as the sink itself is).
    fn lock(&self) -> MutexGuard<'_, Option<Side>> {
        self.side.lock().unwrap_or_else(PoisonError::into_inner)
    }

    /// Ends the write side: the sink and the queues' receivers are dropped (the socket closes
    /// with the read half; senders find the queues closed), and nothing is written any more.
    pub(super) fn shut(&self) {
        drop(self.lock().take());
    }

    /// Resolves once there is something to write: queued frames (taken into the batch,
    /// control first) or a flush a direct write left. `Err` once the port is shut.
    pub(super) fn poll_pending_work(&self, cx: &mut Context<'_>) -> Poll<Result<(), ()>> {
        let mut guard = self.lock();
        let Some(side) = guard.as_mut() else {
            return Poll::Ready(Err(()));
        };
        if !side
            .writer
            .as_ref()
            .is_some_and(|w| w.will_wake(cx.waker()))
        {
            side.writer = Some(cx.waker().clone());
        }
        if side.unflushed || !side.batch.is_empty() {
            return Poll::Ready(Ok(()));
        }
        let first = match side.control.poll_recv(cx) {
            // Every link is gone: nothing will be written any more.
            Poll::Ready(None) => Outgoing::Close,
            Poll::Ready(Some(out)) => out,
            Poll::Pending => match side.data.poll_recv(cx) {
                Poll::Ready(Some(out)) => out,
                // The data queue closes only with the links, which closes control too.
                Poll::Ready(None) | Poll::Pending => return Poll::Pending,
            },
        };
        side.take_batch(first);
        Poll::Ready(Ok(()))
    }

    /// Adds a keepalive ping behind whatever is in the batch.
    pub(super) fn push_ping(&self) {
        if let Some(side) = self.lock().as_mut()
            && !side.closing
        {
            side.batch.push_back(Outgoing::Ping);
        }
    }

    /// Feeds the batch to the socket and flushes it; `Closed` once a close frame went out.
    /// Shut: the connection ended, which `Closed` reports too.
    pub(super) fn poll_write(&self, cx: &mut Context<'_>) -> Poll<Result<Written, WsError>> {
        let mut guard = self.lock();
        let Some(side) = guard.as_mut() else {
            return Poll::Ready(Ok(Written::Closed));
        };
        side.poll_write(cx, &self.owed)
    }

    /// Replaces the writer's waker at the socket with one that does nothing, once a batch is
    /// out. tokio-tungstenite wakes every task that last used the socket whenever it is ready
    /// in either direction: left there, the writer would be woken with the reader by every
    /// frame that arrives, and two tasks woken at once make a multi-thread runtime hand the
    /// reader to another thread (a futex wake-up and two context switches per frame). Until
    /// it writes again the writer waits on its queues, not on the socket.
    pub(super) fn forget_waker(&self) {
        if let Some(side) = self.lock().as_mut() {
            let mut nothing = Context::from_waker(Waker::noop());
            let _ = Pin::new(&mut side.sink).poll_flush(&mut nothing);
        }
    }
}

impl Side {
    /// Fills the batch, `first` and what else is queued (control first), up to
    /// [`WRITE_BATCH`] and never past a close.
    fn take_batch(&mut self, first: Outgoing) {
        let mut next = Some(first);
        while let Some(out) = next.take() {
            let last = matches!(out, Outgoing::Close | Outgoing::Fail(..));
            self.batch.push_back(out);
            if last || self.batch.len() >= WRITE_BATCH {
                break;
            }
            next = self
                .control
                .try_recv()
                .or_else(|_| self.data.try_recv())
                .ok();
        }
    }

    /// `owed`: the port's, whose debt this flush pays.
    fn poll_write(
        &mut self,
        cx: &mut Context<'_>,
        owed: &AtomicBool,
    ) -> Poll<Result<Written, WsError>> {
        while !self.batch.is_empty() {
            ready!(Pin::new(&mut self.sink).poll_ready(cx))?;
            let Some(out) = self.batch.pop_front() else {
                break;
            };
            let frame = match out {
                Outgoing::Frame(text) => WsMessage::text(text),
                Outgoing::Ping => WsMessage::Ping(Default::default()),
                Outgoing::Close => {
                    self.closing = true;
                    WsMessage::Close(None)
                }
                Outgoing::Fail(code, reason) => {
                    self.closing = true;
                    WsMessage::Close(Some(CloseFrame {
                        code: CloseCode::from(code),
                        reason: reason.into(),
                    }))
                }
            };
            self.unflushed = true;
            Pin::new(&mut self.sink).start_send(frame)?;
            if self.closing {
                // Nothing is written after a close frame.
                self.batch.clear();
            }
        }
        if owed.swap(false, Ordering::Relaxed) || self.unflushed {
            self.unflushed = true;
            ready!(Pin::new(&mut self.sink).poll_flush(cx))?;
            self.unflushed = false;
        }
        Poll::Ready(Ok(if self.closing {
            Written::Closed
        } else {
            Written::Open
        }))
    }

    /// Whether a frame written now would be written behind nothing.
    fn idle(&self) -> bool {
        !self.unflushed
            && !self.closing
            && self.batch.is_empty()
            && self.control.is_empty()
            && self.data.is_empty()
    }
}

impl Direct for Port {
    fn try_write(&self, frame: String) -> Result<(), String> {
        let mut guard = match self.side.try_lock() {
            Ok(guard) => guard,
            Err(TryLockError::Poisoned(poisoned)) => poisoned.into_inner(),
            // The writer is polling the socket just now: the queue it is about to look at
            // takes the frame.
            Err(TryLockError::WouldBlock) => return Err(frame),
        };
        let Some(side) = guard.as_mut() else {
            return Err(frame);
        };
        if !side.idle() {
            return Err(frame);
        }
        // Nothing to wake: whatever this write leaves undone is handed to the writer below.
        let mut cx = Context::from_waker(Waker::noop());
        if !matches!(
            Pin::new(&mut side.sink).poll_ready(&mut cx),
            Poll::Ready(Ok(()))
        ) {
            return Err(frame);
        }
        // From here the frame belongs to the sink: a failure to send it is the connection's,
        // which the writer meets with its next flush and ends the connection on.
        if Pin::new(&mut side.sink)
            .start_send(WsMessage::text(frame))
            .is_err()
        {
            side.hand_flush_over();
        } else if READING.get() == self.key() {
            // This connection's reader is running the handler: more answers may follow from
            // the frames it has already read, and it flushes them all in one write before it
            // waits for more.
            self.owed.store(true, Ordering::Relaxed);
        } else {
            side.flush_now(&mut cx);
        }
        Ok(())
    }
}

thread_local! {
    /// The port whose reader is handling frames on this thread (its address), if any.
    static READING: Cell<usize> = const { Cell::new(0) };
}

impl Port {
    fn key(&self) -> usize {
        std::ptr::from_ref(self) as usize
    }

    /// Runs `handle` (the reader's handling of one frame) so that the answers it writes
    /// directly are fed without a flush, which [`flush_owed`](Port::flush_owed) then does
    /// for all of them at once.
    pub(super) fn reading<R>(&self, handle: impl FnOnce() -> R) -> R {
        /// Puts back what was reading before, however `handle` ends.
        struct Restore(usize);
        impl Drop for Restore {
            fn drop(&mut self) {
                READING.set(self.0);
            }
        }
        let _restore = Restore(READING.replace(self.key()));
        handle()
    }

    /// Flushes the answers fed while reading: called by the reader when it has nothing more
    /// to read just now. What the socket does not take at once is left to the writer.
    pub(super) fn flush_owed(&self) {
        if !self.owed.load(Ordering::Relaxed) {
            return;
        }
        let mut guard = self.lock();
        if let Some(side) = guard.as_mut()
            && self.owed.swap(false, Ordering::Relaxed)
        {
            side.flush_now(&mut Context::from_waker(Waker::noop()));
        }
    }
}

impl Side {
    /// Flushes what was fed; what the socket does not take at once is the writer's to finish.
    fn flush_now(&mut self, cx: &mut Context<'_>) {
        if !matches!(Pin::new(&mut self.sink).poll_flush(cx), Poll::Ready(Ok(()))) {
            self.hand_flush_over();
        }
    }

    /// Leaves a flush (or the error a write met) to the writer task, and wakes it for it.
    fn hand_flush_over(&mut self) {
        self.unflushed = true;
        if let Some(writer) = &self.writer {
            writer.wake_by_ref();
        }
    }
}

#[cfg(test)]
#[path = "port_tests.rs"]
mod tests;
