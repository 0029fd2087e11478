//! Running worker scripts written with the official SDKs (Python `iii-sdk` from PyPI, Node
//! `iii-sdk` from npm) against the development engine: finding the interpreters, starting a
//! script with `III_URL` pointing at the engine, reading what it prints, and stopping it.
//!
//! The interpreters come from `.ci/run` (a `.venv` and `tests/node/node_modules`). When one
//! is missing the interop tests fail in CI (`CI` set) and are skipped with a notice locally.

use std::path::{Path, PathBuf};
use std::time::Duration;

use iii::prelude::{Deserialize, JsonSchema, Serialize, schemars};
use iii_engine::{EngineConfig, EngineHandle};
use iii_test_support::process::Program;
use iii_test_support::wait;
use serde::de::DeserializeOwned;
use tokio::process::Command;
use tokio::sync::mpsc;

/// How long a script may take to start, connect and register, on a loaded machine.
pub(crate) const STARTUP: Duration = Duration::from_secs(60);

/// How long a script may take to stop after SIGTERM.
const STOP: Duration = Duration::from_secs(20);

/// The input of the scripts' `add` functions.
#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
pub(crate) struct AddInput {
    pub(crate) a: i64,
    pub(crate) b: i64,
}

/// What the scripts' `add` functions answer.
#[derive(Debug, Serialize, Deserialize, JsonSchema, PartialEq)]
#[serde(deny_unknown_fields)]
pub(crate) struct AddOutput {
    pub(crate) sum: i64,
}

/// The input of the Rust `rs.mul` function the scripts call.
#[derive(Debug, Deserialize, JsonSchema)]
#[serde(deny_unknown_fields)]
pub(crate) struct MulInput {
    pub(crate) a: i64,
    pub(crate) b: i64,
}

/// What `rs.mul` answers.
#[derive(Debug, Serialize, JsonSchema)]
pub(crate) struct MulOutput {
    pub(crate) product: i64,
}

/// The workspace root.
pub(crate) fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("tests/ is inside the workspace")
        .to_path_buf()
}

/// True when running in CI, where a missing interpreter is a failure rather than a skip.
/// `.ci/run` sets `III_INTEROP_REQUIRED=1`; CI services set `CI`.
fn in_ci() -> bool {
    ["CI", "III_INTEROP_REQUIRED"]
        .iter()
        .any(|name| std::env::var(name).is_ok_and(|v| !v.is_empty() && v != "false" && v != "0"))
}

/// Fails in CI, prints a notice and returns `None` locally.
fn missing(what: &str, fix: &str) -> Option<PathBuf> {
    assert!(!in_ci(), "{what} is missing; {fix}");
    eprintln!("SKIPPED: {what} is missing; {fix}");
    None
}

/// The Python of the virtual environment with `tests/python/requirements.txt` installed:
/// `III_TEST_PYTHON`, else `<workspace>/.venv/bin/python`.
///
/// # Panics
/// In CI when there is none, or when `III_TEST_PYTHON` names a missing file.
pub(crate) fn python() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("III_TEST_PYTHON") {
        let path = PathBuf::from(path);
        assert!(
            path.exists(),
            "III_TEST_PYTHON={} does not exist",
            path.display()
        );
        return Some(path);
    }
    let path = workspace().join(".venv/bin/python");
    if path.exists() {
        Some(path)
    } else {
        missing(
            &format!("the interop Python ({})", path.display()),
            "run `python3 -m venv .venv && .venv/bin/pip install -r tests/python/requirements.txt` \
             (as .ci/run does) or set III_TEST_PYTHON",
        )
    }
}

/// Node (`III_TEST_NODE`, else `node` on `PATH`), provided `tests/node/node_modules` holds the
/// SDK.
///
/// # Panics
/// In CI when the SDK is not installed.
pub(crate) fn node() -> Option<PathBuf> {
    let sdk = workspace().join("tests/node/node_modules/iii-sdk/package.json");
    if !sdk.exists() {
        return missing(
            &format!("the Node SDK ({})", sdk.display()),
            "run `npm ci --prefix tests/node` (as .ci/run does)",
        );
    }
    Some(std::env::var_os("III_TEST_NODE").map_or_else(|| PathBuf::from("node"), PathBuf::from))
}

/// What a stopped script left behind.
#[derive(Debug)]
pub(crate) struct Stopped {
    /// Its standard output, line by line.
    pub(crate) stdout: Vec<String>,
    /// Its standard error, line by line.
    pub(crate) stderr: Vec<String>,
}

