//! Rendering a [`Report`] as Markdown tables: the load table, the memory table (the workers
//! as columns, ratios as in [`grid`]), start-up and micro-benchmarks.

mod grid;
mod load;
mod overhead;
mod tables;

use std::fmt::Write as _;
use std::time::Duration;

use crate::results::Report;

/// The whole report as Markdown.
pub fn markdown(report: &Report) -> String {
    let mut out = String::new();
    let load = |l: &Option<String>| l.clone().unwrap_or_else(|| "?".to_owned());
    let _ = writeln!(
        out,
        "Load average (1/5/15 min) {} at the start, {} at the end.\n",
        load(&report.load[0]),
        load(&report.load[1])
    );
    if !report.cases.is_empty() {
        load::load_table(&mut out, report);
        load::errors(&mut out, &report.cases);
        tables::memory_table(&mut out, &report.memory, &report.engine_memory);
        overhead::table(&mut out, report);
    }
    if !report.startup.is_empty() {
        tables::startup_table(&mut out, report);
    }
    if !report.micro.is_empty() {
        tables::micro_table(&mut out, &report.micro);
    }
    let _ = writeln!(out, "Run took {:.1} s.", report.elapsed.as_secs_f64());
    out
}

fn micros(d: Duration) -> f64 {
    d.as_secs_f64() * 1e6
}

fn millis(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn kib_to_mib(kib: u64) -> f64 {
    kib as f64 / 1024.0
}
