//! Why a program did not do what a test waited for.

use std::fmt;
use std::process::ExitStatus;
use std::time::Duration;

/// A program that did not do what a test waited for. Its `Debug` is its `Display`, so that
/// `.expect(…)` shows the transcript readably.
#[derive(thiserror::Error)]
pub enum ProgramError {
    /// It could not be started.
    #[error("cannot start {label}: {source}")]
    Spawn {
        /// Which program.
        label: String,
        /// Why.
        source: std::io::Error,
    },
    /// It exited before doing what was awaited.
    #[error("{label} exited ({status}) before it {what}\n{transcript}")]
    Exited {
        /// Which program.
        label: String,
        /// What was awaited.
        what: String,
        /// How it exited.
        status: ExitStatus,
        /// Everything it printed.
        transcript: String,
    },
    /// It had not done it when the deadline passed.
    #[error("{label} has not {what} within {within:?}\n{transcript}")]
    TimedOut {
        /// Which program.
        label: String,
        /// What was awaited.
        what: String,
        /// How long it was given.
        within: Duration,
        /// Everything it printed.
        transcript: String,
    },
    /// Signalling or waiting for it failed.
    #[error("cannot stop {label}: {source}")]
    Stop {
        /// Which program.
        label: String,
        /// Why.
        source: std::io::Error,
    },
}

impl fmt::Debug for ProgramError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}
