//! The v2 table codes and the v3 values [`map`](crate::map) writes for them (name use 0200,
//! representation 0465, address type 0190, telecom use 0201, equipment type 0202, universal
//! ID type 0301, type of data 0191, priority 0027), generated from
//! `schemas/v3/codetables.yaml`. Each table is `(v2 code, v3 value)` pairs; its `_LOSSY` twin
//! lists the codes whose value reads back as another code, and a `_MARKED` list (equipment
//! type) the lossy codes that a v3 code written beside the value tells apart.
//!
//! ```
//! use hl7_v3::code_tables::{ADDRESS_USE, ADDRESS_USE_LOSSY, NAME_USE};
//! assert!(NAME_USE.contains(&("S", "P")));
//! assert!(ADDRESS_USE.contains(&("B", "WP")) && ADDRESS_USE_LOSSY.contains(&("O", "WP")));
//! ```

include!(concat!(env!("OUT_DIR"), "/code_tables.rs"));
