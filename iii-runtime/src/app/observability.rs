//! The [`App`] settings of the worker's observability: the request log, the logs forwarded
//! to the engine and the Prometheus endpoint, and applying them around the start.

use tracing::Level;

use super::App;
use crate::error::Result;
use crate::observe::RequestLog;
use crate::worker::Worker;

/// What an [`App`] was asked to do beyond the defaults.
#[derive(Debug, Default)]
pub(super) struct Settings {
    engine_logs: Option<Level>,
    #[cfg(feature = "prometheus")]
    prometheus: Option<std::net::SocketAddr>,
}

impl Settings {
    /// Before the worker starts: the metrics recorder, so that it sees the first invocation.
    pub(super) fn before_start(&self) -> Result<()> {
        #[cfg(feature = "prometheus")]
        if let Some(addr) = self.prometheus {
            crate::observe::prometheus::serve(addr)?;
        }
        Ok(())
    }

    /// Once the worker is started.
    pub(super) fn after_start(&self, worker: &Worker) {
        if let Some(level) = self.engine_logs {
            worker.forward_logs(level);
        }
    }
}

impl App {
    /// Which invocations get a line in the request log (target `iii::request`), at which
    /// level: see [`RequestLog`]. The default logs triggered invocations at `INFO`, direct
    /// calls at `DEBUG` and failures at `WARN`; [`RequestLog::off`] logs none.
    #[must_use]
    pub fn request_log(mut self, log: RequestLog) -> Self {
        self.config.request_log = log;
        self
    }

    /// Forwards `tracing` events at or above `level` to the engine's log, so that the
    /// worker's logs show up beside the engine's: see
    /// [`Worker::forward_logs`](crate::Worker::forward_logs). Off by default.
    #[must_use]
    pub fn engine_logs(mut self, level: Level) -> Self {
        self.observability.engine_logs = Some(level);
        self
    }

    /// Serves the worker's [metrics](crate::observe::metrics) for Prometheus to scrape on
    /// `addr` (`http://{addr}/metrics`), installing `metrics-exporter-prometheus` as the
    /// process's metrics recorder when the app starts serving (feature `prometheus`).
    ///
    /// [`serve`](App::serve) fails if the address cannot be bound or another recorder is
    /// installed already.
    #[cfg(feature = "prometheus")]
    #[must_use]
    pub fn prometheus(mut self, addr: std::net::SocketAddr) -> Self {
        self.observability.prometheus = Some(addr);
        self
    }
}
