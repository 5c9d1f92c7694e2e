//! HL7 v2 runtime (ER7 parsing and encoding, escapes, validation, character sets, ACKs) and the
//! models generated from `schemas/`, one cargo feature per version (`v2_5`, `v2_3_1`, …;
//! `all-versions` for every one; the default is `v2_5`).
//!
//! Today each version module holds the static descriptor tables of its datatypes, segments,
//! structures (with nested groups), event map and tables, which the generic runtime is built on:
//!
//! ```
//! # #[cfg(feature = "v2_5")] {
//! let v = &hl7_model::v2_5::VERSION;
//! let oru = v.resolve_structure("ORU", "R01", None).unwrap();
//! assert_eq!(oru.id, "ORU_R01");
//! assert_eq!(v.segment("PID").unwrap().fields[4].name, "Patient Name");
//! # }
//! ```

// Lets derive expansions name `::hl7_model` inside this crate too.
extern crate self as hl7_model;

pub mod delimiters;
pub mod descriptor;
pub mod element;
pub mod format_error;
pub mod grammar;
pub mod group;
pub mod message;
pub mod number;
pub mod temporal;
pub mod value;

pub use hl7_macros::{Composite, Group, Segment};

include!(concat!(env!("OUT_DIR"), "/versions.rs"));
