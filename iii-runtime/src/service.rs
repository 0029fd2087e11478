//! The service task: owns the worker's state across connections — registrations to replay,
//! the calls waiting for an answer, the handlers running — and drives reconnects.

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Weak};

use iii_protocol::{
    ErrorBody, InvocationResult, InvokeAction, InvokeFunction, Message, RawValue, Reattach,
    RegisterFunction, RegisterTrigger, UnregisterFunction, UnregisterTrigger, WorkerMetadata,
    WorkerTelemetry, builtins, codes,
};
use tokio::sync::{mpsc, oneshot, watch};
use tokio::task::JoinSet;
use tokio::time::{Instant, sleep_until};
use uuid::Uuid;

use crate::config::WorkerConfig;
use crate::dispatch;
use crate::error::{Error, Result};
use crate::handler::Function;
use crate::state::{ConnectionState, Status};
use crate::transport::{self, Event, Link, Outgoing, Timings};
use crate::worker::{Inner, Worker};

/// Capacity of the transport → service event queue. A full queue makes the transport wait
/// before reading more, which is harmless because the service never waits on the transport.
const EVENT_QUEUE: usize = 256;

/// A request from a [`Worker`] handle to the service.
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
    /// Remember a call so that its result can be routed back.
    Call {
        id: Uuid,
        function_id: String,
        reply: oneshot::Sender<Result<Option<Box<RawValue>>>>,
    },
    /// The call's frame is queued on connection `generation`: if that connection drops, the
    /// call fails at once rather than waiting for its timeout.
    Sent {
        id: Uuid,
        generation: u64,
    },
    /// The caller stopped waiting (timeout): drop the entry; a late result is ignored.
    Forget {
        id: Uuid,
    },
    Shutdown {
        done: oneshot::Sender<()>,
    },
}

struct Pending {
    function_id: String,
    reply: oneshot::Sender<Result<Option<Box<RawValue>>>>,
    /// Set once the frame is queued on a connection; calls still waiting for a connection
    /// survive a reconnect.
    sent: bool,
}

/// Where the connection stands, from the service's side.
enum Conn {
    /// A connection attempt is under way.
    Connecting,
    /// Open; `ready` once the engine answered the ping sent after the registrations.
    Open { link: Link, ready: bool },
    /// Waiting to retry.
    Backoff { until: Instant },
    /// Shutting down: no new invocations; close once the running ones are done.
    Draining { link: Option<Link>, until: Instant },
}

