//! The load table (one block of rows per case) and the failures under it.

use std::fmt::Write as _;

use super::grid::{Better, Format, header, row};
use super::micros;
use crate::results::{CaseResult, Measured, Report};
use crate::stats::median;
use crate::workers::Impl;

/// A row of a case: its label, how to read it from one round, how to print it.
type Metric = (&'static str, fn(&Measured) -> Option<f64>, Format, Better);

pub(super) fn load_table(out: &mut String, report: &Report) {
    let (warmup, window) = report.timing;
    let _ = writeln!(
        out,
        "### Load: calls through the engine\n\n\
         Median of {} round(s), each {:.1} s of warm-up and a {:.1} s window per case and worker. \
         CPU per call: the process's time on CPU (all threads) during the window ÷ calls.\n",
        report.rounds,
        warmup.as_secs_f64(),
        window.as_secs_f64()
    );
    header(out, "case");
    let whole = |v: f64| format!("{v:.0}");
    let tenths = |v: f64| format!("{v:.1}");
    for result in &report.cases {
        let label = result.case.label();
        let get = |f: fn(&Measured) -> Option<f64>| -> Vec<Option<f64>> {
            result
                .results
                .iter()
                .map(|samples| {
                    let mut values: Vec<f64> = samples.rounds.iter().filter_map(f).collect();
                    median(&mut values)
                })
                .collect()
        };
        let metrics: [Metric; 5] = [
            (
                "calls/s",
                |m| Some(m.stats.throughput()),
                whole,
                Better::Higher,
            ),
            (
                "p50 µs",
                |m| Some(micros(m.stats.p50)),
                whole,
                Better::Lower,
            ),
            (
                "p99 µs",
                |m| Some(micros(m.stats.p99)),
                whole,
                Better::Lower,
            ),
            (
                "worker CPU µs/call",
                |m| m.cpu_per_call.map(micros),
                tenths,
                Better::Lower,
            ),
            (
                "engine CPU µs/call",
                |m| m.engine_cpu_per_call.map(micros),
                tenths,
                Better::Lower,
            ),
        ];
        for (metric, f, fmt, better) in metrics {
            row(out, (&label, metric), &get(f), fmt, better);
        }
    }
    out.push('\n');
}

pub(super) fn errors(out: &mut String, cases: &[CaseResult]) {
    let mut lines = Vec::new();
    for result in cases {
        for (which, samples) in Impl::ALL.iter().zip(&result.results) {
            let case = result.case.label();
            if let Some(e) = &samples.error {
                lines.push(format!("- {case} / {}: FAILED: {e}", which.label()));
            }
            let failed: u64 = samples.rounds.iter().map(|m| m.stats.errors).sum();
            if failed > 0 {
                let first = samples
                    .rounds
                    .iter()
                    .find_map(|m| m.stats.first_error.as_deref())
                    .unwrap_or("?");
                lines.push(format!(
                    "- {case} / {}: {failed} failed calls, first: {first}",
                    which.label()
                ));
            }
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "Errors:\n\n{}\n", lines.join("\n"));
    }
}
