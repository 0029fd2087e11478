//! `bench-kit`: the test kit's overhead per test. One test's worth of the kit, repeated: start
//! the in-process engine and the app's worker, wait until it is ready, make one typed call
//! through the engine, drop everything. Prints the median, the 90th percentile and the mean
//! over the runs as Markdown.
//!
//! ```sh
//! cargo run --release --bin bench-kit            # 200 runs
//! cargo run --release --bin bench-kit -- 1000    # or as many as given
//! ```

use std::process::ExitCode;
use std::time::{Duration, Instant};

use iii::prelude::*;
use iii::testing::TestApp;

/// The one function of the app under test.
#[iii::function("bench.greet")]
#[iii::http(path = "greet", method = "POST")]
async fn greet(name: String) -> iii::Result<String> {
    Ok(format!("Hello, {name}!"))
}

/// One test's worth of the kit, timed.
async fn one() -> Result<Duration, String> {
    let started = Instant::now();
    let t = TestApp::options(App::new().name("bench-kit"))
        .try_start()
        .await
        .map_err(|e| e.to_string())?;
    let greeting = t
        .call::<greet>("Ada".to_owned())
        .await
        .map_err(|e| e.to_string())?;
    if greeting != "Hello, Ada!" {
        return Err(format!("the greeting came back as {greeting:?}"));
    }
    drop(t);
    Ok(started.elapsed())
}

fn main() -> ExitCode {
    let runs: usize = match std::env::args().nth(1).map(|n| n.parse()) {
        None => 200,
        Some(Ok(n)) if n > 0 => n,
        Some(_) => {
            eprintln!("bench-kit: the argument is the number of runs");
            return ExitCode::from(2);
        }
    };
    if cfg!(debug_assertions) {
        eprintln!("bench-kit: this is a debug build; numbers are meaningless (use --release)");
    }
    // As `#[tokio::test(flavor = "multi_thread")]` would run a test, minus its runtime's start.
    let runtime = match tokio::runtime::Runtime::new() {
        Ok(rt) => rt,
        Err(e) => {
            eprintln!("bench-kit: tokio runtime: {e}");
            return ExitCode::FAILURE;
        }
    };
    let timed = runtime.block_on(async {
        // A first run warms the allocator and the lazy statics; it is not counted.
        one().await?;
        let mut times = Vec::with_capacity(runs);
        for _ in 0..runs {
            times.push(one().await?);
        }
        Ok::<_, String>(times)
    });
    let mut times = match timed {
        Ok(times) => times,
        Err(e) => {
            eprintln!("bench-kit: {e}");
            return ExitCode::FAILURE;
        }
    };
    times.sort();
    let ms = |d: Duration| d.as_secs_f64() * 1e3;
    let mean = times.iter().sum::<Duration>() / u32::try_from(times.len()).unwrap_or(u32::MAX);
    println!("| test kit, per test ({runs} runs) | median | p90 | mean |");
    println!("|---|---:|---:|---:|");
    println!(
        "| start engine + worker, ready, one call, drop | {:.2} ms | {:.2} ms | {:.2} ms |",
        ms(times[times.len() / 2]),
        ms(times[times.len() * 9 / 10]),
        ms(mean)
    );
    ExitCode::SUCCESS
}
