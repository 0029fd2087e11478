//! The macros' compile errors, one trybuild case per message (`tests/ui/*.rs` with its
//! `.stderr`), and programs that must compile (`tests/ui/pass/*.rs`).
//!
//! The cases live in `tests/tests/ui/`; `tests/ui` here is a link to that directory, so that
//! the paths in the snapshots (`tests/ui/<case>.rs`) stay what they were when the cases ran
//! from the `iii-tests` crate.
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p iii-macros-ui` and read
//! every one: each message must tell the user what to change.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
