//! HL7 v2.7.1: a typed view per composite datatype, segment, group and message structure,
//! and the static descriptors (`VERSION`), generated from `schemas/v2.7.1/`. Use it through
//! hl7-model: `hl7_model::v2_7_1` with the feature `v2_7_1`.

#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/v2_7_1.rs"));