impl Stopped {
    /// Asserts that the SDK logged no warning or error other than lines containing one of
    /// `expected`: an SDK that retries, reconnects or rejects a frame says so at WARNING.
    ///
    /// # Panics
    /// When it did.
    pub(crate) fn assert_quiet(&self, expected: &[&str]) {
        let unexpected: Vec<&String> = self
            .stderr
            .iter()
            .filter(|l| l.contains(" WARNING ") || l.contains(" ERROR ") || l.contains("[WARN"))
            .filter(|l| !expected.iter().any(|e| l.contains(e)))
            .collect();
        assert!(
            unexpected.is_empty(),
            "unexpected SDK warnings: {unexpected:#?}\n--- stdout\n{}\n--- stderr\n{}",
            self.stdout.join("\n"),
            self.stderr.join("\n")
        );
    }

    /// Asserts that nothing was written to standard error (the Node SDK reports problems
    /// with `console.warn`/`console.error`).
    ///
    /// # Panics
    /// When something was.
    pub(crate) fn assert_no_stderr(&self) {
        assert!(
            self.stderr.iter().all(|l| l.trim().is_empty()),
            "unexpected output on stderr:\n{}",
            self.stderr.join("\n")
        );
    }
}

/// A running worker script, killed when dropped; its output is printed when a test panics
/// while it is alive.
#[derive(Debug)]
pub(crate) struct Script(Program);

impl Script {
    /// Runs `program script` with `III_URL` set to `engine`'s WebSocket URL and `env` added.
    ///
    /// # Panics
    /// When the program cannot be started.
    pub(crate) fn spawn(
        program: &Path,
        script: &Path,
        engine: &EngineHandle,
        env: &[(&str, String)],
    ) -> Self {
        let label = script
            .file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned());
        // The Python SDK writes a marker per worker under `~/.iii/run`: keep it out of $HOME.
        let home = Path::new(env!("CARGO_TARGET_TMPDIR")).join("interop-home");
        std::fs::create_dir_all(&home).expect("scratch home");
        let mut command = Command::new(program);
        command
            .arg(script)
            .current_dir(script.parent().expect("script dir"))
            .env("III_URL", engine.ws_url())
            .env("HOME", &home)
            .env("PYTHONUNBUFFERED", "1")
            .env("PYTHONDONTWRITEBYTECODE", "1")
            .env_remove("III_NAMESPACE")
            .env_remove("III_WORKER_NAME")
            .env_remove("OTEL_ENABLED");
        for (name, value) in env {
            command.env(name, value);
        }
        Self(Program::spawn(label, command).expect("the script starts"))
    }

    /// Runs `program script` like [`Script::spawn`] and waits until it prints `READY` (it is
    /// connected and has registered), for at most [`STARTUP`].
    ///
    /// # Panics
    /// When the program cannot be started, or exits or stays silent instead.
    pub(crate) async fn start(
        program: &Path,
        script: &Path,
        engine: &EngineHandle,
        env: &[(&str, String)],
    ) -> Self {
        let mut started = Self::spawn(program, script, engine, env);
        started.wait_for_line("READY", STARTUP).await;
        started
    }

    /// Waits until the script prints a line starting with `prefix`, and returns it.
    ///
    /// # Panics
    /// When the script exits first or `within` passes.
    pub(crate) async fn wait_for_line(&mut self, prefix: &str, within: Duration) -> String {
        self.0
            .wait_for_line(prefix, within)
            .await
            .expect("the script prints the line")
    }

    /// Waits until `needle` has appeared `times` times in the script's output.
    ///
    /// # Panics
    /// When the script exits first or `within` passes.
    pub(crate) async fn wait_for_count(&mut self, needle: &str, times: usize, within: Duration) {
        self.0
            .wait_for_count(needle, times, within)
            .await
            .expect("the script prints it");
    }

    /// Standard output so far, line by line.
    pub(crate) fn lines(&self) -> Vec<String> {
        self.0.output().stdout
    }

    /// Sends SIGTERM, waits for the exit and asserts it was clean (exit status 0).
    ///
    /// # Panics
    /// When the script does not exit cleanly within 20 s.
    pub(crate) async fn stop(self) -> Stopped {
        let stopped = self.0.terminate(STOP).await.expect("the script stops");
        let output = stopped.output;
        assert!(
            stopped.status.success(),
            "the script exited with {}\n--- stdout\n{}\n--- stderr\n{}",
            stopped.status,
            output.stdout.join("\n"),
            output.stderr.join("\n")
        );
        Stopped {
            stdout: output.stdout,
            stderr: output.stderr,
        }
    }

    /// [`Script::stop`]s the script, then asserts with [`Stopped::assert_quiet`] that it
    /// logged no warning other than `expected` ones.
    ///
    /// # Panics
    /// When it does not exit cleanly, or logged something else.
    pub(crate) async fn stop_quiet(self, expected: &[&str]) -> Stopped {
        let stopped = self.stop().await;
        stopped.assert_quiet(expected);
        stopped
    }

    /// Kills the script (SIGKILL): no goodbye, the socket just drops.
    ///
    /// # Panics
    /// When it cannot be killed.
    pub(crate) async fn kill(self) {
        self.0.kill().await.expect("the script is killed");
    }
}

