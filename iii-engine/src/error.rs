//! Errors of starting the engine.

use std::net::SocketAddr;

/// Why [`Engine::start`](crate::Engine::start) failed.
#[derive(Debug, thiserror::Error)]
pub enum EngineError {
    /// A listener could not be bound (typically `AddrInUse`).
    #[error("cannot bind {addr}: {source}")]
    Bind {
        /// The address that was asked for.
        addr: SocketAddr,
        /// The operating system's error.
        #[source]
        source: std::io::Error,
    },
    /// The bound listener could not report its local address.
    #[error("cannot read the local address of a listener: {0}")]
    LocalAddr(#[source] std::io::Error),
    /// A store's data could not be opened or loaded (see
    /// [`EngineConfig::persistence`](crate::EngineConfig::persistence)).
    #[error("cannot open the {store} store: {message}")]
    Store {
        /// Which store: `state`, `streams`, `queues` or `cron`.
        store: &'static str,
        /// What went wrong, with the path.
        message: String,
    },
}
