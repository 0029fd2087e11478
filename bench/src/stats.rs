//! Summaries of one load run (throughput and latency percentiles), and medians over runs.

use std::time::Duration;

/// What one load run measured.
#[derive(Debug, Clone, Default)]
pub struct Stats {
    /// Calls that completed successfully inside the measurement window.
    pub calls: u64,
    /// Calls that failed inside the measurement window.
    pub errors: u64,
    /// The first error seen, for the report.
    pub first_error: Option<String>,
    /// Length of the measurement window.
    pub window: Duration,
    /// Median latency.
    pub p50: Duration,
    /// 99th percentile latency.
    pub p99: Duration,
    /// Worst latency.
    pub max: Duration,
}

impl Stats {
    /// Summarises successful-call latencies (in nanoseconds, any order).
    pub fn new(
        mut latencies_ns: Vec<u64>,
        errors: u64,
        first_error: Option<String>,
        window: Duration,
    ) -> Self {
        latencies_ns.sort_unstable();
        let at = |q: f64| Duration::from_nanos(percentile(&latencies_ns, q));
        Self {
            calls: latencies_ns.len() as u64,
            errors,
            first_error,
            window,
            p50: at(0.50),
            p99: at(0.99),
            max: at(1.0),
        }
    }

    /// Successful calls per second.
    pub fn throughput(&self) -> f64 {
        let secs = self.window.as_secs_f64();
        if secs == 0.0 {
            0.0
        } else {
            self.calls as f64 / secs
        }
    }
}

/// The median of `values` (the mean of the two middle ones for an even count), `None` when
/// empty. Sorts `values`.
pub fn median(values: &mut [f64]) -> Option<f64> {
    values.sort_unstable_by(f64::total_cmp);
    let n = values.len();
    match n {
        0 => None,
        _ if n % 2 == 1 => Some(values[n / 2]),
        _ => Some((values[n / 2 - 1] + values[n / 2]) / 2.0),
    }
}

/// The nearest-rank percentile `q` (0.0-1.0) of sorted values, 0 when empty.
fn percentile(sorted: &[u64], q: f64) -> u64 {
    if sorted.is_empty() {
        return 0;
    }
    let rank = (q * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentiles() {
        let values: Vec<u64> = (1..=100).collect();
        assert_eq!(percentile(&values, 0.5), 50);
        assert_eq!(percentile(&values, 0.99), 99);
        assert_eq!(percentile(&values, 1.0), 100);
        assert_eq!(percentile(&[7], 0.99), 7);
        assert_eq!(percentile(&[], 0.5), 0);
    }

    #[test]
    fn medians() {
        assert_eq!(median(&mut []), None);
        assert_eq!(median(&mut [3.0, 1.0, 2.0]), Some(2.0));
        assert_eq!(median(&mut [4.0, 1.0, 3.0, 2.0]), Some(2.5));
    }

    #[test]
    fn throughput_counts_successes_per_second() {
        let stats = Stats::new(vec![1; 500], 3, None, Duration::from_millis(250));
        assert_eq!(stats.calls, 500);
        assert!((stats.throughput() - 2000.0).abs() < 1e-9);
    }
}
