//! Rendering a [`Report`] as Markdown tables.

use std::fmt::Write as _;
use std::time::Duration;

use crate::micro::Measurement;
use crate::procfs::Memory;
use crate::run::{CaseResult, Measured, MemoryResult, Report};
use crate::workers::Impl;

mod overhead;

/// How a cell's number is printed.
type Format = fn(f64) -> String;

/// Whether a bigger number is the better one.
#[derive(Debug, Clone, Copy)]
enum Better {
    Higher,
    Lower,
}

impl Better {
    fn label(self) -> &'static str {
        match self {
            Self::Higher => "higher",
            Self::Lower => "lower",
        }
    }
}

/// The whole report as Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let workers = report.workers.as_slice();
    if !report.cases.is_empty() {
        load_table(&mut out, workers, &report.cases);
        errors(&mut out, workers, &report.cases);
        memory_table(&mut out, workers, &report.memory);
        overhead::table(&mut out, report);
    }
    if !report.micro.is_empty() {
        micro_table(&mut out, &report.micro);
    }
    let _ = writeln!(out, "Run took {:.1} s.", report.elapsed.as_secs_f64());
    out
}

/// Column header: every implementation, then the first ÷ each other implementation.
fn header(out: &mut String, workers: &[Impl], first: &str) {
    let names: Vec<&str> = workers.iter().map(|w| w.label()).collect();
    let base = workers.first().map_or("", |w| w.short());
    let ratios: Vec<String> = workers
        .iter()
        .skip(1)
        .map(|w| format!("{base} ÷ {}", w.short()))
        .collect();
    let _ = writeln!(
        out,
        "| {first} | metric | {} | {} | better |",
        names.join(" | "),
        ratios.join(" | ")
    );
    let right = "---:|".repeat(names.len() + ratios.len());
    let _ = writeln!(out, "|---|---|{right}---|");
}

fn row(
    out: &mut String,
    (first, metric): (&str, &str),
    values: &[Option<f64>],
    fmt: Format,
    better: Better,
) {
    let cells: Vec<String> = values
        .iter()
        .map(|v| v.map_or_else(|| "–".to_owned(), fmt))
        .collect();
    let ratios: Vec<String> = values[1..]
        .iter()
        .map(|other| match (values[0], *other) {
            (Some(a), Some(b)) if b != 0.0 => format!("{:.2}", a / b),
            _ => "–".to_owned(),
        })
        .collect();
    let _ = writeln!(
        out,
        "| {first} | {metric} | {} | {} | {} |",
        cells.join(" | "),
        ratios.join(" | "),
        better.label()
    );
}

fn load_table(out: &mut String, workers: &[Impl], cases: &[CaseResult]) {
    let _ = writeln!(out, "### Load: calls through the engine\n");
    header(out, workers, "case");
    for result in cases {
        let label = result.case.label();
        let get = |f: fn(&Measured) -> Option<f64>| -> Vec<Option<f64>> {
            result
                .results
                .iter()
                .map(|r| r.as_ref().ok().and_then(f))
                .collect()
        };
        let whole = |v: f64| format!("{v:.0}");
        let tenths = |v: f64| format!("{v:.1}");
        let throughput = get(|m| Some(m.stats.throughput()));
        row(out, (&label, "calls/s"), &throughput, whole, Better::Higher);
        let p50 = get(|m| Some(micros(m.stats.p50)));
        row(out, (&label, "p50 µs"), &p50, whole, Better::Lower);
        let p99 = get(|m| Some(micros(m.stats.p99)));
        row(out, (&label, "p99 µs"), &p99, whole, Better::Lower);
        let cpu = get(|m| m.cpu_per_call.map(micros));
        row(
            out,
            (&label, "worker CPU µs/call"),
            &cpu,
            tenths,
            Better::Lower,
        );
    }
    out.push('\n');
}

fn errors(out: &mut String, workers: &[Impl], cases: &[CaseResult]) {
    let mut lines = Vec::new();
    for result in cases {
        for (which, r) in workers.iter().zip(&result.results) {
            match r {
                Err(e) => lines.push(format!(
                    "- {} / {}: FAILED: {e}",
                    result.case.label(),
                    which.label()
                )),
                Ok(m) if m.stats.errors > 0 => lines.push(format!(
                    "- {} / {}: {} failed calls, first: {}",
                    result.case.label(),
                    which.label(),
                    m.stats.errors,
                    m.stats.first_error.as_deref().unwrap_or("?")
                )),
                Ok(_) => {}
            }
        }
    }
    if !lines.is_empty() {
        let _ = writeln!(out, "Errors:\n\n{}\n", lines.join("\n"));
    }
}

fn memory_table(out: &mut String, workers: &[Impl], memory: &[MemoryResult]) {
    let _ = writeln!(out, "### Worker process memory (from /proc/<pid>/status)\n");
    header(out, workers, "when");
    let get = |at: fn(&MemoryResult) -> Option<Memory>, f: fn(Memory) -> f64| -> Vec<Option<f64>> {
        memory.iter().map(|m| at(m).map(f)).collect()
    };
    let mib = |v: f64| format!("{v:.1}");
    let whole = |v: f64| format!("{v:.0}");
    let idle = "idle, registered";
    let after = "after load";
    let rows: [(&str, &str, Vec<Option<f64>>, Format); 5] = [
        (
            idle,
            "VmRSS MiB",
            get(|m| m.idle, |m| kib_to_mib(m.rss_kib)),
            mib,
        ),
        (
            idle,
            "threads",
            get(|m| m.idle, |m| m.threads as f64),
            whole,
        ),
        (
            after,
            "VmRSS MiB",
            get(|m| m.after_load, |m| kib_to_mib(m.rss_kib)),
            mib,
        ),
        (
            after,
            "VmHWM (peak) MiB",
            get(|m| m.after_load, |m| kib_to_mib(m.hwm_kib)),
            mib,
        ),
        (
            after,
            "threads",
            get(|m| m.after_load, |m| m.threads as f64),
            whole,
        ),
    ];
    for (when, metric, values, fmt) in rows {
        row(out, (when, metric), &values, fmt, Better::Lower);
    }
    for (which, m) in workers.iter().zip(memory) {
        if let Some(e) = &m.error {
            let _ = writeln!(out, "\n{}: {e}", which.label());
        }
    }
    out.push('\n');
}

fn micro_table(out: &mut String, micro: &[Measurement]) {
    let _ = writeln!(
        out,
        "### Micro: invokefunction frame → typed input (one thread)\n"
    );
    let _ = writeln!(
        out,
        "| payload | route | frame bytes | ns/op | MB/s | ÷ typed from frame |"
    );
    let _ = writeln!(out, "|---|---|---:|---:|---:|---:|");
    for m in micro {
        let baseline = micro
            .iter()
            .find(|b| b.payload == m.payload && b.route == "typed from frame")
            .map_or(f64::NAN, |b| b.ns_per_op);
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.0} | {:.2} |",
            m.payload,
            m.route,
            m.frame_bytes,
            m.ns_per_op,
            m.mb_per_s(),
            m.ns_per_op / baseline
        );
    }
    out.push('\n');
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
