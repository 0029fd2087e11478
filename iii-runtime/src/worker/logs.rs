//! [`Worker::forward_logs`]: sending the `tracing` events the engine log layer queues to the
//! engine's `engine::log::{level}`, as fire-and-forget calls on this worker's connection.

use tracing::Level;

use super::handle::Worker;
use crate::observe;
use crate::status::ConnectionStatus;

impl Worker {
    /// Forwards `tracing` events at or above `level` to the engine's log
    /// (`engine::log::{level}`, with the trace and span ids of the span each happened in and
    /// this worker's name as `service_name`), until the worker closes. Replaces the
    /// forwarding another worker of this process started.
    ///
    /// Events reach the engine only through an
    /// [`EngineLogLayer`](crate::observe::EngineLogLayer) in the subscriber:
    /// [`init_tracing`](crate::init_tracing) installs one. At most
    /// 1024 events wait to be sent; more are dropped and counted
    /// ([`dropped_logs`](crate::observe::dropped_logs)), so logging never waits for the
    /// connection. The runtime's own events below `INFO` are not forwarded (sending a log
    /// makes some), nor the events of the task that sends them.
    ///
    /// # Panics
    /// Outside a Tokio runtime.
    pub fn forward_logs(&self, level: Level) {
        let (mut records, generation) = observe::open(level, &self.config().name);
        // Weak between logs, so that forwarding does not keep the worker alive.
        let worker = self.downgrade();
        let forward = async move {
            while let Some(record) = records.recv().await {
                let Some(worker) = worker.upgrade() else {
                    break;
                };
                if worker.connection() == ConnectionStatus::Closed {
                    break;
                }
                // A log that cannot be sent is dropped: saying so would log again.
                let _ = worker
                    .invoke_async(record.function_id, record.payload)
                    .await;
            }
            observe::close(generation);
        };
        tokio::spawn(observe::FORWARDING.scope((), forward));
    }
}
