//! The HL7 v2 runtime that the generated models stand on, re-exported by `hl7-model` (use it
//! from there: `hl7_model::value::St`, `hl7_model::er7`, …): primitive values as sent, the
//! delimiters and the zero-copy ER7 tokenizer with escapes, the traits the derives implement
//! and the generic decoding and encoding behind them, the grammar matcher for nested groups,
//! and typed views of dates, times and numbers.
//!
//! It is a crate of its own so that each HL7 version's generated models can be a crate of its
//! own too, built in parallel and in bounded memory.

pub mod delimiters;
pub mod descriptor;
pub mod element;
pub mod er7;
pub mod format_error;
pub mod grammar;
pub mod group;
#[cfg(feature = "serde")]
pub mod json;
pub mod number;
pub mod parsing;
pub mod path;
pub mod temporal;
pub mod tree;
pub mod typed;
pub mod validate;
pub mod value;
pub mod view;

pub use hl7_macros::{Composite, Group, Segment, composite, group, segment};
