//! Waiting for SIGINT (Ctrl-C) or SIGTERM.

use std::future::Future;

/// Starts listening for SIGINT (Ctrl-C) and SIGTERM at once, and returns a future that
/// resolves when either arrives — also if it arrived between this call and the first poll.
///
/// Call it early (before connecting): from then on the signals no longer kill the process,
/// so a worker can drain with [`Worker::disconnect`](crate::Worker::disconnect). On non-Unix
/// systems only Ctrl-C is watched.
///
/// Must be called within a tokio runtime.
pub fn shutdown_requested() -> impl Future<Output = ()> + Send + 'static {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        let interrupt = signal(SignalKind::interrupt());
        let terminate = signal(SignalKind::terminate());
        async move {
            match (interrupt, terminate) {
                (Ok(mut interrupt), Ok(mut terminate)) => {
                    tokio::select! {
                        _ = interrupt.recv() => {}
                        _ = terminate.recv() => {}
                    }
                }
                (interrupt, terminate) => {
                    let e = interrupt.err().or(terminate.err());
                    tracing::warn!(error = ?e, "cannot listen for signals; Ctrl-C only");
                    let _ = tokio::signal::ctrl_c().await;
                }
            }
        }
    }
    #[cfg(not(unix))]
    {
        async {
            let _ = tokio::signal::ctrl_c().await;
        }
    }
}
