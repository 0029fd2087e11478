//! A child process the driver started (the engine, a worker, a quickstart copy): its pid,
//! whether it has exited, and stopping it.

use std::process::Stdio;
use std::time::Duration;

use tokio::process::{Child, Command};

/// A spawned process; killed if dropped without [`stop`](Process::stop).
#[derive(Debug)]
pub struct Process {
    child: Child,
    pid: u32,
}

impl Process {
    /// Spawns `command` with stdin closed and stderr inherited; stdout is piped when `piped`
    /// (take it with [`take_stdout`](Self::take_stdout)), else discarded.
    ///
    /// # Errors
    /// When the program cannot be started.
    pub fn spawn(mut command: Command, what: &str, piped: bool) -> Result<Self, String> {
        let stdout = if piped { Stdio::piped() } else { Stdio::null() };
        let child = command
            .stdin(Stdio::null())
            .stdout(stdout)
            .stderr(Stdio::inherit())
            .kill_on_drop(true)
            .spawn()
            .map_err(|e| format!("cannot start {what}: {e}"))?;
        let pid = child.id().ok_or_else(|| format!("{what} exited at once"))?;
        Ok(Self { child, pid })
    }

    /// The process id.
    pub fn pid(&self) -> u32 {
        self.pid
    }

    /// The piped stdout, once.
    pub fn take_stdout(&mut self) -> Option<tokio::process::ChildStdout> {
        self.child.stdout.take()
    }

    /// Whether the process has exited (it should not before [`stop`](Self::stop)).
    pub fn exited(&mut self) -> Option<String> {
        match self.child.try_wait() {
            Ok(Some(status)) => Some(status.to_string()),
            Ok(None) => None,
            Err(e) => Some(e.to_string()),
        }
    }

    /// Asks the process to shut down (SIGTERM), and kills it if it has not exited within 3 s.
    pub async fn stop(mut self) {
        // `kill(1)` rather than FFI: this crate forbids unsafe code.
        let asked = Command::new("kill")
            .args(["-TERM", &self.pid.to_string()])
            .status()
            .await
            .is_ok_and(|s| s.success());
        if asked
            && tokio::time::timeout(Duration::from_secs(3), self.child.wait())
                .await
                .is_ok()
        {
            return;
        }
        let _ = self.child.kill().await;
    }
}
