//! The memory, start-up and micro-benchmark tables.

use std::fmt::Write as _;
use std::time::Duration;

use super::grid::{Better, header, row};
use super::{kib_to_mib, millis};
use crate::micro::Measurement;
use crate::procfs::Memory;
use crate::results::{MemoryResult, NOT_SELECTED, Report};
use crate::workers::Impl;

pub(super) fn memory_table(out: &mut String, memory: &[MemoryResult], engine: &MemoryResult) {
    let _ = writeln!(out, "### Process memory (from /proc/<pid>/status)\n");
    header(out, "when");
    let get = |at: fn(&MemoryResult) -> Option<Memory>, f: fn(Memory) -> f64| -> Vec<Option<f64>> {
        memory.iter().map(|m| at(m).map(f)).collect()
    };
    let mib = |v: f64| format!("{v:.1}");
    let whole = |v: f64| format!("{v:.0}");
    let rss = |m: Memory| kib_to_mib(m.rss_kib);
    let hwm = |m: Memory| kib_to_mib(m.hwm_kib);
    let threads = |m: Memory| m.threads as f64;
    let idle = |m: &MemoryResult| m.idle;
    let after = |m: &MemoryResult| m.after_load;
    row(
        out,
        ("idle, registered", "VmRSS MiB"),
        &get(idle, rss),
        mib,
        Better::Lower,
    );
    row(
        out,
        ("idle, registered", "threads"),
        &get(idle, threads),
        whole,
        Better::Lower,
    );
    row(
        out,
        ("after load", "VmRSS MiB"),
        &get(after, rss),
        mib,
        Better::Lower,
    );
    row(
        out,
        ("after load", "VmHWM (peak) MiB"),
        &get(after, hwm),
        mib,
        Better::Lower,
    );
    row(
        out,
        ("after load", "threads"),
        &get(after, threads),
        whole,
        Better::Lower,
    );
    for (which, m) in Impl::ALL.iter().zip(memory) {
        if let Some(e) = m.error.as_deref().filter(|e| *e != NOT_SELECTED) {
            let _ = writeln!(out, "\n{}: {e}", which.label());
        }
    }
    let engine_line = match (engine.idle, engine.after_load) {
        (Some(i), Some(a)) => format!(
            "The engine process: VmRSS {:.1} MiB idle with the workers registered, {:.1} MiB \
             after the load (peak {:.1} MiB), {} threads.",
            kib_to_mib(i.rss_kib),
            kib_to_mib(a.rss_kib),
            kib_to_mib(a.hwm_kib),
            a.threads
        ),
        _ => format!(
            "The engine process's memory: {}",
            engine.error.as_deref().unwrap_or("not read")
        ),
    };
    let _ = writeln!(out, "\n{engine_line}\n");
}

pub(super) fn startup_table(out: &mut String, report: &Report) {
    let _ = writeln!(
        out,
        "### Start-up: the quickstart (release), process start → first `POST /add` answered \
         `200 {{\"sum\":5}}`\n\nPolled every 1 ms; `RUST_LOG=warn`.\n"
    );
    let _ = writeln!(out, "| mode | runs | median ms | min ms | max ms |");
    let _ = writeln!(out, "|---|---:|---:|---:|---:|");
    let ms =
        |d: Option<Duration>| d.map_or_else(|| "–".to_owned(), |d| format!("{:.1}", millis(d)));
    for s in &report.startup {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {} |",
            s.mode.label(),
            s.times.len(),
            ms(s.median()),
            ms(s.times.first().copied()),
            ms(s.times.last().copied())
        );
    }
    for s in &report.startup {
        if let Some(e) = &s.error {
            let _ = writeln!(out, "\n{}: a run failed: {e}", s.mode.label());
        }
    }
    out.push('\n');
}

pub(super) fn micro_table(out: &mut String, micro: &[Measurement]) {
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
