//! ER7, the `|^~\&` text encoding of HL7 v2: a zero-copy tokenizer, delimiter detection,
//! batch envelopes and escape sequences.
//!
//! The input is a `&str` (character-set decoding happens before). Everything the tokenizer
//! hands out borrows from it:
//!
//! - [`Tokenized::parse`] reads one message; [`Batch::parse`] reads any text: `FHS`/`BHS` …
//!   `BTS`/`FTS` envelopes, or several messages one after another, or a single message.
//! - A [`Segment`] yields its [`Field`]s, a field its [`Repetition`]s, a repetition its
//!   [`Component`]s and a component its subcomponents, all as `&str` slices of the input.
//! - [`escape`] decodes and encodes escape sequences (`\F\`, `\X0D\`, `\.br\` …).
//!
//! ```
//! use hl7_model::er7::Tokenized;
//!
//! let text = "MSH|^~\\&|LAB||HIS||20240101||ORU^R01^ORU_R01|1|P|2.5\r\
//!             PID|1||123^^^HOSP^MR~456^^^NAT^NI||DOE^JOHN\r";
//! let msg = Tokenized::parse(text)?;
//! let pid = msg.segment("PID").unwrap();
//! let ids = pid.field(3).unwrap();
//! assert_eq!(ids.repetition(1).unwrap().component(5).unwrap().as_str(), "NI");
//! assert_eq!(pid.field(5).unwrap().component(2).unwrap().as_str(), "JOHN");
//! assert_eq!(msg.header().field(1).unwrap().as_str(), "|");
//! assert_eq!(msg.header().field(2).unwrap().as_str(), "^~\\&");
//! # Ok::<(), hl7_model::er7::Er7Error>(())
//! ```
//!
//! # What is read, and how leniently
//!
//! - Segments end with `\r`, `\n` or `\r\n`, in any mix; the last one may have none. Which
//!   were seen is in [`LineReport`]. Empty lines, and lines holding only whitespace or control
//!   characters (a stray MLLP `0x0B` byte, say), are skipped and counted; a non-empty skipped
//!   line is also a [`Finding`]. A byte order mark at the very start is skipped and reported.
//! - Each message takes its delimiters from its own MSH (each envelope segment from its own
//!   FHS/BHS); the rules are those of [`Delimiters::read_header`]. A header whose delimiters
//!   are unusable is an [`Er7Error`] giving the segment number and byte offset.
//! - Segment ids are not checked against any table: a line that is not a proper segment
//!   (a field continued after a raw line break, say) is kept as a segment of its own and
//!   reported ([`FindingKind::UnusualSegmentId`]). Segments ahead of the first MSH are kept
//!   too, tokenized with that MSH's delimiters ([`FindingKind::SegmentBeforeHeader`]).
//!
//! # What allocates
//!
//! [`Tokenized`] holds one `Vec` of segment views, [`Batch`] one `Vec` of items, and both a
//! `Vec` of findings (empty, so not allocated, for a clean message). Fields, repetitions,
//! components and subcomponents are found by scanning the segment text on each call: nothing
//! is allocated per value. [`escape::unescape`] and [`escape::escape`] allocate only when
//! there is something to decode or encode.

#![warn(missing_docs)]

pub mod batch;
pub mod escape;
pub mod tokenize;

pub use batch::{Batch, Item};
pub use tokenize::{
    Component, Components, Field, Fields, Line, LineReport, Lines, Repetition, Repetitions,
    Segment, Subcomponents, Terminator, TerminatorStyle, Tokenized, lines,
};

pub use crate::delimiters::{DelimiterError, DelimiterRole, Delimiters};

