//! What the driver and the worker binaries agree on: environment variable names, and how a
//! worker notices that the driver is gone.

/// Environment variable with the engine's WebSocket URL (the SDKs' own name).
pub const ENV_URL: &str = "III_URL";
/// Environment variable with the id of the echo function the worker registers.
pub const ENV_FUNCTION_ID: &str = "BENCH_FUNCTION_ID";
/// Environment variable with the HTTP path (no leading slash) of the worker's `POST` route.
pub const ENV_HTTP_PATH: &str = "BENCH_HTTP_PATH";
/// Environment variable with the HTTP path (no leading slash) of the worker's typed `POST`
/// route, served by a function whose id is the echo function's with `.add` appended.
pub const ENV_ADD_PATH: &str = "BENCH_ADD_PATH";
/// Environment variable telling the iii-rs worker what of its observability to turn on:
/// `log` (the request log) or `otel` (traces); unset, nothing.
pub const ENV_OBSERVE: &str = "BENCH_OBSERVE";
/// Environment variable with the file the iii-rs worker writes its request log to.
pub const ENV_REQUEST_LOG: &str = "BENCH_REQUEST_LOG";
/// The iii-rs worker's `WorkerConfig::inline_budget`, in microseconds (unset: the default).
/// `iii-bench-instructions` raises it: under valgrind every handler is some fifty times
/// slower, so with the default budget each invocation would get a task of its own, which at
/// full speed none does.
pub const ENV_INLINE_BUDGET_US: &str = "BENCH_INLINE_BUDGET_US";

/// The id of the typed add function of a worker whose echo function is `echo_id`.
pub fn add_function_id(echo_id: &str) -> String {
    format!("{echo_id}.add")
}

/// Reads a required environment variable, naming it in the error.
///
/// # Errors
/// When the variable is unset or not UTF-8.
pub fn required_env(key: &str) -> Result<String, String> {
    std::env::var(key).map_err(|e| format!("{key}: {e}"))
}

/// Resolves when this process's parent has gone (it was re-parented), checking twice a second.
///
/// The driver stops its workers itself, and kills them if it is dropped; this covers the driver
/// being killed outright (SIGKILL, a crash), which would otherwise leave workers reconnecting
/// forever to an engine that no longer exists.
pub async fn parent_gone() {
    let parent = std::os::unix::process::parent_id();
    loop {
        tokio::time::sleep(std::time::Duration::from_millis(500)).await;
        if std::os::unix::process::parent_id() != parent {
            return;
        }
    }
}
