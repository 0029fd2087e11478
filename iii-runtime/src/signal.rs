//! Waiting for SIGINT (Ctrl-C) or SIGTERM.

/// Resolves on SIGINT (Ctrl-C) or SIGTERM (on non-Unix systems, on Ctrl-C): what a worker
/// waits for before [`Worker::disconnect`](crate::Worker::disconnect).
pub async fn shutdown_requested() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        match signal(SignalKind::terminate()) {
            Ok(mut term) => {
                tokio::select! {
                    _ = tokio::signal::ctrl_c() => {}
                    _ = term.recv() => {}
                }
            }
            Err(e) => {
                tracing::warn!(error = %e, "cannot listen for SIGTERM; Ctrl-C only");
                let _ = tokio::signal::ctrl_c().await;
            }
        }
    }
    #[cfg(not(unix))]
    {
        let _ = tokio::signal::ctrl_c().await;
    }
}
