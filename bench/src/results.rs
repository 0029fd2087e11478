//! What a run measured: per case, implementation and round; memory; start-up; micro.

use std::time::Duration;

use crate::cases::Case;
use crate::micro::Measurement;
use crate::procfs::Memory;
use crate::startup::Startup;
use crate::stats::Stats;
#[cfg(doc)]
use crate::workers::Impl;

/// One implementation's result for one case in one round.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Throughput and latency.
    pub stats: Stats,
    /// The worker process's CPU time (user + system) per successful call.
    pub cpu_per_call: Option<Duration>,
    /// The engine process's CPU time per successful call, while it served this worker.
    pub engine_cpu_per_call: Option<Duration>,
}

/// One implementation's results for one case, over the rounds.
#[derive(Debug, Clone, Default)]
pub struct Samples {
    /// One per round that succeeded.
    pub rounds: Vec<Measured>,
    /// The first failure, if a round failed.
    pub error: Option<String>,
}

/// Every implementation's results for one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// One entry per implementation, in [`Impl::ALL`] order (empty for those not run).
    pub results: Vec<Samples>,
}

/// Memory of one process at the two points the run samples it.
#[derive(Debug, Clone, Default)]
pub struct MemoryResult {
    /// After registration, before any load.
    pub idle: Option<Memory>,
    /// After every case, once the load has stopped.
    pub after_load: Option<Memory>,
    /// Why it could not be read, if so.
    pub error: Option<String>,
}

/// What the worker with the request log on wrote.
#[derive(Debug, Clone, Copy)]
pub struct RequestLogWritten {
    /// Lines in the file.
    pub lines: usize,
    /// Bytes in the file.
    pub bytes: usize,
}

/// Everything one run measured.
#[derive(Debug, Clone, Default)]
pub struct Report {
    /// How many rounds each case ran.
    pub rounds: usize,
    /// Warm-up and measurement window of each case, worker and round.
    pub timing: (Duration, Duration),
    /// Load cases.
    pub cases: Vec<CaseResult>,
    /// Worker memory, in [`Impl::ALL`] order.
    pub memory: Vec<MemoryResult>,
    /// What the request log worker wrote, when it ran.
    pub request_log: Option<RequestLogWritten>,
    /// The engine process's memory.
    pub engine_memory: MemoryResult,
    /// Quickstart start-up times, one entry per mode.
    pub startup: Vec<Startup>,
    /// Decode micro-benchmarks.
    pub micro: Vec<Measurement>,
    /// The machine's load averages (1, 5, 15 min) when the run began and when it ended.
    pub load: [Option<String>; 2],
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

/// The "error" of a worker that `--workers` left out: its cells stay empty, silently.
pub const NOT_SELECTED: &str = "not selected";
