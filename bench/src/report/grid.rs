//! The grid every worker table shares: one column per implementation, in [`Impl::ALL`]
//! order, then the ratio columns ([`RATIOS`]), then which way is better.

use std::fmt::Write as _;

use crate::workers::Impl;

/// How a cell's number is printed.
pub(super) type Format = fn(f64) -> String;

/// Whether a bigger number is the better one.
#[derive(Debug, Clone, Copy)]
pub(super) enum Better {
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

/// The ratio columns, `a ÷ b`: everyone against the floor, then iii-rs against the SDK.
const RATIOS: [(Impl, Impl); 5] = [
    (Impl::IiiRs, Impl::Floor),
    (Impl::Sdk, Impl::Floor),
    (Impl::SdkOtelOff, Impl::Floor),
    (Impl::IiiRs, Impl::Sdk),
    (Impl::IiiRs, Impl::SdkOtelOff),
];

fn slot(which: Impl) -> usize {
    Impl::ALL.iter().position(|w| *w == which).unwrap_or(0)
}

/// Column header: every implementation, then the [`RATIOS`].
pub(super) fn header(out: &mut String, first: &str) {
    let names: Vec<&str> = Impl::ALL.iter().map(|w| w.label()).collect();
    let ratios: Vec<String> = RATIOS
        .iter()
        .map(|(a, b)| format!("{} ÷ {}", a.short(), b.short()))
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

/// One row: `values` in [`Impl::ALL`] order.
pub(super) fn row(
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
    let ratios: Vec<String> = RATIOS
        .iter()
        .map(|&(a, b)| match (values[slot(a)], values[slot(b)]) {
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
