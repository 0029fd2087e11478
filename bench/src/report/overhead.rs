//! The observability overhead table: what the request log and traces add to iii-rs's worker
//! CPU per call, next to the calls per second, case by case.

use std::fmt::Write as _;

use super::micros;
use crate::results::{Measured, Report, Samples};
use crate::stats::median;
use crate::workers::Impl;

/// The variants compared with iii-rs with everything off, and the budget each has per call.
const VARIANTS: [(Impl, f64); 2] = [(Impl::IiiRsLog, 2.0), (Impl::IiiRsOtel, 6.0)];

/// The median over the rounds of one metric of one implementation's samples.
fn median_of(samples: &Samples, f: fn(&Measured) -> Option<f64>) -> Option<f64> {
    let mut values: Vec<f64> = samples.rounds.iter().filter_map(f).collect();
    median(&mut values)
}

fn cpu(m: &Measured) -> Option<f64> {
    m.cpu_per_call.map(micros)
}

fn throughput(m: &Measured) -> Option<f64> {
    Some(m.stats.throughput())
}

/// Writes the table when iii-rs ran with at least one of its variants.
pub(super) fn table(out: &mut String, report: &Report) {
    let ran = |which: Impl| {
        let slot = Impl::ALL.iter().position(|w| *w == which)?;
        let any = report
            .cases
            .iter()
            .any(|case| !case.results[slot].rounds.is_empty());
        any.then_some(slot)
    };
    let Some(off) = ran(Impl::IiiRs) else {
        return;
    };
    let variants: Vec<(Impl, f64, usize)> = VARIANTS
        .iter()
        .filter_map(|&(which, budget)| Some((which, budget, ran(which)?)))
        .collect();
    if variants.is_empty() {
        return;
    }
    let _ = writeln!(
        out,
        "### Observability overhead: iii-rs worker CPU per call over everything off\n"
    );
    let mut head = String::from("| case | off µs/call | off calls/s |");
    let mut rule = String::from("|---|---:|---:|");
    for (which, budget, _) in &variants {
        let _ = write!(
            head,
            " {0} µs/call | {0} Δ µs (budget {budget:.0}) | {0} calls/s |",
            which.short()
        );
        rule.push_str("---:|---:|---:|");
    }
    let _ = writeln!(out, "{head}\n{rule}");
    for case in &report.cases {
        let base = &case.results[off];
        let cell = |v: Option<f64>, digits: usize| {
            v.map_or_else(|| "–".to_owned(), |v| format!("{v:.digits$}"))
        };
        let mut line = format!(
            "| {} | {} | {} |",
            case.case.label(),
            cell(median_of(base, cpu), 1),
            cell(median_of(base, throughput), 0)
        );
        for &(_, _, slot) in &variants {
            let with = &case.results[slot];
            let delta = match (median_of(with, cpu), median_of(base, cpu)) {
                (Some(a), Some(b)) => Some(a - b),
                _ => None,
            };
            let _ = write!(
                line,
                " {} | {} | {} |",
                cell(median_of(with, cpu), 1),
                cell(delta, 1),
                cell(median_of(with, throughput), 0)
            );
        }
        let _ = writeln!(out, "{line}");
    }
    if let Some(written) = report.request_log {
        let _ = writeln!(
            out,
            "\nThe request log worker wrote {} lines ({:.1} MiB) to its file.",
            written.lines,
            written.bytes as f64 / (1024.0 * 1024.0)
        );
    }
    out.push('\n');
}
