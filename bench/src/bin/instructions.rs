//! `iii-bench-instructions`: the instructions a worker executes per call, counted by
//! valgrind's cachegrind, for machines too busy for CPU times to mean much.
//!
//! Each worker runs twice under `valgrind --tool=cachegrind --cache-sim=no` against an engine
//! in this process, serving `N` and then `3N` sequential calls of 100 B or 64 KiB (`--size`;
//! `--case call`: from a
//! driver connection; `http`: `POST` to its echo route; `add`: its typed `math.add` route, one
//! keep-alive HTTP connection); the difference of the two totals divided by `2N` is what one call costs, start
//! and shutdown cancelled out. Only user-space instructions count: system calls (the request
//! log's write to its file among them) are not in the figure. Needs `valgrind` on the `PATH`.
//!
//! ```sh
//! cargo build --release --bins && target/release/iii-bench-instructions --calls 2000
//! ```

use std::process::Stdio;
use std::time::{Duration, Instant};

use iii::CallOptions;
use iii_bench::cases::http::{HttpClient, Request};
use iii_bench::contract::{
    ENV_ADD_PATH, ENV_FUNCTION_ID, ENV_HTTP_PATH, ENV_INLINE_BUDGET_US, ENV_REQUEST_LOG, ENV_URL,
};
use iii_bench::load::Client;
use iii_bench::payload::{Size, echo_raw};
use iii_bench::workers::{Impl, binary_dir};
use iii_engine::{Engine, EngineConfig, EngineHandle};

const USAGE: &str = "\
iii-bench-instructions: instructions per call of each worker, under cachegrind.

USAGE: iii-bench-instructions [--calls N] [--case CASE] [--size SIZE] [--workers LIST]
                              [--profile DIR]

  --calls N        calls of the shorter run (default 2000; the longer one makes 3N)
  --case CASE      call (default: worker-to-worker calls), http (POST the echo route) or
                   add (POST the typed math.add route); one at a time
  --size SIZE      small (100 B, the default) or large (64 KiB) echo payloads
  --workers LIST   as iii-bench's --workers (default iii-rs,iii-rs-log,iii-rs-otel)
  --profile DIR    keep each run's cachegrind profile in DIR (cachegrind.<worker>.<calls>),
                   for a per-function diff of two workers or two builds
";

/// How long a worker under valgrind may take to serve its first call.
const READY_TIMEOUT: Duration = Duration::from_secs(120);

/// What each counted call is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Case {
    Call,
    Http,
    Add,
}

#[tokio::main]
async fn main() -> Result<(), String> {
    let mut calls = 2000_u64;
    let mut case = Case::Call;
    let mut size = Size::Small;
    let mut workers = vec![Impl::IiiRs, Impl::IiiRsLog, Impl::IiiRsOtel];
    let mut profile: Option<std::path::PathBuf> = None;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
        match arg.as_str() {
            "--calls" => {
                calls = value()?
                    .parse()
                    .ok()
                    .filter(|n| *n > 0)
                    .ok_or("--calls: a positive number")?;
            }
            "--case" => {
                case = match value()?.as_str() {
                    "call" => Case::Call,
                    "http" => Case::Http,
                    "add" => Case::Add,
                    other => return Err(format!("--case: {other:?}? call, http or add")),
                };
            }
            "--size" => {
                size = match value()?.as_str() {
                    "small" => Size::Small,
                    "large" => Size::Large,
                    other => return Err(format!("--size: {other:?}? small or large")),
                };
            }
            "--workers" => {
                workers = value()?
                    .split(',')
                    .map(|k| Impl::from_key(k.trim()).ok_or(format!("--workers: {k:?}?")))
                    .collect::<Result<_, _>>()?;
            }
            "--profile" => profile = Some(value()?.into()),
            "-h" | "--help" => {
                print!("{USAGE}");
                return Ok(());
            }
            other => return Err(format!("unknown option {other:?}\n{USAGE}")),
        }
    }
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

    println!(
        "| worker | instructions per call | over {} |",
        workers[0].label()
    );
    println!("|---|---:|---:|");
    let mut base = None;
    for which in workers {
        let out = |n: u64| {
            profile.as_ref().map_or_else(
                || "/dev/null".into(),
                |dir| dir.join(format!("cachegrind.{}.{n}", which.key())),
            )
        };
        let short = count(&engine, &driver, which, (case, size), calls, &out(calls)).await?;
        let long = count(
            &engine,
            &driver,
            which,
            (case, size),
            3 * calls,
            &out(3 * calls),
        )
        .await?;
        let per_call = long.saturating_sub(short) as f64 / (2 * calls) as f64;
        let base = *base.get_or_insert(per_call);
        println!(
            "| {} | {per_call:.0} | {:+.0} |",
            which.label(),
            per_call - base
        );
    }
    driver.disconnect().await;
    engine.shutdown().await;
    Ok(())
}