pub(crate) struct Service {
    config: Arc<WorkerConfig>,
    worker: Weak<Inner>,
    commands: mpsc::UnboundedReceiver<Command>,
    events_tx: mpsc::Sender<Event>,
    events: mpsc::Receiver<Event>,
    status: watch::Sender<Status>,
    functions: HashMap<String, Function>,
    /// Registration frames in the order they were made, replayed on every connection.
    function_order: Vec<String>,
    triggers: Vec<RegisterTrigger>,
    pending: HashMap<Uuid, Pending>,
    running: JoinSet<()>,
    backlog: VecDeque<(InvokeFunction, Link)>,
    conn: Conn,
    generation: u64,
    attempt: u32,
    previous: Option<(String, Option<String>)>,
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
        Self {
            config,
            worker,
            commands,
            events_tx,
            events,
            status,
            functions: HashMap::new(),
            function_order: Vec::new(),
            triggers: Vec::new(),
            pending: HashMap::new(),
            running: JoinSet::new(),
            backlog: VecDeque::new(),
            conn: Conn::Connecting,
            generation: 0,
            attempt: 0,
            previous: None,
            shutdown_waiters: Vec::new(),
        }
    }

    pub(crate) async fn run(mut self) {
        self.start_connect();
        loop {
            let wake = match &self.conn {
                Conn::Backoff { until } | Conn::Draining { until, .. } => Some(*until),
                _ => None,
            };
            // Cancel safety: `recv` and `join_next` lose nothing when another branch wins, and
            // `sleep_until` is recreated from stored state each turn. `biased` handles commands
            // first, so a call is always registered before its result can arrive: its frame is
            // written only after the `Call` command was queued.
            tokio::select! {
                biased;
                command = self.commands.recv() => match command {
                    Some(command) => self.on_command(command),
                    // Every handle is gone: nobody can wait for anything any more.
                    None => self.begin_shutdown(),
                },
                Some(event) = self.events.recv() => self.on_event(event),
                Some(_) = self.running.join_next(), if !self.running.is_empty() => {
                    self.start_backlog();
                    self.close_if_idle();
                }
                _ = sleep_until(wake.unwrap_or_else(Instant::now)), if wake.is_some() => {
                    self.on_timer();
                }
            }
            if self.finished() {
                break;
            }
        }
        self.fail_pending(|_| Error::Shutdown);
        self.set_state(ConnectionState::Closed, None);
        for done in self.shutdown_waiters.drain(..) {
            let _ = done.send(());
        }
    }

    fn finished(&self) -> bool {
        matches!(&self.conn, Conn::Draining { link: None, .. }) && self.running.is_empty()
    }

    fn on_command(&mut self, command: Command) {
        match command {
            Command::RegisterFunction { id, function } => {
                let frame = register_frame(&id, &function);
                if self.functions.insert(id.clone(), function).is_none() {
                    self.function_order.push(id);
                }
                self.send_control(frame);
            }
            Command::UnregisterFunction { id } => {
                if self.functions.remove(&id).is_some() {
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
            } => {
                if matches!(self.conn, Conn::Draining { .. }) {
                    let _ = reply.send(Err(Error::Shutdown));
                } else {
                    self.pending.insert(
                        id,
                        Pending {
                            function_id,
                            reply,
                            sent: false,
                        },
                    );
                }
            }
            Command::Sent { id, generation } => {
                let live = generation == self.generation && matches!(self.conn, Conn::Open { .. });
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
            Command::Forget { id } => {
                self.pending.remove(&id);
            }
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
                if let Conn::Draining { until, .. } = self.conn {
                    self.conn = Conn::Draining { link: None, until };
                    return;
                }
                let delay = self.config.backoff.delay(self.attempt);
                if self.attempt == 0 {
                    tracing::warn!(%error, retry_in = ?delay, "engine not reachable");
                } else {
                    tracing::debug!(%error, retry_in = ?delay, attempt = self.attempt, "engine still not reachable");
                }
                self.attempt = self.attempt.saturating_add(1);
                self.conn = Conn::Backoff {
                    until: Instant::now() + delay,
                };
                self.set_state(
                    ConnectionState::Reconnecting {
                        attempt: self.attempt,
                    },
                    None,
                );
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

    fn on_connected(&mut self, link: Link) {
        if let Conn::Draining { until, .. } = self.conn {
            let _ = link.control.send(Outgoing::Close);
            self.conn = Conn::Draining {
                link: Some(link),
                until,
            };
            return;
        }
        tracing::info!(url = %self.config.url, "connected to the engine");
        // Reattach first so that the engine tears the old connection down before the replay;
        // then the announce, so that the engine applies the registrations at once instead of
        // holding them back until it knows the worker's namespace.
        let mut frames = Vec::with_capacity(self.function_order.len() + self.triggers.len() + 3);
        if let Some((worker_id, Some(token))) = &self.previous {
            frames.push(Message::Reattach(Reattach {
                previous_worker_id: worker_id.clone(),
                reattach_token: token.clone(),
            }));
        }
        frames.push(self.announce());
        for id in &self.function_order {
            if let Some(function) = self.functions.get(id) {
                frames.push(register_frame(id, function));
            }
        }
        frames.extend(self.triggers.iter().cloned().map(Message::RegisterTrigger));
        // The engine reads a connection's frames in order, so its pong proves that every
        // registration before it has been applied: that is when the worker is ready.
        frames.push(Message::Ping);
        for frame in frames {
            let _ = link.control.send(Outgoing::Frame(frame.encode()));
        }
        self.conn = Conn::Open { link, ready: false };
        self.set_state(ConnectionState::Registering, None);
    }

    fn on_message(&mut self, message: Message) {
        match message {
            Message::InvokeFunction(call) => self.on_invoke(call),
            Message::InvocationResult(result) => self.on_result(result),
            Message::WorkerRegistered(w) => {
                tracing::debug!(worker_id = %w.worker_id, "registered with the engine");
                self.previous = Some((w.worker_id, w.reattach_token));
            }
            Message::Pong => {
                if let Conn::Open { link, ready } = &mut self.conn
                    && !*ready
                {
                    *ready = true;
                    let data = (link.data.clone(), self.generation);
                    self.attempt = 0;
                    tracing::info!(
                        functions = self.functions.len(),
                        triggers = self.triggers.len(),
                        "worker ready"
                    );
                    self.set_state(ConnectionState::Ready, Some(data));
                }
            }
            Message::Ping => self.send_control(Message::Pong),
            Message::RegistrationRejected(r) => {
                if r.code == codes::FUNCTION_NAMESPACE_CONFLICT {
                    tracing::warn!(
                        function_id = r.function_id.as_deref().unwrap_or(""),
                        owner = %r.owner_worker_id,
                        "the engine refused a function: another worker owns it"
                    );
                } else {
                    tracing::error!(code = %r.code, worker_name = r.worker_name.as_deref().unwrap_or(""),
                        "the engine rejected this worker; not reconnecting");
                    self.begin_shutdown();
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

    fn on_invoke(&mut self, call: InvokeFunction) {
        let link = match &self.conn {
            Conn::Open { link, .. } => link.clone(),
            Conn::Draining {
                link: Some(link), ..
            } => {
                reply_now(
                    link,
                    &call,
                    ErrorBody::new("shutdown", "the worker is shutting down"),
                );
                return;
            }
            _ => return,
        };
        if !self.functions.contains_key(&call.function_id) {
            let body = ErrorBody::new(
                codes::FUNCTION_NOT_FOUND,
                format!("Function {} not found", call.function_id),
            );
            reply_now(&link, &call, body);
            return;
        }
        if self.running.len() >= self.config.max_in_flight {
            if self.backlog.len() >= self.config.max_in_flight {
                let body = ErrorBody::new(
                    "overloaded",
                    format!(
                        "the worker is running {} invocations and has as many waiting",
                        self.running.len()
                    ),
                );
                reply_now(&link, &call, body);
            } else {
                self.backlog.push_back((call, link));
            }
            return;
        }
        self.spawn_invocation(call, link);
    }

    fn start_backlog(&mut self) {
        while self.running.len() < self.config.max_in_flight {
            let Some((call, link)) = self.backlog.pop_front() else {
                break;
            };
            self.spawn_invocation(call, link);
        }
    }

    fn spawn_invocation(&mut self, call: InvokeFunction, link: Link) {
        let (Some(function), Some(inner)) =
            (self.functions.get(&call.function_id), self.worker.upgrade())
        else {
            return;
        };
        let handler = Arc::clone(&function.handler);
        let timeout = function.timeout;
        let worker = Worker::from_inner(inner);
        self.running
            .spawn(dispatch::run(handler, timeout, call, worker, link));
    }

    fn on_result(&mut self, result: InvocationResult) {
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

    fn on_closed(&mut self, reason: String) {
        if let Conn::Draining { until, .. } = self.conn {
            self.conn = Conn::Draining { link: None, until };
            return;
        }
        let delay = self.config.backoff.delay(self.attempt);
        tracing::warn!(%reason, retry_in = ?delay, "lost the connection to the engine");
        self.fail_sent();
        self.attempt = self.attempt.saturating_add(1);
        self.conn = Conn::Backoff {
            until: Instant::now() + delay,
        };
        self.set_state(
            ConnectionState::Reconnecting {
                attempt: self.attempt,
            },
            None,
        );
    }

    fn on_timer(&mut self) {
        match &self.conn {
            Conn::Backoff { .. } => self.start_connect(),
            Conn::Draining { link, .. } => {
                if !self.running.is_empty() {
                    tracing::warn!(
                        running = self.running.len(),
                        "shutdown grace elapsed; abandoning running invocations"
                    );
                    self.running.abort_all();
                }
                if let Some(link) = link {
                    close_after_data(link);
                }
                // Stop without waiting for the engine to acknowledge the close.
                self.conn = Conn::Draining {
                    link: None,
                    until: Instant::now() + std::time::Duration::from_secs(3600),
                };
            }
            _ => {}
        }
    }

    fn start_connect(&mut self) {
        self.generation += 1;
        self.conn = Conn::Connecting;
        if self.attempt == 0 {
            self.set_state(ConnectionState::Connecting, None);
        }
        let timings = Timings {
            connect_timeout: self.config.connect_timeout,
            ping_interval: self.config.ping_interval,
            idle_timeout: self.config.idle_timeout,
        };
        tokio::spawn(transport::connect(
            self.config.url.clone(),
            self.generation,
            timings,
            self.events_tx.clone(),
        ));
    }

    fn begin_shutdown(&mut self) {
        if matches!(self.conn, Conn::Draining { .. }) {
            return;
        }
        let until = Instant::now() + self.config.shutdown_grace;
        let link = match std::mem::replace(&mut self.conn, Conn::Connecting) {
            Conn::Open { link, .. } => Some(link),
            _ => None,
        };
        tracing::info!(running = self.running.len(), "draining");
        // Answer what has not started yet; the running invocations may finish.
        for (call, link) in self.backlog.drain(..) {
            reply_now(
                &link,
                &call,
                ErrorBody::new("shutdown", "the worker is shutting down"),
            );
        }
        self.fail_pending(|_| Error::Shutdown);
        self.set_state(ConnectionState::Draining, None);
        self.conn = Conn::Draining { link, until };
        self.close_if_idle();
    }

    /// Once nothing runs any more, the close frame can go out.
    fn close_if_idle(&mut self) {
        if let Conn::Draining {
            link: Some(link), ..
        } = &self.conn
            && self.running.is_empty()
        {
            close_after_data(link);
        }
    }

    /// Fails the calls whose frames went out on the connection that just dropped.
    fn fail_sent(&mut self) {
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

    fn fail_pending(&mut self, error: impl Fn(String) -> Error) {
        for (_, pending) in self.pending.drain() {
            let _ = pending.reply.send(Err(error(pending.function_id)));
        }
    }

    fn send_control(&self, message: Message) {
        if let Conn::Open { link, .. } = &self.conn {
            let _ = link.control.send(Outgoing::Frame(message.encode()));
        }
    }

    fn set_state(&self, state: ConnectionState, link: Option<(mpsc::Sender<Outgoing>, u64)>) {
        self.status.send_replace(Status { state, link });
    }

    fn announce(&self) -> Message {
        let metadata = WorkerMetadata {
            runtime: "rust".to_owned(),
            version: env!("CARGO_PKG_VERSION").to_owned(),
            name: self.config.name.clone(),
            os: format!("{} ({})", std::env::consts::OS, std::env::consts::ARCH),
            pid: std::process::id(),
            isolation: std::env::var("III_ISOLATION").ok(),
            namespace: None,
            description: self.config.description.clone(),
            telemetry: Some(WorkerTelemetry {
                language: None,
                project_name: None,
                framework: Some("iii-rs".to_owned()),
            }),
        };
        let data =
            iii_protocol::raw::to_raw(&metadata).unwrap_or_else(|_| iii_protocol::raw::null());
        Message::InvokeFunction(InvokeFunction {
            action: Some(InvokeAction::Void),
            ..InvokeFunction::new(builtins::WORKERS_REGISTER, data)
        })
    }
}

/// Queues the close frame behind the results already queued on the data queue, so that the
/// answers of invocations that finished during the drain go out before the socket closes.
fn close_after_data(link: &Link) {
    let data = link.data.clone();
    tokio::spawn(async move {
        let _ = data.send(Outgoing::Close).await;
    });
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

/// Answers an invocation at once, without running a handler (unknown function, overload,
/// shutdown). Calls without an id expect no answer.
fn reply_now(link: &Link, call: &InvokeFunction, error: ErrorBody) {
    if let Some(id) = call.invocation_id {
        let frame = Message::InvocationResult(InvocationResult::err(id, &call.function_id, error));
        // The control queue, because the service must never wait on the data queue.
        let _ = link.control.send(Outgoing::Frame(frame.encode()));
    }
}
