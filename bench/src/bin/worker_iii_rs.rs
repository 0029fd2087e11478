//! `bench-worker-iii-rs`: the benchmark's worker written with iii-rs.
//!
//! Registers, on the engine at `III_URL`, one function (id from `BENCH_FUNCTION_ID`) that
//! returns its input and a `POST /<BENCH_HTTP_PATH>` trigger for it, and the quickstart's
//! typed `math.add` (id `<BENCH_FUNCTION_ID>.add`) on `POST /<BENCH_ADD_PATH>`. The echo
//! function serves both paths: the runtime hands it the request body when the HTTP trigger
//! fires and wraps its result into the HTTP response envelope. Runs until SIGTERM or Ctrl-C,
//! or until the driver that started it is gone.

use iii_bench::contract::{
    ENV_ADD_PATH, ENV_FUNCTION_ID, ENV_HTTP_PATH, ENV_URL, add_function_id, parent_gone,
    required_env,
};
use iii_bench::payload::{self, AddInput};
use serde_json::Value;

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = required_env(ENV_URL)?;
    let function_id = required_env(ENV_FUNCTION_ID)?;
    let http_path = required_env(ENV_HTTP_PATH)?;
    let add_path = required_env(ENV_ADD_PATH)?;
    let add_id = add_function_id(&function_id);

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
    // The quickstart's handler, through the plain API (the macros register the same thing).
    worker.register_function(add_id.as_str(), |input: AddInput| async move {
        payload::add(input).ok_or_else(|| iii::Error::bad_request("the sum overflows"))
    })?;
    worker.register_trigger(iii::Trigger::http(add_id.as_str(), "POST", &add_path));
    worker.connect().await?;

    tokio::select! {
        () = iii::shutdown_requested() => {}
        () = parent_gone() => {}
    }
    worker.disconnect().await;
    Ok(())
}