/// Calls `function_id` until it exists (a script registers its functions some time after it
/// starts), for at most [`STARTUP`]; any other answer is returned.
pub(crate) async fn invoke_when_registered<O: DeserializeOwned>(
    worker: &iii::Worker,
    function_id: &str,
    input: serde_json::Value,
) -> iii::Result<O> {
    let answered = wait::until_ok(STARTUP, || async {
        match worker.invoke::<O>(function_id, input.clone()).await {
            Err(e) if is_not_found(&e) => Err(e),
            other => Ok(other),
        }
    });
    answered.await.unwrap_or_else(|still| Err(still.last))
}

fn is_not_found(e: &iii::Error) -> bool {
    matches!(e, iii::Error::Remote { body, .. } if body.code == "function_not_found")
}

/// Waits until `function_id` is registered with at least `count` triggers, for at most
/// [`STARTUP`]: a subscription must exist before anything is published to it.
///
/// # Panics
/// When it does not happen in time.
pub(crate) async fn wait_for_triggers(
    worker: &iii::Worker,
    function_id: &str,
    count: usize,
) -> serde_json::Value {
    let registered = wait::until_ok(STARTUP, || async {
        let info = worker
            .invoke::<serde_json::Value>(
                "engine::functions::info",
                serde_json::json!({ "function_id": function_id }),
            )
            .await;
        match info {
            Ok(info)
                if info["registered_triggers"]
                    .as_array()
                    .is_some_and(|t| t.len() >= count) =>
            {
                Ok(info)
            }
            other => Err(other),
        }
    });
    registered
        .await
        .unwrap_or_else(|e| panic!("{function_id} has no {count} trigger(s): {e}"))
}

/// An engine on free ports and a Rust worker configured for it.
pub(crate) struct Rig {
    pub(crate) engine: EngineHandle,
    pub(crate) worker: iii::Worker,
}

impl Rig {
    /// Starts an engine on free ports with a worker for it; the worker is not connected yet,
    /// so that the test registers its functions first and then calls [`Rig::connect`].
    pub(crate) async fn start() -> Self {
        Self::start_with(|_| {}).await
    }

    /// [`Rig::start`] after `edit` adjusts the engine's config.
    pub(crate) async fn start_with(edit: impl FnOnce(&mut EngineConfig)) -> Self {
        let engine = iii_tests::engine_with(edit).await;
        let worker = iii::Worker::with_config(iii_tests::worker_config(&engine));
        Self { engine, worker }
    }

    /// Connects the worker.
    ///
    /// # Panics
    /// When it cannot connect.
    pub(crate) async fn connect(&self) {
        self.worker.connect().await.expect("connects");
    }

    /// Starts `program script` against the engine and waits until it is ready
    /// ([`Script::start`]).
    pub(crate) async fn run(
        &self,
        program: &Path,
        script: &Path,
        env: &[(&str, String)],
    ) -> Script {
        Script::start(program, script, &self.engine, env).await
    }

    /// Disconnects the worker and shuts the engine down.
    pub(crate) async fn shutdown(self) {
        self.worker.disconnect().await;
        self.engine.shutdown().await;
    }
}

/// The inputs a Rust function registered with [`record`] received, in order.
pub(crate) struct Received<T>(mpsc::UnboundedReceiver<T>);

/// Registers `function_id` on `worker` as a function that hands every input to the returned
/// [`Received`] and answers null.
///
/// # Panics
/// When the function cannot be registered.
pub(crate) fn record<T>(worker: &iii::Worker, function_id: &str) -> Received<T>
where
    T: DeserializeOwned + Send + 'static,
{
    let (inputs, received) = mpsc::unbounded_channel();
    worker
        .register_function(function_id, move |input: T| {
            let inputs = inputs.clone();
            async move {
                let _ = inputs.send(input);
                Ok(())
            }
        })
        .expect("registers");
    Received(received)
}

impl<T> Received<T> {
    /// The next input, within [`STARTUP`].
    ///
    /// # Panics
    /// With `expectation` when none arrives in time.
    pub(crate) async fn next(&mut self, expectation: &str) -> T {
        tokio::time::timeout(STARTUP, self.0.recv())
            .await
            .expect(expectation)
            .expect("channel open")
    }

    /// The next `count` inputs, each within [`STARTUP`].
    ///
    /// # Panics
    /// With `expectation` when one does not arrive in time.
    pub(crate) async fn take(&mut self, count: usize, expectation: &str) -> Vec<T> {
        let mut inputs = Vec::with_capacity(count);
        while inputs.len() < count {
            inputs.push(self.next(expectation).await);
        }
        inputs
    }
}
