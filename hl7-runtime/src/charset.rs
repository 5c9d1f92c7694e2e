//! Character sets: reading a message's bytes by its MSH-18 (and MSH-20), writing text back to
//! the bytes of its declared set, and mapping MSH-18 to and from DICOM (0008,0005) Specific
//! Character Set.
//!
//! Every path from bytes goes through [`decode`]: an ASCII pre-scan of the MSH line reads
//! every MSH-18 repetition and MSH-20 ([`Declared`]), the whole message is decoded to text,
//! and only then is it split on its delimiters. In ISO 2022, Shift_JIS, GBK and Big5 a trail
//! byte can equal `|`, `^`, `~`, `\` or `&` (`慈` is `3B 7C` in JIS X 0208), so splitting bytes
//! first would cut characters in half.
//!
//! ```
//! use hl7_model::charset::{decode, DecodeOptions};
//! // 8859/1: "Müller" with ü as the single byte 0xFC.
//! let bytes = b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||8859/1\rPID|1||7||M\xfcller^J\xfcrgen\r";
//! let d = decode(bytes, &DecodeOptions::default()).unwrap();
//! assert_eq!(d.charset.hl7, "8859/1");
//! assert!(d.text.contains("PID|1||7||Müller^Jürgen\r"));
//! assert_eq!(hl7_model::charset::encode(&d.text, &Default::default()).unwrap(), bytes);
//! ```
//!
//! The data comes from `schemas/charsets.yaml` through the generator: [`table`] holds every
//! table 0211 value with what the runtime does with it, and is the only copy the decoder,
//! the encoder and the DICOM mapping read.
//!
//! With MSH-20 `2.3`, the `\Cxxyy\` and `\Mxxyyzz\` escapes switch sets inside a field:
//! they are read as the ISO 2022 escape sequences they stand for (`\M2442\` is `ESC $ B`),
//! and [`encode`] writes them back as such escapes.
//!
//! What is not done: CNS 11643-1992 (EUC-TW) is refused, as no Rust crate decodes it; JIS X
//! 0201's 0x5C and 0x7E are read as `\` and `~` (they are the delimiters too), not as `¥` and
//! `‾`.

mod decode;
mod dicom;
mod encode;
mod header;
#[rustfmt::skip]
pub mod table;

pub use decode::{DecodeOptions, Decoded, Finding, decode, decode_all, decode_text};
pub use dicom::{
    DicomCharset, DicomError, DicomMapping, Msh18, dicom_byte_len, fits_dicom, from_dicom, to_dicom,
};
pub use encode::{EncodeOptions, encode};
pub use header::{Declared, prescan};

/// One HL7 table 0211 value and how the runtime handles it (a row of [`table::TABLE`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Charset {
    /// The MSH-18 code, exactly as written in the table (`8859/1`, `UNICODE UTF-8`).
    pub hl7: &'static str,
    /// The HL7 description.
    pub description: &'static str,
    /// The DICOM (0008,0005) defined term, if one is right for the value.
    pub dicom: Option<&'static str>,
    /// Whether `dicom` maps back to this code.
    pub dicom_maps_back: bool,
    /// The single value dcm4che's table gives (the widely deployed mapping).
    pub dcm4che: Option<&'static str>,
    /// The encoding_rs label the decoder works through, if any.
    pub label: Option<&'static str>,
    /// The true byte encoding (IANA name).
    pub charset: &'static str,
    /// How the bytes are decoded.
    pub decoder: Decoder,
    /// Whether a character can take more than one byte.
    pub multi_byte: bool,
    /// Whether the value needs ISO 2022 escape handling.
    pub iso2022: bool,
    /// Versions whose table lists the code.
    pub versions: &'static [&'static str],
    /// The version that deprecates the code.
    pub deprecated: Option<&'static str>,
}

