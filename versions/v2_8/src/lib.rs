//! HL7 v2.8: a typed view per composite datatype, segment, group and message structure,
//! and the static descriptors (`VERSION`), generated from `schemas/v2.8/`. Use it through
//! hl7-model: `hl7_model::v2_8` with the feature `v2_8`.

#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/v2_8.rs"));
