//! The HL7 v2 runtime that the generated models stand on, re-exported by `hl7-model` (use it
//! from there: `hl7_model::typed::St`, `hl7_model::er7`, …): character sets by MSH-18
//! ([`charset`]: bytes to text and back, MSH-18 ↔ DICOM (0008,0005)), the delimiters and the zero-copy
//! ER7 tokenizer with escapes, the message held as its segments' text and group tree
//! ([`tree::Lean`]) with the grammar that places segments in nested groups, the typed views
//! the attribute macros build on, paths, validation, JSON, and typed readings of dates, times
//! and numbers.
//!
//! It is a crate of its own so that each HL7 version's generated models can be a crate of its
//! own too, built in parallel and in bounded memory.

#![forbid(unsafe_code)]

pub mod charset;
pub mod delimiters;
pub mod descriptor;
pub mod er7;
pub mod format_error;
pub mod grammar;
#[cfg(feature = "serde")]
pub mod json;
pub mod number;
pub mod parsing;
pub mod path;
pub mod temporal;
pub mod tree;
pub mod typed;
pub mod validate;
pub mod view;

pub use hl7_macros::{composite, group, segment};
