//! [`Service`]: the state the service task owns, and its loop.

use std::sync::Arc;

use iii_protocol::{Message, RegisterTrigger};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, sleep_until};

use super::calls::Calls;
use super::conn::Conn;
use super::providers::Providers;
use crate::config::WorkerConfig;
use crate::dispatch::{Admission, Backlog};
use crate::error::Error;
use crate::link::Outgoing;
use crate::status::{ConnectionStatus, Status};
use crate::transport::Event;
use crate::worker::{Command, Startup, WeakWorker};

/// Capacity of the transport → service event queue. A full queue makes the transport wait
/// before reading more, which is harmless because the service never waits on the transport.
const EVENT_QUEUE: usize = 256;

pub(crate) struct Service {
    pub(super) config: Arc<WorkerConfig>,
    commands: mpsc::UnboundedReceiver<Command>,
    /// Every handle is gone: stop polling `commands` (it would return `None` forever).
    commands_closed: bool,
    pub(super) events_tx: mpsc::Sender<Event>,
    events: mpsc::Receiver<Event>,
    status: watch::Sender<Status>,
    pub(super) triggers: Vec<RegisterTrigger>,
    /// The trigger types this worker provides.
    pub(super) providers: Providers,
    pub(super) calls: Calls,
    /// The function table, the slots and the fast path the reader shares.
    pub(super) admission: Arc<Admission>,
    pub(super) backlog: Backlog,
    pub(super) conn: Conn,
    pub(super) generation: u64,
    pub(super) attempt: u32,
    pub(super) previous: Option<(String, Option<String>)>,
    pub(super) fatal: Option<String>,
    pub(super) shutdown_waiters: Vec<oneshot::Sender<()>>,
}

impl Service {
    pub(crate) fn new(config: Arc<WorkerConfig>, worker: WeakWorker, startup: Startup) -> Self {
        let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
        let admission = Admission::new(config.max_in_flight, worker);
        Self {
            config,
            commands: startup.commands,
            commands_closed: false,
            events_tx,
            events,
            status: startup.status,
            triggers: Vec::new(),
            providers: Providers::default(),
            calls: Calls::default(),
            backlog: Backlog::new(Arc::clone(&admission)),
            admission,
            conn: Conn::Connecting,
            generation: 0,
            attempt: 0,
            previous: None,
            fatal: None,
            shutdown_waiters: Vec::new(),
        }
    }

    pub(crate) async fn run(mut self) {
        self.start_connect();
        loop {
            let wake = self.next_wake();
            let admission = Arc::clone(&self.admission);
            let draining = matches!(self.conn, Conn::Draining { .. });
            let wait_for_slot = !self.backlog.is_empty() && !draining;
            let wait_for_drain = draining && admission.running() > 0;
            // Cancel safety: `recv` loses nothing when another branch wins; a dropped permit
            // acquisition returns what it had; the sleep is recreated from stored state each
            // turn. `biased` handles commands first, so a call is always registered before
            // its result can arrive: its frame is written only after the service handed out
            // the queue for it.
            tokio::select! {
                biased;
                command = self.commands.recv(), if !self.commands_closed => match command {
                    Some(command) => self.on_command(command),
                    None => {
                        // Every handle is gone: nobody can wait for anything any more.
                        self.commands_closed = true;
                        self.begin_shutdown();
                    }
                },
                Some(event) = self.events.recv() => self.on_event(event),
                slot = admission.slots().acquire_owned(), if wait_for_slot => {
                    if let Ok(slot) = slot {
                        self.backlog.start_next(slot);
                    }
                }
                () = admission.all_done(), if wait_for_drain => {}
                _ = sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {
                    self.on_timer();
                }
            }
            self.close_if_drained();
            if self.finished() {
                break;
            }
        }
        self.calls.fail_all(|_| Error::Shutdown);
        self.publish(ConnectionStatus::Closed);
        for done in self.shutdown_waiters.drain(..) {
            let _ = done.send(());
        }
    }

    fn finished(&self) -> bool {
        matches!(&self.conn, Conn::Draining { link: None, .. }) && self.admission.running() == 0
    }

    pub(super) fn send_control(&self, message: Message) {
        if let Conn::Open { link, .. } = &self.conn {
            let _ = link.control.send(Outgoing::Frame(message.encode()));
        }
    }

    pub(super) fn publish(&self, connection: ConnectionStatus) {
        self.status.send_replace(Status {
            connection,
            fatal: self.fatal.clone(),
        });
    }
}
