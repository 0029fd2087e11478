//! One benchmark run: start the engine and both workers, run every case against each,
//! read their memory, stop everything, run the micro-benchmarks.

use std::time::{Duration, Instant};

use iii_engine::{Engine, EngineConfig};

use crate::args::Args;
use crate::cases::{self, Case, Route, Target};
use crate::micro::{self, Measurement};
use crate::procfs::{self, Memory};
use crate::stats::Stats;
use crate::workers::{Impl, WorkerProcess};

/// One implementation's result for one case.
#[derive(Debug, Clone)]
pub struct Measured {
    /// Throughput and latency.
    pub stats: Stats,
    /// The worker process's CPU time (user + system) per successful call.
    pub cpu_per_call: Option<Duration>,
}

/// Every implementation's result for one case.
#[derive(Debug, Clone)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// One result per implementation, in [`Report::workers`] order.
    pub results: Vec<Result<Measured, String>>,
}

/// Memory of one worker process at the two points the run samples it.
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
    /// The implementations loaded, in column order.
    pub workers: Vec<Impl>,
    /// What the request log worker wrote, when it ran.
    pub request_log: Option<RequestLogWritten>,
    /// Load cases.
    pub cases: Vec<CaseResult>,
    /// Worker memory, in [`Report::workers`] order.
    pub memory: Vec<MemoryResult>,
    /// Decode micro-benchmarks.
    pub micro: Vec<Measurement>,
    /// Wall-clock time of the whole run.
    pub elapsed: Duration,
}

/// How long a worker may take to connect and register.
const READY_TIMEOUT: Duration = Duration::from_secs(20);
/// Pause before reading memory, so that freed buffers and exited tasks settle.
const SETTLE: Duration = Duration::from_millis(500);

/// Runs the benchmark described by `args`.
///
/// # Errors
/// When the engine or the driver cannot start. A worker that fails is reported in its
/// column instead.
pub async fn run(args: &Args) -> Result<Report, String> {
    let started = Instant::now();
    let mut report = Report {
        workers: args.workers.clone(),
        ..Report::default()
    };
    if !args.routes.is_empty() {
        load(args, &mut report).await?;
    }
    if args.micro {
        eprintln!("micro-benchmarks ({:?} each)…", args.micro_budget);
        let budget = args.micro_budget;
        report.micro = tokio::task::spawn_blocking(move || micro::run(budget))
            .await
            .map_err(|e| format!("micro-benchmarks: {e}"))?;
    }
    report.elapsed = started.elapsed();
    Ok(report)
}

