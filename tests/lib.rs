//! What the integration tests in `tests/tests/` share beyond `iii-test-support`: workers
//! configured for a test engine, HTTP requests as the tests write them, the examples run as
//! programs, and the README's code blocks compiled as doctests.

use std::net::SocketAddr;
use std::time::Duration;

use iii_engine::{EngineConfig, EngineHandle};
use iii_test_support::http::{self, Client, Response};
use iii_test_support::process::Program;
use iii_test_support::wait;

pub use iii_test_support::engine::start as engine;

/// Starts the development engine on free loopback ports after `edit` adjusts the config.
///
/// # Panics
/// When the engine cannot start (a test failure).
pub async fn engine_with(edit: impl FnOnce(&mut EngineConfig)) -> EngineHandle {
    let mut config = iii_test_support::engine::config();
    edit(&mut config);
    iii_test_support::engine::start_with(config).await
}

/// A worker configured for `engine`, with quick timings for tests.
pub fn worker_config(engine: &EngineHandle) -> iii::WorkerConfig {
    worker_config_url(&engine.ws_url())
}

/// A worker configured for the engine at `url`, with quick timings for tests.
pub fn worker_config_url(url: &str) -> iii::WorkerConfig {
    iii::WorkerConfig {
        url: url.to_owned(),
        url_is_explicit: true,
        connect_timeout: Duration::from_secs(5),
        ..iii::WorkerConfig::default()
    }
}

/// Sends `method path` to `addr`, with `json_body` as a JSON body when given.
///
/// # Errors
/// When there is no connection or the exchange fails.
pub async fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    json_body: Option<&str>,
) -> Result<Response, http::Error> {
    let client = Client::new(addr);
    match json_body {
        Some(body) => {
            let json = [("content-type", "application/json")];
            client.request(method, path, &json, body.to_owned()).await
        }
        None => client.request(method, path, &[], "").await,
    }
}

/// Repeats `request` until it answers something other than 404 (a route not registered yet),
/// for at most `within`, and returns that answer.
///
/// # Panics
/// When it does not within `within` (the message shows the last answer).
pub async fn eventually<F, Fut>(within: Duration, mut request: F) -> Response
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Response, http::Error>>,
{
    let served = wait::until_ok(within, || {
        let sent = request();
        async move {
            match sent.await {
                Ok(r) if r.status != 404 => Ok(r),
                last => Err(last),
            }
        }
    });
    served.await.unwrap_or_else(|e| panic!("no route: {e}"))
}

/// Repeats `request` until it answers 404 (a route removed), for at most `within`.
///
/// # Panics
/// When the route is still served after `within`.
pub async fn until_gone<F, Fut>(within: Duration, mut request: F)
where
    F: FnMut() -> Fut,
    Fut: Future<Output = Result<Response, http::Error>>,
{
    let gone = wait::until_ok(within, || {
        let sent = request();
        async move {
            match sent.await {
                Ok(r) if r.status == 404 => Ok(()),
                last => Err(last),
            }
        }
    });
    gone.await
        .unwrap_or_else(|e| panic!("the route is still served: {e}"));
}

/// Starts `cargo`'s build of example `name` with `III_URL` pointing at `engine`, building it
/// first (a run of this package's tests alone would not rebuild another package's examples,
/// and a stale binary would test old code).
///
/// # Panics
/// When the example cannot be built or started.
pub fn example(name: &str, engine: &EngineHandle) -> Program {
    example_with(name, engine, &[])
}

/// [`example`] with more environment variables (`III_STANDBY=1`, ...).
///
/// # Panics
/// When the example cannot be built or started.
pub fn example_with(name: &str, engine: &EngineHandle, env: &[(&str, &str)]) -> Program {
    let mut command = example_command(name);
    command
        .env("III_URL", engine.ws_url())
        .envs(env.iter().copied());
    let mut label = format!("example {name}");
    for (key, value) in env {
        label.push_str(&format!(" {key}={value}"));
    }
    Program::spawn(label, command).expect("the example starts")
}

/// The command that runs example `name`, built first: logging at `info` without colours, and
/// without the `III_URL` or `III_BRIDGE_URL` of the test's own environment.
///
/// # Panics
/// When the example cannot be built.
pub fn example_command(name: &str) -> tokio::process::Command {
    let mut command = tokio::process::Command::new(example_path(name));
    command
        .env_remove("III_URL")
        .env_remove("III_BRIDGE_URL")
        .env("RUST_LOG", "info")
        .env("NO_COLOR", "1");
    command
}

fn example_path(name: &str) -> std::path::PathBuf {
    let exe = std::env::current_exe().expect("test executable path");
    // target/<profile>/deps/<test> -> target/<profile>/examples/<name>
    let profile_dir = exe
        .parent()
        .and_then(std::path::Path::parent)
        .expect("target dir");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".to_owned());
    let mut build = std::process::Command::new(cargo);
    build.args(["build", "--quiet", "-p", "iii-examples", "--example", name]);
    // A release run of the tests (`--release`) runs release builds of the examples.
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    let status = build.status().expect("cargo runs");
    assert!(status.success(), "building example {name} failed");
    profile_dir.join("examples").join(name)
}

/// README code blocks are compiled as doctests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeDoctests;
