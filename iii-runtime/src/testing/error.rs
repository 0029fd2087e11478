//! [`KitError`]: why the test kit could not do what a test asked.

use std::time::Duration;

use iii_protocol::ErrorBody;

/// Why the test kit could not do what a test asked.
///
/// The calls of a [`TestApp`](super::TestApp) answer with the worker's own
/// [`Error`](crate::Error) (its code is what the handler chose); this type is for the kit's
/// own steps: starting, sending an HTTP request, firing triggers and waiting for them.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KitError {
    /// The test engine did not start.
    #[error("the test engine does not start: {0}")]
    Engine(String),
    /// The app's worker did not get ready (a missing `State<T>`, a duplicate route, a refusal,
    /// no engine at `III_TEST_URL`).
    #[error("the app under test does not start: {0}")]
    Start(#[source] crate::Error),
    /// The engine the tests run against (`III_TEST_URL`) cannot do this; only the in-process
    /// test engine can.
    #[error("{what} needs the in-process test engine; the tests run against {url} (III_TEST_URL)")]
    OnlyTestEngine {
        /// What was asked.
        what: &'static str,
        /// The external engine.
        url: String,
    },
    /// The kit's own call to the engine failed.
    #[error(transparent)]
    Call(#[from] crate::Error),
    /// An HTTP request got no response.
    #[error(transparent)]
    Http(#[from] iii_test_support::http::Error),
    /// A handler that a fired trigger ran failed.
    #[error("{function_id} failed: {} ({})", error.message, error.code)]
    Handler {
        /// The function.
        function_id: String,
        /// Its error, as it went on the wire.
        error: ErrorBody,
    },
    /// What the test waited for did not happen in time.
    #[error("{what} did not happen within {within:?}")]
    Timeout {
        /// What was awaited.
        what: String,
        /// How long the kit waited.
        within: Duration,
    },
    /// Nothing of the app under test would handle this (no function with such a trigger).
    #[error("no function of the app under test handles {0}")]
    NoHandler(String),
}
