//! `bench-worker-iii-rs`: the benchmark's worker written with iii-rs.
//!
//! Registers, on the engine at `III_URL`, one function (id from `BENCH_FUNCTION_ID`) that
//! returns its input and a `POST /<BENCH_HTTP_PATH>` trigger for it, and the quickstart's
//! typed `math.add` (id `<BENCH_FUNCTION_ID>.add`) on `POST /<BENCH_ADD_PATH>`. The echo
//! function serves both paths: the runtime hands it the request body when the HTTP trigger
//! fires and wraps its result into the HTTP response envelope. Runs until SIGTERM or Ctrl-C,
//! or until the driver that started it is gone.
//!
//! `BENCH_OBSERVE` turns on one part of the runtime's observability: `log`, the request log
//! for every invocation (direct calls too, at `INFO`) with `tracing-subscriber`'s default
//! formatter, appended to the file `BENCH_REQUEST_LOG`; `otel`, traces through the `otel`
//! feature's layer with the default sampler and a batch exporter that drops the spans.
//! Unset, no subscriber is installed: everything is off.

use std::sync::Arc;

use iii::observe::otel::opentelemetry_sdk::error::OTelSdkResult;
use iii::observe::otel::opentelemetry_sdk::trace::{SdkTracerProvider, SpanData, SpanExporter};
use iii::observe::{Level, RequestLog};
use iii_bench::contract::{
    ENV_ADD_PATH, ENV_FUNCTION_ID, ENV_HTTP_PATH, ENV_INLINE_BUDGET_US, ENV_OBSERVE,
    ENV_REQUEST_LOG, ENV_URL, add_function_id, parent_gone, required_env,
};
use iii_bench::payload::{self, AddInput};
use serde_json::Value;
use tracing_subscriber::layer::SubscriberExt;
use tracing_subscriber::util::SubscriberInitExt;

/// An exporter that drops every span: what is measured is the cost of making them.
#[derive(Debug)]
struct Discard;

impl SpanExporter for Discard {
    async fn export(&self, _batch: Vec<SpanData>) -> OTelSdkResult {
        Ok(())
    }
}

/// Installs what `BENCH_OBSERVE` asks for; returns the request log's settings and the tracer
/// provider to flush at the end.
fn observe() -> Result<(RequestLog, Option<SdkTracerProvider>), Box<dyn std::error::Error>> {
    let info = tracing_subscriber::filter::LevelFilter::INFO;
    match std::env::var(ENV_OBSERVE).unwrap_or_default().as_str() {
        "log" => {
            let file = std::fs::OpenOptions::new()
                .create(true)
                .append(true)
                .open(required_env(ENV_REQUEST_LOG)?)?;
            tracing_subscriber::registry()
                .with(info)
                .with(
                    tracing_subscriber::fmt::layer()
                        .with_ansi(false)
                        .with_writer(Arc::new(file)),
                )
                .try_init()?;
            Ok((RequestLog::new().calls(Level::INFO), None))
        }
        "otel" => {
            let provider = iii::observe::otel::provider(Discard);
            tracing_subscriber::registry()
                .with(info)
                .with(iii::observe::otel::layer(&provider))
                .try_init()?;
            Ok((RequestLog::off(), Some(provider)))
        }
        "" => Ok((RequestLog::off(), None)),
        other => Err(format!("{ENV_OBSERVE}={other}: expected log or otel").into()),
    }
}

#[tokio::main]
async fn main() -> Result<(), Box<dyn std::error::Error>> {
    let url = required_env(ENV_URL)?;
    let function_id = required_env(ENV_FUNCTION_ID)?;
    let http_path = required_env(ENV_HTTP_PATH)?;
    let add_path = required_env(ENV_ADD_PATH)?;
    let add_id = add_function_id(&function_id);
    let (request_log, provider) = observe()?;
    let inline_budget = match std::env::var(ENV_INLINE_BUDGET_US) {
        Ok(us) => std::time::Duration::from_micros(
            us.parse()
                .map_err(|e| format!("{ENV_INLINE_BUDGET_US}={us}: {e}"))?,
        ),
        Err(_) => iii::WorkerConfig::default().inline_budget,
    };

    let worker = iii::Worker::with_config(iii::WorkerConfig {
        url,
        url_is_explicit: true,
        name: "bench-worker-iii-rs".to_owned(),
        request_log,
        inline_budget,
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
    if let Some(provider) = provider {
        provider.shutdown()?;
    }
    Ok(())
}
