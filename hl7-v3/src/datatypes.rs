//! The v3 data types, generated from `schemas/v3/datatypes.yaml` with their R1 XML ITS names.
//!
//! Each struct holds the properties of its type (inherited ones included) except the
//! nullFlavor: a null is [`Nullable::Null`](crate::Nullable::Null) around the type, so a value
//! never sits beside a nullFlavor. Property names are the XML names in snake case (`use`
//! becomes `use_`); documentation lines give the XML form, the type, the cardinality and the
//! vocabulary of each.
//!
//! ```
//! use hl7_v3::{Nullable, datatypes::{CD, ED}};
//! let cd: Nullable<CD> = hl7_v3::from_xml(
//!     r#"<code code="8480-6" codeSystem="2.16.840.1.113883.6.1" displayName="Systolic BP"/>"#,
//! ).unwrap();
//! assert_eq!(cd.value().unwrap().code.as_deref(), Some("8480-6"));
//! ```

#![allow(clippy::upper_case_acronyms)]

include!(concat!(env!("OUT_DIR"), "/datatypes.rs"));
