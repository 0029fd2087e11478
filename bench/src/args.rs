//! Command-line options of `iii-bench`.

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
    /// Whether to run the decode micro-benchmarks.
    pub micro: bool,
    /// Time budget per micro-benchmark.
    pub micro_budget: Duration,
    /// The worker implementations to load, in report order (the first is the one the ratio
    /// columns divide).
    pub workers: Vec<Impl>,
}

/// The `--help` text.
pub const USAGE: &str = "\
iii-bench: iii-rs workers side by side with the official iii-sdk 0.25, in one run.

USAGE: cargo run --release [-- OPTIONS]

OPTIONS:
  --quick               smoke run: 0.2 s warm-up, 0.5 s window, short micro-benchmarks
  --warmup SECS         warm-up per case and worker (default 1)
  --window SECS         measurement window per case and worker (default 3)
  --concurrency LIST    calls in flight, comma-separated (default 1,64)
  --sizes LIST          payload sizes, any of small,large (default both)
  --only LIST           any of call,http,micro, comma-separated (default all)
  --workers LIST        any of iii-rs,iii-rs-log,iii-rs-otel,sdk,sdk-otel-off, comma-separated
                        (default all; ratios divide the first)
  -h, --help            this text
";

impl Default for Args {
    fn default() -> Self {
        Self {
            warmup: Duration::from_secs(1),
            window: Duration::from_secs(3),
            concurrencies: vec![1, 64],
            sizes: vec![Size::Small, Size::Large],
            routes: vec![Route::Call, Route::Http],
            micro: true,
            micro_budget: Duration::from_millis(600),
            workers: Impl::ALL.to_vec(),
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
                    out.micro_budget = Duration::from_millis(100);
                }
                "--warmup" => out.warmup = seconds(&value()?)?,
                "--window" => out.window = seconds(&value()?)?,
                "--concurrency" => {
                    out.concurrencies = value()?
                        .split(',')
                        .map(|n| match n.trim().parse::<usize>() {
                            Ok(n) if n > 0 => Ok(n),
                            _ => Err(format!("--concurrency: {n:?} is not a positive number")),
                        })
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
                    for item in list.split(',') {
                        match item.trim() {
                            "call" => out.routes.push(Route::Call),
                            "http" => out.routes.push(Route::Http),
                            "micro" => out.micro = true,
                            other => {
                                return Err(format!(
                                    "--only: {other:?} is not one of call, http, micro"
                                ));
                            }
                        }
                    }
                }
                "--workers" => {
                    out.workers = value()?
                        .split(',')
                        .map(|key| {
                            Impl::from_key(key.trim()).ok_or_else(|| {
                                format!("--workers: {key:?} is not a worker (see --help)")
                            })
                        })
                        .collect::<Result<_, _>>()?;
                    if out.workers.is_empty() {
                        return Err("--workers: name at least one".to_owned());
                    }
                }
                other => return Err(format!("unknown option {other:?} (see --help)")),
            }
        }
        Ok(Some(out))
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
        let args = parse(&[
            "--quick",
            "--concurrency",
            "1,8",
            "--only",
            "http,micro",
            "--workers",
            "iii-rs,iii-rs-otel",
        ])
        .expect("valid")
        .expect("not help");
        assert_eq!(args.workers, [Impl::IiiRs, Impl::IiiRsOtel]);
        assert_eq!(args.window, Duration::from_millis(500));
        assert_eq!(args.concurrencies, [1, 8]);
        assert_eq!(args.routes, [Route::Http]);
        assert!(args.micro);
    }

    #[test]
    fn bad_options_are_reported() {
        assert!(parse(&["--concurrency", "0"]).is_err());
        assert!(parse(&["--only", "rpc"]).is_err());
        assert!(parse(&["--window"]).is_err());
        assert!(parse(&["--workers", "iii-rs,nope"]).is_err());
        assert!(parse(&["--frobnicate"]).is_err());
        assert!(matches!(parse(&["--help"]), Ok(None)));
    }
}
