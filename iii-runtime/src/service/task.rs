//! [`Service`]: the state the service task owns, and its loop.

use std::collections::HashSet;
use std::sync::Arc;

use iii_protocol::{Message, RegisterTrigger};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, sleep_until};

use super::calls::Calls;
use super::claims::Claims;
use super::conn::Conn;
use super::providers::Providers;
use super::refused::Standby;
use crate::config::WorkerConfig;
use crate::dispatch::{Admission, Backlog};
use crate::embedded::EmbeddedEngine;
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
    /// The engine's URL: the configuration's, or that of the engine this worker started.
    pub(super) url: String,
    /// Why the last connection attempt failed, with what to do (for `Worker::connect`).
    pub(super) connect_error: Option<Arc<str>>,
    /// Since when the engine is unreachable, and when the worker last said so.
    pub(super) outage: Option<(Instant, Instant)>,
    commands: mpsc::UnboundedReceiver<Command>,
    /// Every handle is gone: stop polling `commands` (it would return `None` forever).
    commands_closed: bool,
    pub(super) events_tx: mpsc::Sender<Event>,
    events: mpsc::Receiver<Event>,
    status: watch::Sender<Status>,
    pub(super) triggers: Vec<RegisterTrigger>,
    /// The ids of the triggers sent on the current connection.
    pub(super) sent_triggers: HashSet<String>,
    /// What the current connection holds, waits to hear about, and was refused.
    pub(super) claims: Claims,
    /// Whether any connection got ready: a refusal on a later one is retried.
    pub(super) ever_ready: bool,
    /// Retrying refused functions, and what tells the worker when to.
    pub(super) standby: Standby,
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
    /// Draining, but the connection stays open until the shutdown command (shutdown hooks).
    pub(super) keep_open: bool,
    /// Told once the drain is over.
    pub(super) drained_waiters: Vec<oneshot::Sender<()>>,
    /// The drain is over (what ran finished, or the grace ran out).
    pub(super) drained: bool,
    /// The development engine this worker started when the one it used went away.
    pub(super) engine: Option<EmbeddedEngine>,
    /// An attempt to start it, under way.
    pub(super) engine_start: Option<oneshot::Receiver<Option<EmbeddedEngine>>>,
    /// The engine's HTTP base URL, when known (for the summary).
    pub(super) http_url: Option<String>,
    /// The start-up summary was logged.
    pub(super) summarized: bool,
}

impl Service {
    pub(crate) fn new(config: Arc<WorkerConfig>, worker: WeakWorker, startup: Startup) -> Self {
        let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
        let admission = Admission::new(config.max_in_flight, config.inline_budget, worker);
        Self {
            http_url: config.http_url.clone(),
            url: config.url.clone(),
            connect_error: None,
            outage: None,
            config,
            commands: startup.commands,
            commands_closed: false,
            events_tx,
            events,
            status: startup.status,
            triggers: Vec::new(),
            sent_triggers: HashSet::new(),
            claims: Claims::default(),
            ever_ready: false,
            standby: Standby::default(),
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
            keep_open: false,
            drained_waiters: Vec::new(),
            drained: false,
            engine: None,
            engine_start: None,
            summarized: false,
        }
    }

    pub(crate) async fn run(mut self) {
        self.start_connect();
        loop {
            let wake = self.next_wake();
            let admission = Arc::clone(&self.admission);
            let draining = matches!(self.conn, Conn::Draining { .. });
            // A worker that handed its functions over still serves what it accepted.
            let serving = !draining
                || matches!(
                    self.conn,
                    Conn::Draining {
                        handed_over: true,
                        ..
                    }
                );
            let wait_for_slot = !self.backlog.is_empty() && serving;
            let wait_for_drain = draining && admission.running() > 0;
            let mut engine_start = self.engine_start.take();
            let starting = engine_start.is_some();
            // Cancel safety: `recv` loses nothing when another branch wins; a dropped permit
            // acquisition returns what it had; the engine start's receiver is polled by
            // reference and put back; the sleep is recreated from stored state each turn. `biased`
            // handles commands first, so a call is always registered before its result can arrive: its frame is written only after the service handed out
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
                started = async {
                    match engine_start.as_mut() {
                        Some(rx) => rx.await.ok().flatten(),
                        None => std::future::pending().await,
                    }
                }, if starting => {
                    engine_start = None;
                    self.on_engine_started(started);
                }
                _ = sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {
                    self.on_timer();
                }
            }
            if engine_start.is_some() {
                self.engine_start = engine_start;
            }
            self.close_if_drained();
            if self.finished() {
                break;
            }
        }
        self.calls.fail_all(|_| Error::Shutdown);
        self.publish(ConnectionStatus::Closed);
        for done in self.drained_waiters.drain(..) {
            let _ = done.send(());
        }
        for done in self.shutdown_waiters.drain(..) {
            let _ = done.send(());
        }
        if let Some(engine) = self.engine.take() {
            engine.shutdown().await;
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
        let refused = self.claims.refusals();
        self.status.send_replace(Status {
            connection,
            fatal: self.fatal.clone(),
            refused: Arc::new(refused),
            connect_error: self.connect_error.clone(),
            url: Some(Arc::from(self.url.as_str())),
        });
    }

    /// Publishes the current status again (the refusals changed).
    pub(super) fn republish(&self) {
        let connection = self.status.borrow().connection;
        self.publish(connection);
    }
}
