//! HL7 v2 runtime (ER7 parsing and encoding, escapes, validation, character sets, ACKs) and the
//! typed message models generated from `schemas/`, one cargo feature per version.
//!
//! The runtime and the generated models arrive with their issues; the schemas they are built
//! from are in `schemas/` and are checked by `cargo xtask check`.