/// Runs `which` under cachegrind for `calls` calls of `case` and returns its total
/// instruction count.
async fn count(
    engine: &EngineHandle,
    driver: &iii::Worker,
    which: Impl,
    (case, size): (Case, Size),
    calls: u64,
    out: &std::path::Path,
) -> Result<u64, String> {
    let log = std::env::temp_dir().join(format!("iii-bench-ir-{}.log", std::process::id()));
    let child = tokio::process::Command::new("valgrind")
        .args(["--tool=cachegrind", "--cache-sim=no"])
        .arg(format!("--cachegrind-out-file={}", out.display()))
        .arg(binary_dir()?.join(which.binary()))
        .env(ENV_URL, engine.ws_url())
        .env(ENV_FUNCTION_ID, which.function_id())
        .env(ENV_HTTP_PATH, which.http_path())
        .env(ENV_ADD_PATH, which.add_path())
        .env(ENV_REQUEST_LOG, &log)
        // The path the worker takes at full speed: its handlers start inline (see the
        // variable's documentation).
        .env(ENV_INLINE_BUDGET_US, "100000")
        .envs(which.env().iter().copied())
        .stdin(Stdio::null())
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .kill_on_drop(true)
        .spawn()
        .map_err(|e| format!("cannot start valgrind: {e}"))?;
    let payload = echo_raw(size.bytes());
    let started = Instant::now();
    let quick = CallOptions {
        timeout: Some(Duration::from_secs(5)),
        ..CallOptions::default()
    };
    while let Err(e) = driver
        .call_raw(which.function_id(), payload.clone(), quick.clone())
        .await
    {
        if started.elapsed() > READY_TIMEOUT {
            return Err(format!("{}: not serving: {e}", which.label()));
        }
        tokio::time::sleep(Duration::from_millis(200)).await;
    }
    let failed = |e: String| format!("{}: {e}", which.label());
    match case {
        Case::Call => {
            for _ in 0..calls {
                driver
                    .call_raw(which.function_id(), payload.clone(), CallOptions::default())
                    .await
                    .map_err(|e| failed(e.to_string()))?;
            }
        }
        Case::Http | Case::Add => {
            let request = match case {
                Case::Add => Request::add(which),
                _ => Request::echo(which, size),
            };
            let mut client = HttpClient::connect(engine.http_addr(), request)
                .await
                .map_err(failed)?;
            // The route is registered after the function: wait until it answers.
            while let Err(e) = client.call().await {
                if started.elapsed() > READY_TIMEOUT {
                    return Err(failed(format!("route not served: {e}")));
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            for _ in 0..calls {
                client.call().await.map_err(failed)?;
            }
        }
    }
    let pid = child.id().ok_or("valgrind exited early")?;
    let _ = tokio::process::Command::new("kill")
        .args(["-TERM", &pid.to_string()])
        .status()
        .await;
    let out = child
        .wait_with_output()
        .await
        .map_err(|e| format!("valgrind: {e}"))?;
    let _ = std::fs::remove_file(&log);
    let stderr = String::from_utf8_lossy(&out.stderr);
    stderr
        .lines()
        .find_map(|line| {
            let (_, refs) = line.split_once("I   refs:")?;
            refs.trim().replace(',', "").parse().ok()
        })
        .ok_or_else(|| format!("{}: no instruction count in:\n{stderr}", which.label()))
}
