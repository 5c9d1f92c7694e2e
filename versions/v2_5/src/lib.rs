//! HL7 v2.5: a typed view per composite datatype, segment, group and message structure,
//! and the static descriptors (`VERSION`), generated from `schemas/v2.5/`. Use it through
//! hl7-model: `hl7_model::v2_5` with the feature `v2_5`.

#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/v2_5.rs"));
