//! `iii-bench`: runs the whole benchmark and prints Markdown tables (progress goes to
//! stderr). See the crate README for what each case measures.

use std::process::ExitCode;

use iii_bench::args::{Args, USAGE};
use iii_bench::{engine, report, run, startup, workers};

fn main() -> ExitCode {
    let args = match Args::parse(std::env::args().skip(1)) {
        Ok(Some(args)) => args,
        Ok(None) => {
            print!("{USAGE}");
            return ExitCode::SUCCESS;
        }
        Err(e) => {
            eprintln!("iii-bench: {e}");
            return ExitCode::from(2);
        }
    };
    // The engine runs in its own process and inherits `RUST_LOG`: `RUST_LOG=iii_engine=debug`
    // shows what it makes of the workers' frames. Off by default, so logging costs nothing.
    if std::env::var_os("RUST_LOG").is_some() {
        iii::init_tracing();
    }
    if cfg!(debug_assertions) {
        eprintln!("iii-bench: this is a debug build; numbers are meaningless (use --release)");
    }
    if let Err(e) = build_workers(&args) {
        eprintln!("iii-bench: {e}");
        return ExitCode::FAILURE;
    }
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("iii-bench: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    // On Ctrl-C the run is dropped, and with it every worker process (kill on drop).
    let outcome = runtime.block_on(async {
        tokio::select! {
            result = run::run(&args) => Some(result),
            _ = tokio::signal::ctrl_c() => None,
        }
    });
    match outcome.unwrap_or_else(|| Err("interrupted".to_owned())) {
        Ok(report) => {
            print!("{}", report::markdown(&report));
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("iii-bench: {e}");
            ExitCode::FAILURE
        }
    }
}

/// Makes sure the helper binaries (workers, engine, quickstart) are built, in the driver's own
/// profile: `cargo run` builds only the binary it runs, so under `cargo run` (which sets
/// `CARGO`) this asks the same cargo to build the others (a no-op when they are up to date).
fn build_workers(args: &Args) -> Result<(), String> {
    if args.routes.is_empty() && args.startup_runs == 0 {
        return Ok(());
    }
    let mut binaries: Vec<&str> = workers::Impl::ALL.iter().map(|w| w.binary()).collect();
    binaries.dedup();
    binaries.extend([engine::BINARY, startup::BINARY]);
    if let Ok(cargo) = std::env::var("CARGO") {
        let manifest = concat!(env!("CARGO_MANIFEST_DIR"), "/Cargo.toml");
        let mut command = std::process::Command::new(cargo);
        command.args(["build", "--quiet", "--manifest-path", manifest]);
        for binary in &binaries {
            command.args(["--bin", binary]);
        }
        if !cfg!(debug_assertions) {
            command.arg("--release");
        }
        let status = command
            .status()
            .map_err(|e| format!("cannot run cargo to build the workers: {e}"))?;
        if !status.success() {
            return Err(format!("building the helper binaries failed ({status})"));
        }
    }
    let dir = workers::binary_dir()?;
    for binary in binaries {
        let path = dir.join(binary);
        if !path.exists() {
            return Err(format!(
                "{} is missing; build it with `cargo build --release --bins` in bench/",
                path.display()
            ));
        }
    }
    Ok(())
}
