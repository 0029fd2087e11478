//! The quickstart without macros, as the Python SDK writes it: create a worker, register a
//! function, connect, expose it over HTTP, call it, and disconnect on Ctrl-C or SIGTERM.
//!
//! ```sh
//! cargo run --example plain_api
//! curl -s -X POST localhost:3111/add -H 'content-type: application/json' -d '{"a":2,"b":3}'
//! # {"sum":5}
//! ```

use iii::{Trigger, Worker, WorkerConfig};
use serde::{Deserialize, Serialize};

/// The input of `math.add`.
#[derive(Debug, Deserialize, Serialize)]
struct AddInput {
    a: i64,
    b: i64,
}

/// The output of `math.add`.
#[derive(Debug, Deserialize, Serialize)]
struct AddOutput {
    sum: i64,
}

#[tokio::main]
async fn main() -> iii::Result<()> {
    iii::init_tracing();
    // Listen for Ctrl-C and SIGTERM from the start, so that a signal during start-up drains.
    let shutdown = iii::shutdown_requested();
    // `III_URL` (or `III_BRIDGE_URL`), default ws://127.0.0.1:49134; with neither set and no
    // engine running, start the development engine in this process.
    let mut config = WorkerConfig::from_env();
    let engine = iii::start_dev_engine_if_needed(&mut config).await?;
    let worker = Worker::with_config(config);

    worker.register_function("math.add", |input: AddInput| async move {
        let sum = input
            .a
            .checked_add(input.b)
            .ok_or_else(|| iii::Error::bad_request("the sum overflows a 64-bit integer"))?;
        Ok(AddOutput { sum })
    })?;
    worker.connect().await?;
    worker.register_trigger(Trigger::http("math.add", "POST", "add"));

    let check: AddOutput = worker.invoke("math.add", AddInput { a: 5, b: 3 }).await?;
    tracing::info!(
        sum = check.sum,
        "math.add answers; serving POST /add until Ctrl-C"
    );

    shutdown.await;
    worker.disconnect().await;
    if let Some(engine) = engine {
        engine.shutdown().await;
    }
    Ok(())
}
