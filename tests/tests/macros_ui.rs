//! The macros' compile errors, one trybuild case per message (`tests/ui/*.rs` with its
//! `.stderr`), and programs that must compile (`tests/ui/pass/*.rs`).
//!
//! Regenerate the snapshots with `TRYBUILD=overwrite cargo test -p iii-tests --test macros_ui`
//! and read every one: each message must tell the user what to change.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
