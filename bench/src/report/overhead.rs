//! The observability overhead table: what the request log and traces add to iii-rs's worker
//! CPU per call, next to the calls per second, case by case.

use std::fmt::Write as _;

use crate::run::{Measured, Report};
use crate::workers::Impl;

/// The variants compared with iii-rs with everything off, and the budget each has per call.
const VARIANTS: [(Impl, f64); 2] = [(Impl::IiiRsLog, 2.0), (Impl::IiiRsOtel, 6.0)];

/// Writes the table when iii-rs ran with at least one of its variants.
pub(super) fn table(out: &mut String, report: &Report) {
    let column = |which: Impl| report.workers.iter().position(|w| *w == which);
    let Some(off) = column(Impl::IiiRs) else {
        return;
    };
    let variants: Vec<(Impl, f64, usize)> = VARIANTS
        .iter()
        .filter_map(|&(which, budget)| Some((which, budget, column(which)?)))
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
    let cpu = |m: &Measured| m.cpu_per_call.map(|d| d.as_secs_f64() * 1e6);
    for case in &report.cases {
        let get = |slot: usize| case.results[slot].as_ref().ok();
        let base = get(off);
        let cell = |v: Option<f64>, digits: usize| {
            v.map_or_else(|| "–".to_owned(), |v| format!("{v:.digits$}"))
        };
        let mut line = format!(
            "| {} | {} | {} |",
            case.case.label(),
            cell(base.and_then(cpu), 1),
            cell(base.map(|m| m.stats.throughput()), 0)
        );
        for &(_, _, slot) in &variants {
            let with = get(slot);
            let delta = match (with.and_then(cpu), base.and_then(cpu)) {
                (Some(a), Some(b)) => Some(a - b),
                _ => None,
            };
            let _ = write!(
                line,
                " {} | {} | {} |",
                cell(with.and_then(cpu), 1),
                cell(delta, 1),
                cell(with.map(|m| m.stats.throughput()), 0)
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
