//! The `iii-engine` binary: `--help`, logs naming what each worker registered, and a clean
//! exit on SIGTERM and SIGINT.

#![cfg(unix)]

use std::io::{BufRead, BufReader};
use std::process::{Child, Command, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use serde_json::json;

use crate::common::Worker;

const BIN: &str = env!("CARGO_BIN_EXE_iii-engine");

/// A running binary whose log lines arrive on a channel.
pub(crate) struct Running {
    child: Child,
    lines: mpsc::Receiver<String>,
    seen: Vec<String>,
}

impl Running {
    fn start() -> Self {
        Self::start_with(&[])
    }

    /// Starts the binary on free ports with more arguments.
    pub(crate) fn start_with(extra: &[&str]) -> Self {
        let mut child = Command::new(BIN)
            .args(["--ws-port", "0", "--http-port", "0"])
            .args(extra)
            .env("RUST_LOG", "info")
            .env("NO_COLOR", "1")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("the binary starts");
        let stdout = child.stdout.take().expect("piped stdout");
        let (tx, lines) = mpsc::channel();
        std::thread::spawn(move || {
            for line in BufReader::new(stdout).lines().map_while(Result::ok) {
                if tx.send(strip_ansi(&line)).is_err() {
                    return;
                }
            }
        });
        Self {
            child,
            lines,
            seen: Vec::new(),
        }
    }

    /// Waits (up to 10 s) for a log line containing `needle` and returns it.
    pub(crate) fn wait_for(&mut self, needle: &str) -> String {
        if let Some(line) = self.seen.iter().find(|l| l.contains(needle)) {
            return line.clone();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let line = self
                .lines
                .recv_timeout(left)
                .unwrap_or_else(|_| panic!("no log line with {needle:?}; saw {:#?}", self.seen));
            self.seen.push(line.clone());
            if line.contains(needle) {
                return line;
            }
        }
    }

    // Used by the persistence tests, which need both features.
    #[cfg_attr(
        not(all(feature = "sqlite", feature = "config-file")),
        allow(dead_code)
    )]
    /// The worker URL the engine logged (`ws://127.0.0.1:<port>`).
    pub(crate) fn ws_url(&mut self) -> String {
        let line = self.wait_for("workers on ws://");
        let start = line.find("ws://").expect("a ws URL");
        let url = &line[start..];
        url[..url.find(',').unwrap_or(url.len())].to_owned()
    }

    #[cfg_attr(not(feature = "config-file"), allow(dead_code))]
    /// The HTTP address the engine logged.
    pub(crate) fn http_addr(&mut self) -> std::net::SocketAddr {
        let line = self.wait_for("HTTP triggers on http://");
        let start = line.find("http://").expect("an HTTP URL") + "http://".len();
        let addr = line[start..].split_whitespace().next().expect("an address");
        addr.parse().expect("a socket address")
    }

    #[cfg_attr(
        not(all(feature = "sqlite", feature = "config-file")),
        allow(dead_code)
    )]
    /// SIGKILL: the engine gets no chance to clean up.
    pub(crate) fn kill9(mut self) {
        self.child.kill().expect("kill -9");
        self.child.wait().expect("reaped");
    }

    fn signal(&self, name: &str) {
        let status = Command::new("kill")
            .args([&format!("-{name}"), &self.child.id().to_string()])
            .status()
            .expect("kill runs");
        assert!(status.success());
    }

    /// Waits (up to 10 s) for the process to exit and returns whether it succeeded.
    pub(crate) fn exit(&mut self) -> bool {
        let deadline = Instant::now() + Duration::from_secs(10);
        loop {
            if let Some(status) = self.child.try_wait().expect("try_wait") {
                return status.success();
            }
            assert!(Instant::now() < deadline, "the engine did not exit");
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

impl Drop for Running {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn strip_ansi(line: &str) -> String {
    let mut out = String::with_capacity(line.len());
    let mut chars = line.chars();
    while let Some(c) = chars.next() {
        if c == '\u{1b}' {
            for c in chars.by_ref() {
                if c.is_ascii_alphabetic() {
                    break;
                }
            }
        } else {
            out.push(c);
        }
    }
    out
}

#[test]
fn help_lists_the_flags() {
    let out = Command::new(BIN).arg("--help").output().expect("runs");
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    for flag in [
        "--host",
        "--ws-port",
        "--http-port",
        "--concurrency-request-limit",
        "--config",
        "--data-dir",
        "--max-functions-per-worker",
        "--max-triggers-per-worker",
        "--max-connections",
        "--http-body-timeout-ms",
        "--cors",
        "--cors-origin",
        "--allow-any-host",
        "--ws-allow-origin",
        "--http-functions-allow",
        "--http-functions-allow-private-ips",
        "--http-functions-allow-http",
    ] {
        assert!(text.contains(flag), "{flag} missing from:\n{text}");
    }
}

#[tokio::test]
async fn logs_what_a_worker_registered_and_stops_cleanly_on_sigterm() {
    let mut engine = Running::start();
    let line = engine.wait_for("workers on ws://");
    let url = line
        .split_whitespace()
        .find(|w| w.starts_with("ws://"))
        .expect("a ws url")
        .trim_end_matches(',')
        .to_owned();
    let mut w = Worker::connect_url(&url).await;
    // Announced first, as Python 0.25 and Node do: the summary waits for the registrations.
    w.send(
        json!({"type": "invokefunction", "function_id": "engine::workers::register",
                  "action": {"type": "void"},
                  "data": {"name": "demo", "runtime": "python", "version": "0.25.0"}}),
    )
    .await;
    w.register_function("demo.add").await;
    w.register_trigger(
        "http",
        "demo.add",
        json!({"api_path": "add", "http_method": "post"}),
    )
    .await;
    w.sync().await;
    let line = engine.wait_for("is \"demo\"");
    assert!(line.contains("(python 0.25.0)"), "{line}");
    assert!(line.contains("functions [demo.add]"), "{line}");
    assert!(
        line.contains("triggers [http POST /add -> demo.add]"),
        "{line}"
    );
    engine.signal("TERM");
    assert!(w.closed().await, "workers get a Close frame");
    assert!(engine.exit(), "exit status is success");
    engine.wait_for("iii-engine stopped");
}

#[test]
fn stops_cleanly_on_sigint() {
    let mut engine = Running::start();
    engine.wait_for("workers on ws://");
    engine.signal("INT");
    assert!(engine.exit());
    engine.wait_for("iii-engine stopped");
}
