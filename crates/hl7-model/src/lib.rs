//! HL7 v2 for Rust: the runtime (ER7 parsing and encoding, escapes, validation, character sets,
//! typed views) and the typed models generated from `schemas/`, one cargo feature per version
//! (`v2_5`, `v2_3_1`, …; `all-versions` for every one; the default is `v2_5`).
//!
//! Each version module holds a struct per composite datatype, segment, group and message
//! structure, the `Message` enum over its structures, and the static descriptor tables the
//! generic runtime is driven by:
//!
//! ```
//! # #[cfg(feature = "v2_5")] {
//! let v = &hl7_model::v2_5::VERSION;
//! let oru = v.resolve_structure("ORU", "R01", None).unwrap();
//! assert_eq!(oru.id, "ORU_R01");
//! assert_eq!(v.segment("PID").unwrap().fields[4].name, "Patient Name");
//! # }
//! ```
//!
//! Where to start: [`message::parse`] (any message, version and structure from its header) or
//! `v2_5::OruR01::parse` (one structure); [`path`] to read and write by `PID-5-1`;
//! [`build::MessageBuilder`] for new messages; [`validate`] for findings with HL7 error codes;
//! `json` (feature `serde`) for the JSON form; [`er7`] for the zero-copy tokenizer.
//!
//! The runtime lives in the `hl7-runtime` crate and each version's models in a crate of their
//! own (`hl7-v2-5` …), so that versions compile in parallel and in bounded memory; this crate
//! re-exports them all under one name.

// Lets generated code name `::hl7_model` inside this crate too.
extern crate self as hl7_model;

#[doc(inline)]
pub use hl7_runtime::*;

pub mod build;
pub mod message;

include!(concat!(env!("OUT_DIR"), "/versions.rs"));
