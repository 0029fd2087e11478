//! `bench-worker-sdk`: the benchmark's echo worker written with the official `iii-sdk` 0.25.0.
//!
//! Registers the echo function (id from `BENCH_FUNCTION_ID`) and, because the SDK hands an
//! HTTP-triggered function the raw request envelope and expects the response envelope back
//! (protocol.md §6.2), a second function `<id>.http` that unwraps `body` and answers
//! `{status_code, headers, body}`, bound to `POST /<BENCH_HTTP_PATH>`; and the quickstart's
//! typed `math.add` as an SDK user writes it, typed structs for the request and response
//! envelopes (`<id>.add`, on `POST /<BENCH_ADD_PATH>`). The echo function drops
//! the `_caller_worker_id` the engine injects, as iii-rs does, so both workers answer the same
//! bytes. Everything else is the SDK as shipped (`InitOptions::default()`, OpenTelemetry on
//! unless `OTEL_ENABLED=false`). Runs until SIGTERM or Ctrl-C, or until the driver that started
//! it is gone.

use iii_bench::contract::{
    ENV_ADD_PATH, ENV_FUNCTION_ID, ENV_HTTP_PATH, ENV_URL, add_function_id, parent_gone,
    required_env,
};
use iii_bench::payload;
use iii_sdk::builtin_triggers::{HttpMethod, HttpTriggerConfig, IIITrigger};
use iii_sdk::{InitOptions, RegisterFunction};
use schemars08::JsonSchema;
use serde::{Deserialize, Serialize};
use serde_json::{Value, json};

/// The part of the HTTP request envelope the typed function reads (the SDK hands it the
/// whole envelope; serde skips the rest).
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "schemars08")]
struct AddRequest {
    body: AddInput,
}

/// The SDK's schemas need its own schemars (0.8): a copy of [`payload::AddInput`].
#[derive(Deserialize, JsonSchema)]
#[schemars(crate = "schemars08")]
struct AddInput {
    a: i64,
    b: i64,
}

/// The response envelope the engine reads.
#[derive(Serialize, JsonSchema)]
#[schemars(crate = "schemars08")]
struct AddResponse {
    status_code: u16,
    body: AddOutput,
}

#[derive(Serialize, JsonSchema)]
#[schemars(crate = "schemars08")]
struct AddOutput {
    sum: i64,
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = required_env(ENV_URL)?;
    let function_id = required_env(ENV_FUNCTION_ID)?;
    let http_path = required_env(ENV_HTTP_PATH)?;
    let add_path = required_env(ENV_ADD_PATH)?;
    let http_function_id = format!("{function_id}.http");
    let add_id = add_function_id(&function_id);

    // The SDK runs its connection and every handler on its own thread and runtime.
    let iii = iii_sdk::register_worker(&url, InitOptions::default());
    iii.register_function(
        function_id.as_str(),
        RegisterFunction::new_async(|mut input: Value| async move {
            if let Some(object) = input.as_object_mut() {
                object.remove("_caller_worker_id");
            }
            Ok::<_, iii_sdk::Error>(input)
        }),
    );
    iii.register_function(
        http_function_id.as_str(),
        RegisterFunction::new_async(|mut request: Value| async move {
            let body = request
                .get_mut("body")
                .map(Value::take)
                .unwrap_or(Value::Null);
            Ok::<_, iii_sdk::Error>(json!({ "status_code": 200, "headers": {}, "body": body }))
        }),
    );
    // Deprecated in 0.25 in favour of observers, which our engine (like the 0.23 engine) does
    // not speak; 0.25 still sends the classic `registertrigger` frame.
    #[allow(deprecated)]
    iii.register_trigger(
        IIITrigger::Http(HttpTriggerConfig::new(http_path).method(HttpMethod::Post))
            .for_function(http_function_id),
    )?;
    iii.register_function(
        add_id.as_str(),
        RegisterFunction::new_async(|request: AddRequest| async move {
            let AddInput { a, b } = request.body;
            let sum = payload::add(payload::AddInput { a, b })
                .ok_or_else(|| iii_sdk::Error::Handler("the sum overflows".to_owned()))?
                .sum;
            Ok::<_, iii_sdk::Error>(AddResponse {
                status_code: 200,
                body: AddOutput { sum },
            })
        }),
    );
    #[allow(deprecated)]
    iii.register_trigger(
        IIITrigger::Http(HttpTriggerConfig::new(add_path).method(HttpMethod::Post))
            .for_function(add_id),
    )?;

    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()?
        .block_on(terminated())?;
    iii.shutdown();
    Ok(())
}

async fn terminated() -> std::io::Result<()> {
    use tokio::signal::unix::{SignalKind, signal};
    let mut term = signal(SignalKind::terminate())?;
    tokio::select! {
        result = tokio::signal::ctrl_c() => result,
        _ = term.recv() => Ok(()),
        () = parent_gone() => Ok(()),
    }
}