/// How a value's bytes are decoded (the `decoder` column of `schemas/charsets.yaml`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Decoder {
    /// The encoding_rs encoding of the label, exact for the value.
    Encoding,
    /// Bytes below 0x80 only.
    Ascii,
    /// True ISO 8859-1: every byte is the code point of the same number.
    Latin1,
    /// ISO 8859-9: windows-1254 for 0xA0–0xFF, 0x80–0x9F kept as C1 controls.
    Latin5,
    /// JIS X 0201 single bytes: ASCII and half-width katakana.
    JisX0201,
    /// JIS X 0212 through ISO 2022 escapes.
    JisX0212,
    /// UTF-16: the byte order mark decides, big-endian without one.
    Utf16,
    /// UTF-32: the byte order mark decides, big-endian without one.
    Utf32,
    /// No decoder: the value is refused.
    Unsupported,
}

impl Charset {
    /// The row of MSH-18 code `code` (exact, case-sensitive, as the table writes it).
    pub fn by_hl7(code: &str) -> Option<&'static Charset> {
        table::TABLE.iter().find(|c| c.hl7 == code)
    }

    /// The row a DICOM defined term maps back to (`ISO 2022 IR n` forms included).
    pub fn by_dicom(term: &str) -> Option<&'static Charset> {
        let single = term
            .strip_prefix("ISO 2022 IR ")
            .map(|n| format!("ISO_IR {n}"));
        table::TABLE.iter().find(|c| {
            c.dicom_maps_back
                && c.dicom
                    .is_some_and(|d| d == term || single.as_deref() == Some(d))
        })
    }

    /// The encoding_rs encoding of the label (checked when the table is generated).
    pub(crate) fn encoding(&self) -> Option<&'static encoding_rs::Encoding> {
        self.label
            .and_then(|l| encoding_rs::Encoding::for_label(l.as_bytes()))
    }

    /// Whether the set's two-byte codes may end in bytes below 0x80 (Big5, GB 18030, and
    /// KS X 1001 as read here: the EUC-KR of the Encoding Standard is Unified Hangul Code,
    /// whose extension codes end in ASCII letters). ISO 2022 reserves those bytes for G0, so
    /// the set cannot be the default beside alternates reached by escapes.
    pub(crate) fn trail_bytes_below_0x80(&self) -> bool {
        self.encoding().is_some_and(|e| {
            e == encoding_rs::BIG5 || e == encoding_rs::GB18030 || e == encoding_rs::EUC_KR
        })
    }

    /// Whether the value can be read and written.
    pub fn supported(&self) -> bool {
        self.decoder != Decoder::Unsupported
    }

    /// The DICOM term when it is an ISO 2022 multi-byte term, valid only as value 2..n of
    /// (0008,0005).
    pub(crate) fn code_extension_only(&self) -> bool {
        self.multi_byte && self.dicom.is_some_and(|d| d.starts_with("ISO 2022"))
    }
}

/// The value an empty MSH-18 means.
pub fn ascii() -> &'static Charset {
    Charset::by_hl7("ASCII").expect("table 0211 lists ASCII")
}

/// Why bytes could not be read or text could not be written in a character set.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CharsetError {
    #[error("MSH-18 `{value}` is not a table 0211 value")]
    UnknownCharset { value: String },
    #[error(
        "MSH-18 `{code}` cannot be read: {reason}; ask the sender for UNICODE UTF-8, or pass a fallback"
    )]
    Unsupported {
        code: &'static str,
        reason: &'static str,
    },
    #[error("byte {offset} (0x{byte:02X}) is not valid {charset}")]
    Malformed {
        charset: &'static str,
        offset: usize,
        byte: u8,
    },
    #[error("unknown ISO 2022 escape sequence at byte {offset}")]
    UnknownEscape { offset: usize },
    #[error(
        "`{ch}` (U+{code:04X}) at character {offset} cannot be written in {charset}",
        code = u32::from(*ch)
    )]
    Unrepresentable {
        ch: char,
        charset: String,
        offset: usize,
    },
    #[error("the message is {len} bytes, above the limit of {limit}")]
    TooLong { len: usize, limit: usize },
    #[error("no MSH segment found to read MSH-18 from")]
    NoHeader,
}
