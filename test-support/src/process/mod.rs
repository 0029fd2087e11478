//! A program a test runs (an example, an SDK worker script): its standard output and error
//! captured line by line, waits on what it prints, a clean stop with SIGTERM, a SIGKILL, or
//! its own exit awaited.
//!
//! When a test panics while a [`Program`] is alive, its transcript is printed, so that a
//! failure shows what the program said.

mod error;

use std::cell::Cell;
use std::process::{ExitStatus, Stdio};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use tokio::io::{AsyncBufReadExt, AsyncRead, BufReader};
use tokio::process::{Child, Command};
use tokio::task::JoinHandle;
use tokio::time::Instant;

pub use self::error::ProgramError;
use crate::wait::POLL;

/// How long the output readers may take to drain once the program has exited.
const DRAIN: Duration = Duration::from_secs(5);

/// What a program printed, line by line.
#[derive(Debug, Default, Clone)]
pub struct Output {
    /// Standard output.
    pub stdout: Vec<String>,
    /// Standard error.
    pub stderr: Vec<String>,
}

impl Output {
    /// Everything printed, standard output then standard error, a line each.
    pub fn text(&self) -> String {
        let mut text = String::new();
        for line in self.stdout.iter().chain(&self.stderr) {
            text.push_str(line);
            text.push('\n');
        }
        text
    }
}

/// A program that has exited, with what it printed.
#[derive(Debug)]
pub struct Stopped {
    /// How it exited.
    pub status: ExitStatus,
    /// What it printed.
    pub output: Output,
}

/// A running program, killed when dropped.
#[derive(Debug)]
pub struct Program {
    label: String,
    child: Child,
    captured: Arc<Mutex<Output>>,
    readers: Vec<JoinHandle<()>>,
    /// Set once an error carried the transcript, so that `Drop` does not print it again.
    reported: Cell<bool>,
}

impl Program {
    /// Starts `command` (named `label` in messages) with its output captured, no standard
    /// input, and a kill when the [`Program`] is dropped.
    ///
    /// # Errors
    /// When it cannot be started.
    pub fn spawn(label: impl Into<String>, mut command: Command) -> Result<Self, ProgramError> {
        let label = label.into();
        command
            .stdin(Stdio::null())
            .stdout(Stdio::piped())
            .stderr(Stdio::piped())
            .kill_on_drop(true);
        let mut child = command.spawn().map_err(|source| ProgramError::Spawn {
            label: label.clone(),
            source,
        })?;
        let captured = Arc::new(Mutex::new(Output::default()));
        let mut readers = Vec::new();
        if let Some(stdout) = child.stdout.take() {
            readers.push(tokio::spawn(collect(stdout, Arc::clone(&captured), false)));
        }
        if let Some(stderr) = child.stderr.take() {
            readers.push(tokio::spawn(collect(stderr, Arc::clone(&captured), true)));
        }
        Ok(Self {
            label,
            child,
            captured,
            readers,
            reported: Cell::new(false),
        })
    }

    /// What it printed so far.
    pub fn output(&self) -> Output {
        lock(&self.captured).clone()
    }

    /// Waits until `found` finds something in the output, and returns it; `what` describes
    /// it for the error ("printed READY").
    ///
    /// # Errors
    /// When the program exits first, or `within` passes.
    pub async fn wait_for<T>(
        &mut self,
        what: &str,
        within: Duration,
        mut found: impl FnMut(&Output) -> Option<T>,
    ) -> Result<T, ProgramError> {
        let deadline = Instant::now() + within;
        loop {
            if let Some(hit) = found(&lock(&self.captured)) {
                return Ok(hit);
            }
            if let Ok(Some(status)) = self.child.try_wait() {
                self.drain().await;
                if let Some(hit) = found(&lock(&self.captured)) {
                    return Ok(hit);
                }
                return Err(ProgramError::Exited {
                    label: self.label.clone(),
                    what: what.to_owned(),
                    status,
                    transcript: self.transcript(),
                });
            }
            if Instant::now() >= deadline {
                return Err(ProgramError::TimedOut {
                    label: self.label.clone(),
                    what: what.to_owned(),
                    within,
                    transcript: self.transcript(),
                });
            }
            tokio::time::sleep(POLL).await;
        }
    }

    /// Waits until a line of standard output starts with `prefix`, and returns that line.
    ///
    /// # Errors
    /// As [`Program::wait_for`].
    pub async fn wait_for_line(
        &mut self,
        prefix: &str,
        within: Duration,
    ) -> Result<String, ProgramError> {
        let what = format!("printed a line starting with {prefix:?}");
        self.wait_for(&what, within, |out| {
            out.stdout.iter().find(|l| l.starts_with(prefix)).cloned()
        })
        .await
    }

    /// Waits until `needle` has appeared `times` times in its output (standard output and
    /// error together).
    ///
    /// # Errors
    /// As [`Program::wait_for`].
    pub async fn wait_for_count(
        &mut self,
        needle: &str,
        times: usize,
        within: Duration,
    ) -> Result<(), ProgramError> {
        let what = format!("printed {needle:?} {times} time(s)");
        self.wait_for(&what, within, |out| {
            let seen: usize = (out.stdout.iter().chain(&out.stderr))
                .map(|l| l.matches(needle).count())
                .sum();
            (seen >= times).then_some(())
        })
        .await
    }

    /// Its process id, while it runs.
    pub fn id(&self) -> Option<u32> {
        self.child.id()
    }

