//! Derive macros for HL7 v2 segments, composites, groups and message structures.
//!
//! The derives expand to small implementations of the `hl7-model` runtime traits over static
//! descriptors; generated models and users' own Z-segments use the same derives. The derives
//! arrive with the typed models; this crate is the place they live.