async fn load(args: &Args, report: &mut Report) -> Result<(), String> {
    let engine = Engine::start(EngineConfig {
        ws_port: 0,
        http_port: 0,
        ..EngineConfig::default()
    })
    .await
    .map_err(|e| format!("engine: {e}"))?;
    let driver = iii::Worker::with_config(iii::WorkerConfig {
        url: engine.ws_url(),
        url_is_explicit: true,
        name: "bench-driver".to_owned(),
        ..iii::WorkerConfig::default()
    });
    driver.connect().await.map_err(|e| format!("driver: {e}"))?;
    let target = Target {
        driver: driver.clone(),
        http_addr: engine.http_addr(),
    };
    eprintln!(
        "engine on {} (HTTP {}); starting workers…",
        engine.ws_url(),
        engine.http_addr()
    );

    let log_file =
        std::env::temp_dir().join(format!("iii-bench-request-log-{}.log", std::process::id()));
    let workers = &args.workers;
    let mut processes: Vec<Result<WorkerProcess, String>> = workers
        .iter()
        .map(|&which| WorkerProcess::spawn(which, &engine.ws_url(), &log_file))
        .collect();
    report.memory = vec![MemoryResult::default(); workers.len()];
    let deadline = Instant::now() + READY_TIMEOUT;
    for (which, process) in workers.iter().zip(processes.iter_mut()) {
        if let Ok(p) = process {
            let pid = p.pid();
            if let Err(e) = ready(&target, &args.routes, *which, deadline).await {
                *process = Err(e);
            } else {
                eprintln!("{} ready (pid {pid})", which.label());
            }
        }
    }

    tokio::time::sleep(SETTLE).await;
    sample_memory(&processes, &mut report.memory, |m| &mut m.idle);

    let all = Case::matrix(&args.routes, &args.sizes, &args.concurrencies);
    for (index, case) in all.into_iter().enumerate() {
        // Rotate which implementation goes first, so slow drift on a shared machine
        // (thermal, neighbours) does not systematically favour one of them.
        let n = workers.len();
        let mut results: Vec<Result<Measured, String>> = vec![Err("not run".to_owned()); n];
        for slot in (0..n).map(|k| (index + k) % n) {
            let which = workers[slot];
            results[slot] = match &mut processes[slot] {
                Ok(process) => measure(&target, process, which, case, args).await,
                Err(e) => Err(e.clone()),
            };
            eprintln!(
                "{:<16} {:<21} {}",
                case.label(),
                which.label(),
                summary(&results[slot])
            );
        }
        report.cases.push(CaseResult { case, results });
    }

    tokio::time::sleep(SETTLE).await;
    sample_memory(&processes, &mut report.memory, |m| &mut m.after_load);

    for process in processes.into_iter().flatten() {
        process.stop().await;
    }
    if let Ok(text) = std::fs::read(&log_file) {
        report.request_log = Some(RequestLogWritten {
            lines: text.iter().filter(|b| **b == b'\n').count(),
            bytes: text.len(),
        });
        let _ = std::fs::remove_file(&log_file);
    }
    driver.disconnect().await;
    engine.shutdown().await;
    Ok(())
}

async fn ready(
    target: &Target,
    routes: &[Route],
    which: Impl,
    deadline: Instant,
) -> Result<(), String> {
    cases::rpc::wait_ready(&target.driver, which, deadline).await?;
    if routes.contains(&Route::Http) {
        cases::http::wait_ready(target.http_addr, which, deadline).await?;
    }
    Ok(())
}

async fn measure(
    target: &Target,
    process: &mut WorkerProcess,
    which: Impl,
    case: Case,
    args: &Args,
) -> Result<Measured, String> {
    if let Some(status) = process.exited() {
        return Err(format!("worker exited: {status}"));
    }
    let pid = process.pid();
    let (stats, [before, after]) =
        cases::run(target, which, case, (args.warmup, args.window), || {
            procfs::cpu_time(pid)
        })
        .await?;
    let used = after?.saturating_sub(before?);
    let cpu_per_call = (stats.calls > 0).then(|| used.div_f64(stats.calls as f64));
    Ok(Measured {
        stats,
        cpu_per_call,
    })
}

fn sample_memory(
    processes: &[Result<WorkerProcess, String>],
    memory: &mut [MemoryResult],
    at: impl Fn(&mut MemoryResult) -> &mut Option<Memory>,
) {
    for (process, slot) in processes.iter().zip(memory.iter_mut()) {
        match process.as_ref().map(|p| procfs::memory(p.pid())) {
            Ok(Ok(m)) => *at(slot) = Some(m),
            Ok(Err(e)) => slot.error = Some(e),
            Err(e) => slot.error = Some(e.clone()),
        }
    }
}

fn summary(result: &Result<Measured, String>) -> String {
    match result {
        Ok(m) => format!(
            "{:>9.0} calls/s  p50 {:>7.0} µs  p99 {:>7.0} µs{}",
            m.stats.throughput(),
            m.stats.p50.as_secs_f64() * 1e6,
            m.stats.p99.as_secs_f64() * 1e6,
            if m.stats.errors > 0 {
                format!("  ({} errors)", m.stats.errors)
            } else {
                String::new()
            }
        ),
        Err(e) => format!("FAILED: {e}"),
    }
}
