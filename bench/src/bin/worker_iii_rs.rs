//! `bench-worker-iii-rs`: the benchmark's echo worker written with iii-rs.
//!
//! Registers one function (id from `BENCH_FUNCTION_ID`) that returns its input, and a
//! `POST /<BENCH_HTTP_PATH>` trigger for it, on the engine at `III_URL`. The same function
//! serves both paths: the runtime hands it the request body when the HTTP trigger fires and
//! wraps its result into the HTTP response envelope. Runs until SIGTERM or Ctrl-C, or until
//! the driver that started it is gone.

use iii_bench::contract::{ENV_FUNCTION_ID, ENV_HTTP_PATH, ENV_URL, parent_gone, required_env};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = required_env(ENV_URL)?;
    let function_id = required_env(ENV_FUNCTION_ID)?;
    let http_path = required_env(ENV_HTTP_PATH)?;

    let worker = iii::Worker::with_config(iii::WorkerConfig {
        url,
        url_is_explicit: true,
        name: "bench-worker-iii-rs".to_owned(),
        ..Default::default()
    });
    worker.register_function(function_id.as_str(), |input: Value| async move {
        Ok::<_, iii::Error>(input)
    })?;
    worker.register_trigger(iii::Trigger::http(function_id.as_str(), "POST", &http_path));
    worker.connect().await?;

    tokio::select! {
        () = iii::shutdown_requested() => {}
        () = parent_gone() => {}
    }
    worker.disconnect().await;
    Ok(())
}
