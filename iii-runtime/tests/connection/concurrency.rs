//! A function's own `concurrency` limit: calls over it wait in the function's queue without
//! taking a worker slot, so a slow limited function cannot starve the others; the queue is
//! bounded, waited for by the drain and answered when the drain gives up.

use std::collections::HashMap;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration;

use iii::{Function, State, StateMap, Worker, WorkerConfig};
use serde_json::{Value, json};
use tokio::sync::Semaphore;

use crate::fake_engine::{FakeEngine, PATIENCE, Peer};

/// What a gated handler waits on, and what it saw.
struct Gate {
    /// Closed (no permits) until the test opens it.
    open: Semaphore,
    /// One permit per handler that started.
    started: Semaphore,
    running: AtomicUsize,
    peak: AtomicUsize,
}

impl Gate {
    fn closed() -> Arc<Self> {
        Arc::new(Self {
            open: Semaphore::new(0),
            started: Semaphore::new(0),
            running: AtomicUsize::new(0),
            peak: AtomicUsize::new(0),
        })
    }

    /// Counts the handler in, waits for the gate, counts it out; returns `n`.
    async fn pass(&self, n: u32) -> iii::Result<u32> {
        let now = self.running.fetch_add(1, Ordering::SeqCst) + 1;
        self.peak.fetch_max(now, Ordering::SeqCst);
        self.started.add_permits(1);
        let held = self.open.acquire().await.map_err(iii::Error::from_source);
        self.running.fetch_sub(1, Ordering::SeqCst);
        drop(held?);
        Ok(n)
    }

    /// Waits until `n` handlers (in all) have started.
    async fn started(&self, n: u32) {
        let all = tokio::time::timeout(PATIENCE, self.started.acquire_many(n))
            .await
            .expect("the handlers start in time")
            .expect("open semaphore");
        all.forget();
    }

    fn open_all(&self) {
        self.open.add_permits(Semaphore::MAX_PERMITS / 2);
    }
}

/// At most one invocation at a time, each held until the gate opens.
#[iii::function("limited.slow", concurrency = 1)]
async fn limited_slow(n: u32, gate: State<Gate>) -> iii::Result<u32> {
    gate.pass(n).await
}

/// A worker with `echo`, `add` and the declared `limited.slow`, limited to `max_in_flight`
/// invocations at once.
fn limited_worker(config: WorkerConfig, gate: &Arc<Gate>) -> Worker {
    let worker = Worker::with_config(config);
    crate::register_basics(&worker);
    let mut states = StateMap::new();
    states.insert_arc(Arc::clone(gate));
    iii::register_declared_with(&worker, states).expect("registers limited.slow");
    worker
}

/// The results the worker sent, read in any order.
struct Answers<'a> {
    peer: &'a mut Peer,
    seen: HashMap<String, Value>,
}

impl<'a> Answers<'a> {
    fn new(peer: &'a mut Peer) -> Self {
        Self {
            peer,
            seen: HashMap::new(),
        }
    }

    /// The result of invocation `id`, keeping every other result read on the way.
    async fn of(&mut self, id: &str) -> Value {
        loop {
            if let Some(result) = self.seen.remove(id) {
                return result;
            }
            let frame = self.peer.recv().await;
            if frame["type"] == "invocationresult"
                && let Some(id) = frame["invocation_id"].as_str()
            {
                self.seen.insert(id.to_owned(), frame);
            }
        }
    }
}

