//! One benchmark run: start the engine process and the workers, run every case against each
//! (as many rounds as asked), read their memory, time the quickstart's start-up, stop
//! everything, run the micro-benchmarks. What it measured is a [`Report`].

use std::time::{Duration, Instant};

use crate::args::Args;
use crate::cases::{self, Case, Route, Target};
use crate::engine::{self, EngineProcess};
use crate::micro;
use crate::process::Process;
use crate::procfs::{self, Memory};
use crate::results::{
    CaseResult, Measured, MemoryResult, NOT_SELECTED, Report, RequestLogWritten, Samples,
};
use crate::startup;
use crate::workers::{self, Impl};

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
        rounds: args.rounds,
        timing: (args.warmup, args.window),
        load: [procfs::load_average(), None],
        ..Report::default()
    };
    if !args.routes.is_empty() || args.startup_runs > 0 {
        with_engine(args, &mut report).await?;
    }
    if args.micro {
        eprintln!("micro-benchmarks ({:?} each)…", args.micro_budget);
        let budget = args.micro_budget;
        report.micro = tokio::task::spawn_blocking(move || micro::run(budget))
            .await
            .map_err(|e| format!("micro-benchmarks: {e}"))?;
    }
    report.load[1] = procfs::load_average();
    report.elapsed = started.elapsed();
    Ok(report)
}

async fn with_engine(args: &Args, report: &mut Report) -> Result<(), String> {
    let path = match &args.engine {
        Some(path) => path.clone(),
        None => workers::binary_dir()?.join(engine::BINARY),
    };
    let engine = EngineProcess::start(&path).await?;
    eprintln!(
        "engine {} (pid {}) on {} (HTTP {})",
        path.display(),
        engine.process.pid(),
        engine.ws_url,
        engine.http_addr
    );
    if !args.routes.is_empty() {
        load(args, &engine, report).await?;
    }
    for mode in [startup::Mode::Running, startup::Mode::Embedded] {
        if args.startup_runs == 0 {
            break;
        }
        eprintln!("start-up: {} ×{}…", mode.label(), args.startup_runs);
        let engine_at = (engine.ws_url.as_str(), engine.http_addr);
        report
            .startup
            .push(startup::measure(mode, args.startup_runs, engine_at).await);
    }
    engine.process.stop().await;
    Ok(())
}

async fn load(args: &Args, engine: &EngineProcess, report: &mut Report) -> Result<(), String> {
    let driver = iii::Worker::with_config(iii::WorkerConfig {
        url: engine.ws_url.clone(),
        url_is_explicit: true,
        name: "bench-driver".to_owned(),
        ..iii::WorkerConfig::default()
    });
    driver.connect().await.map_err(|e| format!("driver: {e}"))?;
    let target = Target {
        driver: driver.clone(),
        http_addr: engine.http_addr,
    };

    let log_file =
        std::env::temp_dir().join(format!("iii-bench-request-log-{}.log", std::process::id()));
    let mut processes: Vec<Result<Process, String>> = Impl::ALL
        .iter()
        .map(|&which| {
            if args.workers.contains(&which) {
                workers::spawn(which, &engine.ws_url, &log_file)
            } else {
                Err(NOT_SELECTED.to_owned())
            }
        })
        .collect();
    let deadline = Instant::now() + READY_TIMEOUT;
    for (which, process) in Impl::ALL.iter().zip(processes.iter_mut()) {
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
    report.memory = vec![MemoryResult::default(); Impl::ALL.len()];
    sample_memory(&processes, engine, report, |m| &mut m.idle);

    let all = Case::matrix(&args.routes, &args.sizes, &args.concurrencies);
    report.cases = all
        .iter()
        .map(|&case| CaseResult {
            case,
            results: vec![Samples::default(); Impl::ALL.len()],
        })
        .collect();
    let running: Vec<usize> = (0..Impl::ALL.len())
        .filter(|&slot| processes[slot].is_ok())
        .collect();
    for round in 0..args.rounds {
        for (index, result) in report.cases.iter_mut().enumerate() {
            // Rotate which implementation goes first, from case to case and round to round,
            // so slow drift on a shared machine does not systematically favour one of them.
            let n = running.len();
            for k in 0..n {
                let slot = running[(index + round + k) % n];
                let which = Impl::ALL[slot];
                let Ok(process) = &mut processes[slot] else {
                    continue;
                };
                let outcome = measure(&target, process, engine, which, result.case, args).await;
                eprintln!(
                    "{}/{} {:<16} {:<21} {}",
                    round + 1,
                    args.rounds,
                    result.case.label(),
                    which.label(),
                    summary(&outcome)
                );
                let samples = &mut result.results[slot];
                match outcome {
                    Ok(m) => samples.rounds.push(m),
                    Err(e) => {
                        samples.error.get_or_insert(e);
                    }
                }
            }
        }
    }

    tokio::time::sleep(SETTLE).await;
    sample_memory(&processes, engine, report, |m| &mut m.after_load);

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
    Ok(())
}

async fn ready(
    target: &Target,
    routes: &[Route],
    which: Impl,
    deadline: Instant,
) -> Result<(), String> {
    cases::rpc::wait_ready(&target.driver, which, deadline).await?;
    if routes.contains(&Route::Http) || routes.contains(&Route::Add) {
        cases::http::wait_ready(target.http_addr, which, deadline).await?;
    }
    Ok(())
}

async fn measure(
    target: &Target,
    process: &mut Process,
    engine: &EngineProcess,
    which: Impl,
    case: Case,
    args: &Args,
) -> Result<Measured, String> {
    if let Some(status) = process.exited() {
        return Err(format!("worker exited: {status}"));
    }
    let (pid, engine_pid) = (process.pid(), engine.process.pid());
    let (stats, [before, after]) =
        cases::run(target, which, case, (args.warmup, args.window), || {
            (procfs::cpu_time(pid), procfs::cpu_time(engine_pid))
        })
        .await?;
    let per_call = |before: Result<Duration, String>, after: Result<Duration, String>| {
        let used = after?.saturating_sub(before?);
        Ok::<_, String>((stats.calls > 0).then(|| used.div_f64(stats.calls as f64)))
    };
    Ok(Measured {
        cpu_per_call: per_call(before.0, after.0)?,
        engine_cpu_per_call: per_call(before.1, after.1)?,
        stats,
    })
}

fn sample_memory(
    processes: &[Result<Process, String>],
    engine: &EngineProcess,
    report: &mut Report,
    at: impl Fn(&mut MemoryResult) -> &mut Option<Memory>,
) {
    let sample = |pid: Result<u32, &String>, slot: &mut MemoryResult| match pid.map(procfs::memory)
    {
        Ok(Ok(m)) => *at(slot) = Some(m),
        Ok(Err(e)) => slot.error = Some(e),
        Err(e) => slot.error = Some(e.clone()),
    };
    for (process, slot) in processes.iter().zip(report.memory.iter_mut()) {
        sample(process.as_ref().map(Process::pid), slot);
    }
    sample(Ok(engine.process.pid()), &mut report.engine_memory);
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
