//! Typed models generated at build time from the tiny schema folder
//! `hl7-codegen/tests/fixtures/valid/v2.99`, with the same generator and derives as
//! hl7-model's own versions: proof that adding a version is adding a folder.

#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/versions.rs"));
