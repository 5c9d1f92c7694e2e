//! Compile-time behaviour of the attribute macros (`#[hl7_model::composite]`, `segment`,
//! `group`): correct declarations build, and each misuse fails with an error that points at
//! the offending attribute or field, every error of a declaration reported in one compile. The
//! expected compiler output is kept beside each case in `tests/ui/*.stderr`; after an intended
//! change of a message, regenerate the snapshots with
//! `TRYBUILD=overwrite cargo test -p hl7-macros --test ui` and review the diff.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.pass("tests/pass/*.rs");
    t.compile_fail("tests/ui/*.rs");
}
