//! Reads the HL7 v2 YAML schemas (`schemas/`) into a checked model, and generates Rust from it.
//!
//! - [`schema`]: serde types mirroring the YAML of one version folder;
//! - [`load`]: reading version folders, with file and line for every problem;
//! - [`check`]: the rules a schema must satisfy (references resolve, names are unique and
//!   usable as identifiers, cardinalities make sense);
//! - [`emit_yaml`]: the canonical YAML layout, written by the importer and by normalisation;
//! - [`gen_types`] and [`gen_descriptors`]: a version's typed models and its static descriptor
//!   tables, as Rust source;
//! - [`build`]: running the generator from a build script, for `schemas/` or a folder of your own;
//! - [`names`]: the Rust names of schema items, with the collision rule;
//! - [`stats`]: per-version counts;
//! - [`v3`] and [`charsets`]: the HL7 v3 datatypes with nullFlavor, and the MSH-18 character
//!   set table, with their own checks; [`v3_gen`]: the Rust of the v3 data types and NullFlavor.
//!
//! ```no_run
//! use std::path::Path;
//! let (schema, sources) = hl7_codegen::load::load_version(Path::new("schemas/v2.5")).unwrap();
//! for finding in hl7_codegen::check::check_version(&schema, &sources) {
//!     eprintln!("{finding}");
//! }
//! println!("{}", hl7_codegen::stats::Stats::of(&schema));
//! ```

#![forbid(unsafe_code)]

pub mod build;
pub mod charsets;
pub mod check;
pub mod emit_yaml;
pub mod gen_descriptors;
pub mod gen_types;
pub mod lines;
pub mod load;
pub mod names;
pub mod schema;
pub mod stats;
pub mod v3;
pub mod v3_gen;
