//! Starting the development engine in this process when the engine the worker used at the
//! default address (another program's development engine, typically the first of two
//! `cargo run`s) goes away: with `III_URL` unset there is nothing else to wait for. Only for
//! workers that found their engine through `start_dev_engine_if_needed` (as `#[iii::main]`
//! does); of several such workers, the first to bind the port serves the others.

use tokio::sync::oneshot;

use super::task::Service;
use crate::embedded::{self, EmbeddedEngine};

impl Service {
    /// A connection attempt failed: try to start the engine, once at a time.
    pub(super) fn maybe_start_engine(&mut self) {
        let eligible = self.config.dev_engine && !self.config.url_is_explicit;
        if !eligible || self.engine.is_some() || self.engine_start.is_some() {
            return;
        }
        let (tx, rx) = oneshot::channel();
        self.engine_start = Some(rx);
        tokio::spawn(async move {
            let _ = tx.send(embedded::take_over().await);
        });
    }

    pub(super) fn on_engine_started(&mut self, engine: Option<EmbeddedEngine>) {
        let Some(engine) = engine else {
            return;
        };
        tracing::info!(
            "the engine at {} went away and III_URL is unset: started the development engine in this process at {}; HTTP triggers are served on {}",
            self.url,
            engine.ws_url(),
            engine.http_url()
        );
        self.url = engine.ws_url();
        self.http_url = Some(engine.http_url());
        self.engine = Some(engine);
        if matches!(self.conn, super::conn::Conn::Backoff { .. }) {
            self.start_connect();
        }
    }
}
