//! Command-line options of `iii-bench`.

use std::path::PathBuf;
use std::time::Duration;

use crate::cases::Route;
use crate::payload::Size;
use crate::workers::Impl;

/// What to run and for how long.
#[derive(Debug, Clone)]
pub struct Args {
    /// Warm-up per case and implementation (not recorded).
    pub warmup: Duration,
    /// Measurement window per case and implementation.
    pub window: Duration,
    /// Calls in flight, one load run each.
    pub concurrencies: Vec<usize>,
    /// Payload sizes of the load cases.
    pub sizes: Vec<Size>,
    /// Which load routes to run.
    pub routes: Vec<Route>,
    /// Times every case runs against every worker; the report gives each metric's median.
    pub rounds: usize,
    /// The workers under test (the others' columns stay empty).
    pub workers: Vec<Impl>,
    /// The engine binary to run instead of this crate's `bench-engine` (one that takes the
    /// same contract: free ports, `<ws url> <http addr>` on its first stdout line).
    pub engine: Option<PathBuf>,
    /// Start-up runs of the quickstart per mode (0: none).
    pub startup_runs: usize,
    /// Whether to run the decode micro-benchmarks.
    pub micro: bool,
    /// Time budget per micro-benchmark.
    pub micro_budget: Duration,
}

/// The `--help` text.
pub const USAGE: &str = "\
iii-bench: iii-rs workers side by side with the floor (a bare socket) and the official
iii-sdk 0.25, in one run, against the development engine in its own process.

USAGE: cargo run --release [-- OPTIONS]

OPTIONS:
  --quick               short run: 0.2 s warm-up, 0.5 s window, 3 rounds, 5 start-ups,
                        short micro-benchmarks
  --warmup SECS         warm-up per case and worker (default 1)
  --window SECS         measurement window per case and worker (default 3)
  --rounds N            runs of every case and worker; medians are reported (default 1)
  --concurrency LIST    calls in flight, comma-separated (default 1,64)
  --sizes LIST          payload sizes, any of small,large (default both)
  --only LIST           any of call,http,add,startup,micro, comma-separated (default all)
  --workers LIST        any of floor,iii-rs,iii-rs-log,iii-rs-otel,sdk,sdk-otel-off,
                        comma-separated (default all)
  --startup-runs N      quickstart start-ups per mode (default 11)
  --engine PATH         run this engine binary instead of bench-engine (same contract)
  -h, --help            this text
";

impl Default for Args {
    fn default() -> Self {
        Self {
            warmup: Duration::from_secs(1),
            window: Duration::from_secs(3),
            concurrencies: vec![1, 64],
            sizes: vec![Size::Small, Size::Large],
            routes: vec![Route::Call, Route::Http, Route::Add],
            rounds: 1,
            workers: Impl::ALL.to_vec(),
            engine: None,
            startup_runs: 11,
            micro: true,
            micro_budget: Duration::from_millis(600),
        }
    }
}

impl Args {
    /// Parses the options after the program name. `Ok(None)` means `--help` was asked for.
    ///
    /// # Errors
    /// A message naming the bad option.
    pub fn parse(mut args: impl Iterator<Item = String>) -> Result<Option<Self>, String> {
        let mut out = Self::default();
        while let Some(arg) = args.next() {
            let mut value = || args.next().ok_or_else(|| format!("{arg} needs a value"));
            match arg.as_str() {
                "-h" | "--help" => return Ok(None),
                "--quick" => {
                    out.warmup = Duration::from_millis(200);
                    out.window = Duration::from_millis(500);
                    out.rounds = 3;
                    out.startup_runs = 5;
                    out.micro_budget = Duration::from_millis(100);
                }
                "--rounds" => out.rounds = positive("--rounds", &value()?)?,
                "--startup-runs" => {
                    out.startup_runs = value()?
                        .parse()
                        .map_err(|_| "--startup-runs: not a number".to_owned())?;
                }
                "--engine" => out.engine = Some(PathBuf::from(value()?)),
                "--workers" => {
                    out.workers = value()?
                        .split(',')
                        .map(|k| {
                            Impl::ALL
                                .into_iter()
                                .find(|w| w.key() == k.trim())
                                .ok_or_else(|| format!("--workers: {k:?} is not a worker"))
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--warmup" => out.warmup = seconds(&value()?)?,
                "--window" => out.window = seconds(&value()?)?,
                "--concurrency" => {
                    out.concurrencies = value()?
                        .split(',')
                        .map(|n| positive("--concurrency", n))
                        .collect::<Result<_, _>>()?;
                }
                "--sizes" => {
                    out.sizes = value()?
                        .split(',')
                        .map(|s| match s.trim() {
                            "small" => Ok(Size::Small),
                            "large" => Ok(Size::Large),
                            other => Err(format!("--sizes: {other:?} is not small or large")),
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--only" => {
                    let list = value()?;
                    out.routes.clear();
                    out.micro = false;
                    let mut startup = false;
                    for item in list.split(',') {
                        match item.trim() {
                            "call" => out.routes.push(Route::Call),
                            "http" => out.routes.push(Route::Http),
                            "add" => out.routes.push(Route::Add),
                            "startup" => startup = true,
                            "micro" => out.micro = true,
                            other => {
                                return Err(format!(
                                    "--only: {other:?} is not one of call, http, add, startup, micro"
                                ));
                            }
                        }
                    }
                    if !startup {
                        out.startup_runs = 0;
                    }
                }
                other => return Err(format!("unknown option {other:?} (see --help)")),
            }
        }
        Ok(Some(out))
    }
}

fn positive(option: &str, text: &str) -> Result<usize, String> {
    match text.trim().parse::<usize>() {
        Ok(n) if n > 0 => Ok(n),
        _ => Err(format!("{option}: {text:?} is not a positive number")),
    }
}

fn seconds(text: &str) -> Result<Duration, String> {
    text.parse::<f64>()
        .ok()
        .filter(|s| s.is_finite() && *s >= 0.0)
        .map(Duration::from_secs_f64)
        .ok_or_else(|| format!("{text:?} is not a number of seconds"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(args: &[&str]) -> Result<Option<Args>, String> {
        Args::parse(args.iter().map(|s| (*s).to_owned()))
    }

    #[test]
    fn options_parse() {
        let args = parse(&["--quick", "--concurrency", "1,8", "--only", "http,micro"])
            .expect("valid")
            .expect("not help");
        assert_eq!(args.window, Duration::from_millis(500));
        assert_eq!(args.rounds, 3);
        assert_eq!(args.concurrencies, [1, 8]);
        assert_eq!(args.routes, [Route::Http]);
        assert_eq!(args.startup_runs, 0);
        assert!(args.micro);
        let args = parse(&["--workers", "floor,iii-rs", "--only", "add,startup"])
            .expect("valid")
            .expect("not help");
        assert_eq!(args.workers, [Impl::Floor, Impl::IiiRs]);
        assert_eq!(args.routes, [Route::Add]);
        assert_eq!(args.startup_runs, 11);
    }

    #[test]
    fn bad_options_are_reported() {
        assert!(parse(&["--concurrency", "0"]).is_err());
        assert!(parse(&["--only", "rpc"]).is_err());
        assert!(parse(&["--workers", "python"]).is_err());
        assert!(parse(&["--rounds", "0"]).is_err());
        assert!(parse(&["--window"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        assert!(matches!(parse(&["--help"]), Ok(None)));
    }
}
