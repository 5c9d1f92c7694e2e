//! HL7 v2 for Rust: the runtime (ER7 parsing and encoding, escapes, paths, validation, JSON,
//! typed views) and the typed models generated from `schemas/`, one cargo feature per version
//! (`v2_5`, `v2_3_1`, …; `all-versions` for every one; the default is `v2_5`).
//!
//! Each version module holds a view per composite datatype, segment, group and message
//! structure (`v2_5::OruR01`, `v2_5::segments::Pid`: `Copy` handles whose accessors read the
//! message's text when called, [`typed`]), and the static descriptor tables the generic runtime
//! is driven by:
//!
//! ```
//! # #[cfg(feature = "v2_5")] {
//! let v = &hl7_model::v2_5::VERSION;
//! let oru = v.resolve_structure("ORU", "R01", None).unwrap();
//! assert_eq!(oru.id, "ORU_R01");
//! assert_eq!(v.segment("PID").unwrap().fields[4].name, "Patient Name");
//! # }
//! ```
//!
//! Where to start: [`parse`] (any message from its bytes, decoded by its MSH-18 character
//! sets ([`charset`]), version and structure from its header, held as a
//! [`Message`]: its segments' text and group tree, about the size of what was sent) and
//! [`Message::typed`] for a version's views; [`path`] to read and write by `PID-5-1`;
//! [`build::MessageBuilder`] for new messages; [`validate`] for findings with HL7 error codes;
//! `json` (feature `serde`) for the JSON form; [`er7`] for the zero-copy tokenizer;
//! `#[hl7_model::segment]` and its siblings for a site's own Z-segments and structures.
//!
//! The runtime lives in the `hl7-runtime` crate and each version's models in a crate of their
//! own (`hl7-v2-5` …), so that versions compile in parallel and in bounded memory; this crate
//! re-exports them all under one name.

#![forbid(unsafe_code)]

// Lets generated code name `::hl7_model` inside this crate too.
extern crate self as hl7_model;

#[doc(inline)]
pub use hl7_runtime::*;

pub mod ack;
pub mod build;
pub mod message;

pub use message::{Message, ParseError, ParseOptions};

/// Parses one message from its bytes: MSH-18 and MSH-20 are read by an ASCII pre-scan, the
/// whole message is decoded to text by them ([`charset::decode`], default
/// [`charset::DecodeOptions`]), and only then split on its delimiters; version from MSH-12,
/// structure from MSH-9, with the default [`message::ParseOptions`]. Bytes the declared set
/// cannot hold are refused ([`ParseError::Charset`]) rather than altered.
///
/// ```
/// # #[cfg(feature = "v2_5")] {
/// let bytes: &[u8] = b"MSH|^~\\&|A||||20240101||ADT^A04|1|P|2.5\rPID|1||7||Doe^John\r";
/// let m = hl7_model::parse(bytes).unwrap();
/// assert_eq!(m.structure().id, "ADT_A01");
/// assert_eq!(m.get("PID-5-2").unwrap().as_deref(), Some("John"));
///
/// // 8859/1: é is the byte 0xE9.
/// let latin1: &[u8] = b"MSH|^~\\&|A||||||ADT^A04|1|P|2.5||||||8859/1\rPID|1||7||Ren\xe9e\r";
/// assert_eq!(hl7_model::parse(latin1).unwrap().get("PID-5-1").unwrap().as_deref(), Some("Renée"));
/// // Without MSH-18 the same byte is neither ASCII nor UTF-8.
/// assert!(matches!(
///     hl7_model::parse(b"MSH|^~\\&|A\rPID|1||\xe9\r"),
///     Err(hl7_model::ParseError::Charset(hl7_model::charset::CharsetError::Malformed { offset: 18, .. }))
/// ));
/// # }
/// ```
pub fn parse(message: impl AsRef<[u8]>) -> Result<Message, ParseError> {
    parse_bytes(
        message.as_ref(),
        &ParseOptions::default(),
        &Default::default(),
    )
    .map(|(m, _)| m)
}

/// Parses one message from its bytes as [`parse`] does, within `opts` and with `decode`'s
/// character set fallbacks; returns the message and how its bytes were read (the message
/// holds the text, so [`charset::Decoded::text`] is left empty).
pub fn parse_bytes(
    bytes: &[u8],
    opts: &ParseOptions,
    decode: &charset::DecodeOptions,
) -> Result<(Message, charset::Decoded), ParseError> {
    // The text is borrowed from `bytes` when they already are it (ASCII, UTF-8).
    let (text, decoded) = charset::decode_text(bytes, decode)?;
    Ok((message::parse_with(&text, opts)?, decoded))
}

include!(concat!(env!("OUT_DIR"), "/versions.rs"));
