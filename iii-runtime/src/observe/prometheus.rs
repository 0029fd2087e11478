//! The Prometheus scrape endpoint (feature `prometheus`): installs
//! `metrics-exporter-prometheus` as the process's recorder, listening on the address the
//! program chose.

use std::net::SocketAddr;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder};

use super::metrics::{DURATION, describe};
use crate::error::Error;

/// Histogram buckets for invocation durations, in seconds: 0.5 ms to 30 s.
const BUCKETS: [f64; 14] = [
    0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 10.0, 30.0,
];

/// Serves the metrics on `addr` (any path answers; scrape `/metrics`). Call it within the
/// Tokio runtime the listener is to run on.
pub(crate) fn serve(addr: SocketAddr) -> Result<(), Error> {
    let failed = |e: metrics_exporter_prometheus::BuildError| {
        Error::new(
            "metrics_failed",
            500,
            format!("cannot serve Prometheus metrics on {addr}: {e}"),
        )
    };
    PrometheusBuilder::new()
        .with_http_listener(addr)
        .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), &BUCKETS)
        .map_err(failed)?
        .install()
        .map_err(failed)?;
    describe();
    tracing::info!("serving metrics for Prometheus on http://{addr}/metrics");
    Ok(())
}
