//! The service task: owns the worker's state across connections — registrations to replay,
//! the calls waiting for an answer, the handlers running — and drives reconnects.
//!
//! It never waits on anything a peer controls: commands from handles and events from the
//! transport are handled at once, and every frame it writes goes on a queue.

mod calls;
mod connection;
mod invocations;

use std::collections::HashMap;
use std::sync::{Arc, Weak};

use iii_protocol::{
    Message, RawValue, RegisterFunction, RegisterTrigger, UnregisterFunction, UnregisterTrigger,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::time::{Instant, sleep_until};
use uuid::Uuid;

use crate::config::WorkerConfig;
use crate::error::{Error, Result};
use crate::handler::Function;
use crate::state::{ConnectionState, Status};
use crate::transport::{Event, Link, Outgoing};
use crate::worker::Inner;

use self::calls::Calls;
use self::invocations::Backlog;
use crate::dispatcher::Dispatcher;

/// Capacity of the transport → service event queue. A full queue makes the transport wait
/// before reading more, which is harmless because the service never waits on the transport.
const EVENT_QUEUE: usize = 256;

/// The result of a call, as the service hands it to the caller.
pub(crate) type CallResult = Result<Option<Box<RawValue>>>;

/// Where a caller writes its call frame: the connection's data queue and its generation.
pub(crate) type Go = Result<(mpsc::Sender<Outgoing>, u64)>;

/// A request from a [`Worker`](crate::Worker) handle to the service.
pub(crate) enum Command {
    RegisterFunction {
        id: String,
        function: Function,
    },
    UnregisterFunction {
        id: String,
    },
    RegisterTrigger(RegisterTrigger),
    UnregisterTrigger {
        id: String,
    },
    /// A call: `reply` (absent for fire-and-forget) gets the result; `go` gets the queue to
    /// write the frame on once the worker is ready. Handing the queue out from here, after
    /// every earlier command, keeps a call behind the registrations made before it.
    Call {
        id: Uuid,
        function_id: String,
        reply: Option<oneshot::Sender<CallResult>>,
        go: oneshot::Sender<Go>,
    },
    /// The call's frame is queued on connection `generation`: if that connection drops, the
    /// call fails at once rather than waiting for its timeout.
    Sent {
        id: Uuid,
        generation: u64,
    },
    /// The caller stopped waiting (timeout, or its future was dropped).
    Forget {
        id: Uuid,
    },
    Shutdown {
        done: oneshot::Sender<()>,
    },
}

/// Where the connection stands, from the service's side.
enum Conn {
    /// A connection attempt is under way.
    Connecting,
    /// Open; `ready` once the engine answered the ping sent after the registrations, or
    /// when `opened + READY_FALLBACK` passes without an answer.
    Open {
        link: Link,
        ready: bool,
        opened: Instant,
    },
    /// Waiting to retry.
    Backoff { until: Instant },
    /// Shutting down: no new invocations; the link stays for the running ones (their results
    /// and their own calls) and is closed once they are done or `until` passes. Past the
    /// grace, running invocations are `abandoned` (answered, and stopped at their next await)
    /// and get a moment to send those answers; then `closing`, with `until` the deadline for
    /// the close frame.
    Draining {
        link: Option<Link>,
        until: Instant,
        abandoned: bool,
        closing: bool,
    },
}

pub(crate) struct Service {
    config: Arc<WorkerConfig>,
    commands: mpsc::UnboundedReceiver<Command>,
    /// Every handle is gone: stop polling `commands` (it would return `None` forever).
    commands_closed: bool,
    events_tx: mpsc::Sender<Event>,
    events: mpsc::Receiver<Event>,
    status: watch::Sender<Status>,
    functions: HashMap<String, Function>,
    /// Function ids in registration order, replayed on every connection.
    function_order: Vec<String>,
    triggers: Vec<RegisterTrigger>,
    calls: Calls,
    dispatcher: Arc<Dispatcher>,
    backlog: Backlog,
    conn: Conn,
    generation: u64,
    attempt: u32,
    previous: Option<(String, Option<String>)>,
    fatal: Option<String>,
    shutdown_waiters: Vec<oneshot::Sender<()>>,
}

impl Service {
    pub(crate) fn new(
        config: Arc<WorkerConfig>,
        worker: Weak<Inner>,
        commands: mpsc::UnboundedReceiver<Command>,
        status: watch::Sender<Status>,
    ) -> Self {
        let (events_tx, events) = mpsc::channel(EVENT_QUEUE);
        let dispatcher = Dispatcher::new(config.max_in_flight, worker);
        Self {
            config,
            commands,
            commands_closed: false,
            events_tx,
            events,
            status,
            functions: HashMap::new(),
            function_order: Vec::new(),
            triggers: Vec::new(),
            calls: Calls::default(),
            dispatcher,
            backlog: Backlog::default(),
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
            let dispatcher = Arc::clone(&self.dispatcher);
            let draining = matches!(self.conn, Conn::Draining { .. });
            let wait_for_slot = !self.backlog.is_empty() && !draining;
            let wait_for_drain = draining && dispatcher.running() > 0;
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
                permit = dispatcher.permits().acquire_owned(), if wait_for_slot => {
                    if let Ok(permit) = permit {
                        self.start_next(permit);
                    }
                }
                () = dispatcher.all_done(), if wait_for_drain => {}
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
        self.publish(ConnectionState::Closed);
        for done in self.shutdown_waiters.drain(..) {
            let _ = done.send(());
        }
    }

    fn finished(&self) -> bool {
        matches!(&self.conn, Conn::Draining { link: None, .. }) && self.dispatcher.running() == 0
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::RegisterFunction { id, function } => {
                let frame = register_frame(&id, &function);
                self.dispatcher.set(&id, &function);
                if self.functions.insert(id.clone(), function).is_none() {
                    self.function_order.push(id);
                }
                self.send_control(frame);
            }
            Command::UnregisterFunction { id } => {
                if self.functions.remove(&id).is_some() {
                    self.dispatcher.remove(&id);
                    self.function_order.retain(|f| *f != id);
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

    fn on_event(&mut self, event: Event) {
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
            Event::Closed { generation, reason } if generation == self.generation => {
                self.on_closed(reason);
            }
            // A report from a connection that has since been replaced.
            _ => {}
        }
    }

    fn on_message(&mut self, message: Message) {
        match message {
            Message::InvokeFunction(call) => self.on_invoke(call),
            Message::InvocationResult(result) => self.calls.result(result),
            Message::WorkerRegistered(w) => {
                tracing::debug!(worker_id = %w.worker_id, "registered with the engine");
                self.previous = Some((w.worker_id, w.reattach_token));
            }
            Message::Pong => self.mark_ready(),
            Message::Ping => {
                if let Conn::Open { link, .. } = &self.conn {
                    // Best effort: a JSON pong the engine has no room for is not worth waiting.
                    let _ = link.data.try_send(Outgoing::Frame(Message::Pong.encode()));
                }
            }
            Message::RegistrationRejected(r) => self.on_rejected(r),
            Message::TriggerRegistrationResult(r) => {
                if let Some(error) = r.error {
                    tracing::error!(trigger_id = %r.id, trigger_type = %r.trigger_type,
                        function_id = %r.function_id, %error, "trigger registration failed");
                }
            }
            other => tracing::debug!(ty = other.type_name(), "ignored a message"),
        }
    }

    fn send_control(&self, message: Message) {
        if let Conn::Open { link, .. } = &self.conn {
            let _ = link.control.send(Outgoing::Frame(message.encode()));
        }
    }

    fn publish(&self, state: ConnectionState) {
        self.status.send_replace(Status {
            state,
            fatal: self.fatal.clone(),
        });
    }
}

fn register_frame(id: &str, function: &Function) -> Message {
    Message::RegisterFunction(RegisterFunction {
        id: id.to_owned(),
        description: function.description.clone(),
        request_format: function.request_format.clone(),
        response_format: function.response_format.clone(),
        metadata: function.metadata.clone(),
        invocation: None,
    })
}