#[tokio::test]
async fn a_slow_limited_function_flooded_with_calls_cannot_starve_another() {
    let engine = FakeEngine::bind().await;
    let mut config = crate::config(engine.url());
    config.max_in_flight = 4;
    let gate = Gate::closed();
    let worker = limited_worker(config, &gate);
    let mut peer = crate::serve(&worker, &engine).await;

    // One runs, four (the queue holds as many as the worker runs at once) wait, three are
    // refused: more calls than the worker has slots and backlog places together.
    let mut slow = Vec::new();
    for n in 0..8 {
        slow.push(peer.invoke("limited.slow", json!(n)).await);
    }
    let echo = peer.invoke("echo", json!("still served")).await;

    let mut answers = Answers::new(&mut peer);
    let answered = answers.of(&echo).await;
    assert_eq!(
        answered["result"], "still served",
        "another function is served while the limited one is saturated: {answered}"
    );
    for id in &slow[5..] {
        let answered = answers.of(id).await;
        assert_eq!(
            answered["error"]["code"], "overloaded",
            "a call beyond the function's queue is refused: {answered}"
        );
    }
    gate.started(1).await;
    assert_eq!(gate.running.load(Ordering::SeqCst), 1);

    gate.open_all();
    for (n, id) in slow.iter().take(5).enumerate() {
        assert_eq!(answers.of(id).await["result"], json!(n));
    }
    assert_eq!(gate.peak.load(Ordering::SeqCst), 1, "one at a time");
    worker.disconnect().await;
}

/// Sends three calls to `limited.slow` and returns their ids once the first runs (the other
/// two wait behind the limit).
async fn one_running_two_waiting(peer: &mut Peer, gate: &Gate) -> [String; 3] {
    let mut ids = Vec::new();
    for n in 0..3 {
        ids.push(peer.invoke("limited.slow", json!(n)).await);
    }
    gate.started(1).await;
    ids.try_into().expect("three ids")
}

#[tokio::test]
async fn the_drain_waits_for_the_calls_queued_behind_a_limit() {
    let engine = FakeEngine::bind().await;
    let gate = Gate::closed();
    let worker = limited_worker(crate::config(engine.url()), &gate);
    let mut peer = crate::serve(&worker, &engine).await;
    let ids = one_running_two_waiting(&mut peer, &gate).await;

    let stopping = worker.clone();
    let disconnect = tokio::spawn(async move { stopping.disconnect().await });
    worker
        .wait_for_connection(|s| s == iii::ConnectionStatus::Draining)
        .await
        .expect("draining");
    gate.open_all();
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(peer.result_of(id).await["result"], json!(n));
    }
    assert!(peer.closed_within(PATIENCE).await, "close frame");
    disconnect.await.expect("task");
}

#[tokio::test]
async fn abandoning_the_drain_answers_the_calls_queued_behind_a_limit() {
    let engine = FakeEngine::bind().await;
    let mut config = crate::config(engine.url());
    config.shutdown_grace = Duration::from_millis(200);
    let gate = Gate::closed();
    let worker = limited_worker(config, &gate);
    let mut peer = crate::serve(&worker, &engine).await;
    let ids = one_running_two_waiting(&mut peer, &gate).await;

    tokio::time::timeout(PATIENCE, worker.disconnect())
        .await
        .expect("disconnect returns after the grace period");
    let mut answers = Answers::new(&mut peer);
    for id in &ids {
        let answered = answers.of(id).await;
        assert_eq!(answered["error"]["code"], "shutdown", "{answered}");
    }
}

#[tokio::test]
async fn a_limit_set_through_the_plain_api_holds_and_is_reached() {
    let engine = FakeEngine::bind().await;
    let worker = crate::worker(engine.url());
    let gate = Gate::closed();
    let held = Arc::clone(&gate);
    let pair = Function::new(move |n: u32| {
        let gate = Arc::clone(&held);
        async move { gate.pass(n).await }
    })
    .concurrency(2);
    worker.register_function("pair", pair).expect("register");
    let mut peer = crate::serve(&worker, &engine).await;

    let mut ids = Vec::new();
    for n in 0..4 {
        ids.push(peer.invoke("pair", json!(n)).await);
    }
    gate.started(2).await;
    gate.open_all();
    let mut answers = Answers::new(&mut peer);
    for (n, id) in ids.iter().enumerate() {
        assert_eq!(answers.of(id).await["result"], json!(n));
    }
    assert_eq!(gate.peak.load(Ordering::SeqCst), 2, "two at a time");
    worker.disconnect().await;
}