    /// Sends SIGTERM and waits, for at most `within`, for it to exit; returns how it exited
    /// (a non-zero status is not an error here) with everything it printed.
    ///
    /// # Errors
    /// When the signal cannot be sent or it does not exit in time.
    pub async fn terminate(self, within: Duration) -> Result<Stopped, ProgramError> {
        if let Some(pid) = self.child.id() {
            let stop_error = |source| ProgramError::Stop {
                label: self.label.clone(),
                source,
            };
            // std and tokio only send SIGKILL; `kill` is how to send SIGTERM without `unsafe`.
            let sent = std::process::Command::new("kill")
                .args(["-TERM", &pid.to_string()])
                .status()
                .map_err(stop_error)?;
            if !sent.success() {
                let e = std::io::Error::other(format!("kill -TERM {pid} failed ({sent})"));
                return Err(stop_error(e));
            }
        }
        self.exit_within("exited after SIGTERM", within).await
    }

    /// Waits, for at most `within`, for it to exit on its own; returns how it exited (a
    /// non-zero status is not an error here) with everything it printed.
    ///
    /// # Errors
    /// When it does not exit in time.
    pub async fn exited(self, within: Duration) -> Result<Stopped, ProgramError> {
        self.exit_within("exited", within).await
    }

    async fn exit_within(mut self, what: &str, within: Duration) -> Result<Stopped, ProgramError> {
        let status = match tokio::time::timeout(within, self.child.wait()).await {
            Ok(status) => status.map_err(|source| ProgramError::Stop {
                label: self.label.clone(),
                source,
            })?,
            Err(_) => {
                return Err(ProgramError::TimedOut {
                    label: self.label.clone(),
                    what: what.to_owned(),
                    within,
                    transcript: self.transcript(),
                });
            }
        };
        self.drain().await;
        let output = std::mem::take(&mut *lock(&self.captured));
        self.reported.set(true);
        Ok(Stopped { status, output })
    }

    /// Kills it (SIGKILL): no goodbye, its sockets just drop.
    ///
    /// # Errors
    /// When it cannot be killed.
    pub async fn kill(mut self) -> Result<(), ProgramError> {
        self.reported.set(true);
        self.child
            .kill()
            .await
            .map_err(|source| ProgramError::Stop {
                label: self.label.clone(),
                source,
            })
    }

    /// Everything it printed, for a failure message.
    pub fn transcript(&self) -> String {
        self.reported.set(true);
        let out = lock(&self.captured);
        format!(
            "--- {label} stdout\n{}\n--- {label} stderr\n{}",
            out.stdout.join("\n"),
            out.stderr.join("\n"),
            label = self.label
        )
    }

    /// Lets the readers take in what the program printed before it exited.
    async fn drain(&mut self) {
        for reader in std::mem::take(&mut self.readers) {
            let _ = tokio::time::timeout(DRAIN, reader).await;
        }
    }
}

impl Drop for Program {
    fn drop(&mut self) {
        if std::thread::panicking() && !self.reported.get() {
            eprintln!("{}", self.transcript());
        }
    }
}

/// The captured output, even if a reader panicked while holding it.
fn lock(captured: &Mutex<Output>) -> MutexGuard<'_, Output> {
    captured
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

async fn collect(stream: impl AsyncRead + Unpin, into: Arc<Mutex<Output>>, is_stderr: bool) {
    let mut lines = BufReader::new(stream).lines();
    while let Ok(Some(line)) = lines.next_line().await {
        let mut out = lock(&into);
        if is_stderr {
            out.stderr.push(line);
        } else {
            out.stdout.push(line);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sh(script: &str) -> Command {
        let mut command = Command::new("sh");
        command.args(["-c", script]);
        command
    }

    #[tokio::test]
    async fn waits_for_a_line_and_stops_on_sigterm() {
        let mut program = Program::spawn(
            "sh",
            sh(
                "echo starting >&2; echo READY 7; trap 'echo bye; exit 0' TERM; \
                while true; do sleep 0.05; done",
            ),
        )
        .expect("starts");
        let line = program
            .wait_for_line("READY", Duration::from_secs(10))
            .await
            .expect("prints READY");
        assert_eq!(line, "READY 7");
        program
            .wait_for_count("starting", 1, Duration::from_secs(10))
            .await
            .expect("says it is starting on stderr");
        let stopped = program
            .terminate(Duration::from_secs(10))
            .await
            .expect("stops");
        assert!(stopped.status.success(), "{stopped:?}");
        assert_eq!(stopped.output.stdout, ["READY 7", "bye"]);
        assert_eq!(stopped.output.stderr, ["starting"]);
    }

    #[tokio::test]
    async fn a_program_that_exits_on_its_own_is_awaited_with_all_it_printed() {
        let program = Program::spawn("sh", sh("echo out; echo err >&2; exit 4")).expect("starts");
        assert!(program.id().is_some());
        let stopped = program
            .exited(Duration::from_secs(10))
            .await
            .expect("exits");
        assert_eq!(stopped.status.code(), Some(4));
        assert_eq!(stopped.output.text(), "out\nerr\n");
    }

    #[tokio::test]
    async fn a_program_that_exits_first_is_reported_with_its_output() {
        let mut program = Program::spawn("sh", sh("echo oops; exit 3")).expect("starts");
        let err = program
            .wait_for_line("READY", Duration::from_secs(10))
            .await
            .expect_err("exits first");
        let message = err.to_string();
        assert!(matches!(err, ProgramError::Exited { .. }), "{message}");
        assert!(
            message.contains("exit status: 3") && message.contains("oops"),
            "{message}"
        );
    }
}