/// Why a text cannot be tokenized. Every variant that concerns a place in the text gives the
/// 1-based number of the segment (counting segments, not skipped lines, from the start of the
/// text handed to the parser) and the byte offset of its first character.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum Er7Error {
    /// The text holds no segment (it is empty, or only blank lines).
    #[error("the text holds no segment")]
    Empty,
    /// No `MSH` (or, for a batch, `FHS`/`BHS`) segment: this is not HL7 v2 ER7 text.
    #[error("no header segment: segment {segment} at byte {offset} is not preceded by any MSH")]
    MissingHeader {
        /// The first segment's number.
        segment: usize,
        /// The first segment's offset.
        offset: usize,
    },
    /// A header segment whose MSH-1/MSH-2 cannot be used.
    #[error("segment {segment} at byte {offset}: {source}")]
    BadHeader {
        /// The header's number.
        segment: usize,
        /// The header's offset.
        offset: usize,
        /// What is wrong with its delimiters.
        #[source]
        source: DelimiterError,
    },
    /// [`Tokenized::parse`] met a second MSH: the text holds several messages.
    #[error("segment {segment} at byte {offset}: a second MSH; read several messages as a Batch")]
    SecondMessage {
        /// The second MSH's number.
        segment: usize,
        /// The second MSH's offset.
        offset: usize,
    },
    /// [`Tokenized::parse`] met a batch header (`FHS`, `BHS`).
    #[error("segment {segment} at byte {offset}: a batch envelope segment; read it as a Batch")]
    EnvelopeInMessage {
        /// The envelope segment's number.
        segment: usize,
        /// The envelope segment's offset.
        offset: usize,
    },
    /// The text holds more segments than the caller's limit
    /// ([`Tokenized::parse_bounded`]).
    #[error("the text holds more than {limit} segments")]
    TooManySegments {
        /// The limit.
        limit: usize,
    },
}

impl Er7Error {
    /// The 1-based segment number, when the error concerns a segment.
    pub fn segment(&self) -> Option<usize> {
        match self {
            Er7Error::Empty | Er7Error::TooManySegments { .. } => None,
            Er7Error::MissingHeader { segment, .. }
            | Er7Error::BadHeader { segment, .. }
            | Er7Error::SecondMessage { segment, .. }
            | Er7Error::EnvelopeInMessage { segment, .. } => Some(*segment),
        }
    }

    /// The byte offset in the parsed text, when the error concerns a segment.
    pub fn offset(&self) -> Option<usize> {
        match self {
            Er7Error::Empty | Er7Error::TooManySegments { .. } => None,
            Er7Error::MissingHeader { offset, .. }
            | Er7Error::BadHeader { offset, .. }
            | Er7Error::SecondMessage { offset, .. }
            | Er7Error::EnvelopeInMessage { offset, .. } => Some(*offset),
        }
    }
}

/// Something unusual the tokenizer read past: nothing was lost, but the sender deviates.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Finding {
    /// The 1-based number of the segment concerned; for a skipped line or a byte order mark,
    /// the number the next segment gets.
    pub segment: usize,
    /// Byte offset in the parsed text.
    pub offset: usize,
    /// What was found.
    pub kind: FindingKind,
}

/// What a [`Finding`] is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum FindingKind {
    /// The text starts with a byte order mark (U+FEFF), skipped.
    ByteOrderMark,
    /// A segment line starts with an MLLP start block (0x0B), skipped: the text is a capture
    /// of MLLP frames. Their end blocks (0x1C) are reported as noise lines.
    MllpStartBlock,
    /// A line of only whitespace or control characters, skipped.
    NoiseLine {
        /// The line's length in bytes.
        len: usize,
    },
    /// A segment ahead of the message's MSH, kept and tokenized with that MSH's delimiters.
    SegmentBeforeHeader,
    /// A segment id that is not three characters, an upper-case letter then upper-case letters
    /// or digits: often a field continued after a raw line break.
    UnusualSegmentId,
    /// The header's MSH-2 held a doubled escape character, read as one
    /// (see [`Delimiters::read_header`]).
    RepairedEncodingCharacters,
    /// In a batch, a segment outside every message that is not an envelope segment.
    StraySegment,
    /// An envelope segment where the batch grammar does not allow it (a `BTS` with no open
    /// `BHS`, an `FHS` after the start, anything after `FTS` …).
    MisplacedEnvelope,
    /// A `BHS` (or `FHS`) left open: its `BTS` (`FTS`) is missing. Reported at the segment
    /// that should have followed the trailer (or at the end of the text).
    MissingTrailer {
        /// `BTS` is missing (else `FTS`).
        batch: bool,
    },
    /// `BTS-1` (messages in the batch) or `FTS-1` (batches in the file) disagrees with what the
    /// envelope holds.
    CountMismatch {
        /// `BTS-1` (else `FTS-1`).
        batch: bool,
        /// The count the trailer declares.
        declared: usize,
        /// What the envelope holds.
        found: usize,
    },
}

/// Whether `id` looks like a segment id: `[A-Z][A-Z0-9]{2}`.
fn is_regular_id(id: &str) -> bool {
    let b = id.as_bytes();
    b.len() == 3
        && b[0].is_ascii_uppercase()
        && b[1..]
            .iter()
            .all(|c| c.is_ascii_uppercase() || c.is_ascii_digit())
}
