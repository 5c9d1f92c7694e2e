//! HL7 v3 data types with nullFlavor, generated from `schemas/v3/`, read and written in the
//! R1 XML ITS.
//!
//! - [`null_flavor`]: the NullFlavor codes, their hierarchy (`implies`, `common_ancestor`)
//!   and the CDA R2 and ISO 21090 profiles;
//! - [`datatypes`]: the data types (II, CD, PQ, TS, `IVL<T>` …) as generated structs, each a
//!   value that [`Nullable`] wraps, so that a value and a nullFlavor never coexist (a null CD
//!   may keep its original text and translations, a null TEL its use);
//! - [`xml`]: the R1 XML ITS, read with quick-xml with DTDs and entities refused;
//!   [`from_xml`] and [`to_xml`] read and write one value;
//! - [`map`]: v2 → v3 and v3 → v2 mapping of the v2 data types, each with a report of what it
//!   did not carry, reading the coding-system OIDs of [`code_systems`] and the table codes of
//!   [`code_tables`].
//!
//! ```
//! use hl7_v3::{Nullable, datatypes::IVL, datatypes::TS};
//! let xml = r#"<effectiveTime><low value="20240101"/><high value="20240131"/></effectiveTime>"#;
//! let ivl: Nullable<IVL<TS>> = hl7_v3::from_xml(xml).unwrap();
//! let low = ivl.value().unwrap().low.as_ref().unwrap().value().unwrap();
//! assert_eq!(low.base.value.as_deref(), Some("20240101"));
//! assert_eq!(hl7_v3::to_xml("effectiveTime", &ivl).unwrap(),
//!     r#"<effectiveTime xmlns="urn:hl7-org:v3"><low value="20240101"/><high value="20240131"/></effectiveTime>"#);
//! ```

#![forbid(unsafe_code)]

pub mod code_systems;
pub mod code_tables;
pub mod datatypes;
pub mod its;
pub mod map;
pub mod null_flavor;
mod value;
pub mod xml;

pub use null_flavor::{NullFlavor, Profile};
pub use value::{
    CodedNullExtras, DataType, Mixed, NoExtras, NullExtras, Nullable, PartKind, TelNullExtras,
    from_xml, from_xml_with, to_xml,
};
