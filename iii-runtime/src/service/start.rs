//! Starting a worker: spawning the service task behind a [`Worker`] handle, connecting, and
//! waiting until the worker is ready. It lives here, above the service it spawns, so that the
//! handle itself never refers to the service.

use crate::error::{Error, Result};
use crate::status::{ConnectionStatus, Status};
use crate::worker::Worker;

use super::task::Service;

impl Worker {
    /// Starts the connection task on the current tokio runtime (once) without waiting.
    ///
    /// The task connects, registers everything, and reconnects with backoff whenever the
    /// connection drops, until [`disconnect`](Worker::disconnect).
    pub fn start(&self) {
        let Some(startup) = self.take_startup() else {
            return;
        };
        if let Err(reason) = self.config().check() {
            // Retrying cannot fix a malformed URL: stop for good and say why.
            tracing::error!("{reason}");
            let mut status = Status::new(ConnectionStatus::Closed);
            status.fatal = Some(reason);
            startup.status.send_replace(status);
            return;
        }
        let service = Service::new(self.shared_config(), self.downgrade(), startup);
        tokio::spawn(service.run());
        #[cfg(feature = "otel")]
        super::telemetry::carry(self);
    }

    /// Connects to the engine and waits until it is [ready](Worker::ready).
    ///
    /// # Errors
    /// [`Error::Connect`] when the configuration cannot work (a URL that is not `ws://` or
    /// `wss://`, a blank namespace, a malformed handshake header), or when the first
    /// connection attempt fails (its cause, the URL and what to do), or the worker is not
    /// ready within the connect timeout; the connection task keeps retrying in the background
    /// all the same. [`Error::Refused`] as [`ready`](Worker::ready).
    pub async fn connect(&self) -> Result<()> {
        let url = &self.config().url;
        if let Err(reason) = self.config().check() {
            return Err(Error::Connect {
                url: url.clone(),
                source: reason.into(),
            });
        }
        self.start();
        let timeout = self.config().connect_timeout;
        let first = self.wait_for_connection(|s| {
            matches!(
                s,
                ConnectionStatus::Ready
                    | ConnectionStatus::Draining
                    | ConnectionStatus::Closed
                    | ConnectionStatus::Reconnecting { .. }
            )
        });
        match tokio::time::timeout(timeout, first).await {
            Ok(Ok(ConnectionStatus::Reconnecting { .. })) => match self.connect_error() {
                // The message already names the URL, says why and what to do.
                Some(message) => Err(Error::Connect {
                    url: url.clone(),
                    source: message.to_string().into(),
                }),
                None => self.ready().await,
            },
            Ok(Ok(_)) => self.ready().await,
            Ok(Err(e)) => Err(e),
            Err(_) => Err(Error::Connect {
                url: url.clone(),
                source: format!("not ready within {timeout:?}").into(),
            }),
        }
    }

    /// Starts the worker if needed and waits until it is ready: connected, and the engine has
    /// read every registration made so far (it answered the pings the worker sends after
    /// them).
    ///
    /// The development engine has applied the registrations by then. The real engine applies
    /// them once it has processed the worker's announce, which it does in a task of its own,
    /// normally within milliseconds. An engine that does not answer the ping within 2 s is
    /// assumed to have read them.
    ///
    /// # Errors
    /// [`Error::Refused`] when the engine refused functions because other live workers hold
    /// them and the worker is not a [standby](crate::WorkerConfig::standby): the worker is
    /// ready and serves its other functions, without the refused functions' triggers.
    /// [`Error::Shutdown`] if the worker shuts down first.
    pub async fn ready(&self) -> Result<()> {
        self.start();
        let status = self
            .wait_for_connection(|s| {
                matches!(
                    s,
                    ConnectionStatus::Ready | ConnectionStatus::Draining | ConnectionStatus::Closed
                )
            })
            .await?;
        match status {
            ConnectionStatus::Ready => {
                let refused = self.refusals();
                if refused.is_empty() || self.config().standby {
                    Ok(())
                } else {
                    Err(Error::Refused(refused))
                }
            }
            _ => Err(Error::Shutdown),
        }
    }
}
