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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    use tokio::net::TcpStream;

    use super::*;
    use crate::observe::FunctionMetrics;

    /// A free loopback port: the exporter binds an address it is given and does not say
    /// which port it got, so the test asks the OS for one first.
    fn free_addr() -> SocketAddr {
        let probe = std::net::TcpListener::bind("127.0.0.1:0").expect("bind");
        probe.local_addr().expect("addr")
    }

    async fn scrape(addr: SocketAddr) -> String {
        let mut stream = TcpStream::connect(addr).await.expect("connect");
        stream
            .write_all(b"GET /metrics HTTP/1.1\r\nhost: x\r\nconnection: close\r\n\r\n")
            .await
            .expect("request");
        let mut response = String::new();
        stream
            .read_to_string(&mut response)
            .await
            .expect("response");
        response
    }

    #[tokio::test]
    async fn the_metrics_are_served_for_scraping_with_duration_buckets() {
        let addr = free_addr();
        serve(addr).expect("serves");
        let metrics = FunctionMetrics::new("p.fn".into());
        metrics.started();
        metrics.ended(Duration::from_millis(3), Some("boom"));
        let page = scrape(addr).await;
        assert!(page.starts_with("HTTP/1.1 200"), "{page}");
        for expected in [
            r#"iii_invocations_total{function_id="p.fn"} 1"#,
            r#"iii_invocation_errors_total{function_id="p.fn",code="boom"} 1"#,
            r#"iii_invocations_in_flight{function_id="p.fn"} 0"#,
            r#"iii_invocation_duration_seconds_bucket{function_id="p.fn",le="0.005"} 1"#,
            r#"iii_invocation_duration_seconds_bucket{function_id="p.fn",le="0.0025"} 0"#,
            "# HELP iii_invocations_total Invocations that ended, by function.",
        ] {
            assert!(page.contains(expected), "{expected} in:\n{page}");
        }
        // One recorder per process: a second endpoint is refused with the reason.
        let again = serve(free_addr()).expect_err("a second recorder");
        assert!(
            again
                .to_string()
                .contains("cannot serve Prometheus metrics"),
            "{again}"
        );
    }
}
