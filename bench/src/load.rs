//! A closed-loop load generator: a fixed number of clients, each with one call in flight,
//! for a warm-up period and then a measurement window.
//!
//! Closed loop means throughput and latency are two views of the same run (Little's law:
//! concurrency ≈ throughput × mean latency); it never queues more than `concurrency` calls, so
//! a slow worker shows up as lower throughput rather than as an ever-growing backlog.

use std::future::Future;
use std::time::{Duration, Instant};

use crate::stats::Stats;

/// One client of a load run: owns its connection or handle and makes one call at a time.
pub trait Client: Send + 'static {
    /// Makes one call and checks its answer.
    fn call(&mut self) -> impl Future<Output = Result<(), String>> + Send;
}

/// How long to load, and how hard.
#[derive(Debug, Clone, Copy)]
pub struct Spec {
    /// Calls kept in flight (one per client).
    pub concurrency: usize,
    /// Calls started before this much time are not recorded.
    pub warmup: Duration,
    /// The measurement window that follows the warm-up.
    pub window: Duration,
}

struct Tally {
    latencies_ns: Vec<u64>,
    errors: u64,
    first_error: Option<String>,
}

/// Runs one client per in-flight call (`clients.len()` is the concurrency) and summarises the
/// calls that started inside the measurement window; `probe` is called when the window opens
/// and when it closes (to sample a process's CPU time, say), and both samples are returned.
///
/// # Panics
/// If a client task panics.
pub async fn run<C: Client, P>(
    spec: Spec,
    clients: Vec<C>,
    probe: impl Fn() -> P,
) -> (Stats, [P; 2]) {
    let start = Instant::now();
    let measure_from = start + spec.warmup;
    let until = measure_from + spec.window;
    let tasks: Vec<_> = clients
        .into_iter()
        .map(|mut client| {
            tokio::spawn(async move {
                let mut tally = Tally {
                    latencies_ns: Vec::with_capacity(4096),
                    errors: 0,
                    first_error: None,
                };
                loop {
                    let began = Instant::now();
                    if began >= until {
                        break;
                    }
                    let result = client.call().await;
                    if began < measure_from {
                        continue;
                    }
                    match result {
                        Ok(()) => tally.latencies_ns.push(began.elapsed().as_nanos() as u64),
                        Err(e) => {
                            tally.errors += 1;
                            tally.first_error.get_or_insert(e);
                            // A failing worker usually fails fast; do not spin on it.
                            tokio::time::sleep(Duration::from_millis(10)).await;
                        }
                    }
                }
                tally
            })
        })
        .collect();

    tokio::time::sleep_until(measure_from.into()).await;
    let opened = probe();
    tokio::time::sleep_until(until.into()).await;
    let closed = probe();

    let mut latencies_ns = Vec::new();
    let mut errors = 0;
    let mut first_error = None;
    for task in tasks {
        let tally = match task.await {
            Ok(tally) => tally,
            Err(e) => std::panic::resume_unwind(e.into_panic()),
        };
        latencies_ns.extend(tally.latencies_ns);
        errors += tally.errors;
        if first_error.is_none() {
            first_error = tally.first_error;
        }
    }
    let stats = Stats::new(latencies_ns, errors, first_error, spec.window);
    (stats, [opened, closed])
}
