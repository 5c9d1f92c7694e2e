//! Reading the text of one message: explicit limits, its segment lines and the delimiters its
//! header declares. The version and structure resolution of `hl7_model::message` is built on
//! this.

/// Limits and fallbacks of parsing (`hl7_model::message::parse_with`). Every limit is explicit so that hostile input
/// cannot make the parser use unbounded memory.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ParseOptions {
    /// The version used when MSH-12 is empty or unreadable (`"2.5"`).
    pub default_version: String,
    /// Whether a version not compiled in (`2.9`, `2.5.2`) is read as the nearest lower one
    /// that is (docs/conformance.md §1). When false, such a message is an error.
    pub fall_back_to_lower_version: bool,
    /// Longest message accepted, in bytes.
    pub max_message_len: usize,
    /// Most segments accepted in one message.
    pub max_segments: usize,
    /// Most repetitions accepted in one field (`~`-separated values of one field).
    pub max_repetitions: usize,
    /// Most segments accepted in a text of several messages or a batch
    /// (`hl7_model::message::parse_all`), envelope segments included; each message is then
    /// held to the other limits.
    pub max_batch_segments: usize,
    /// The versions a message may be read as, in version order; `None` for every version
    /// compiled into hl7-model (`hl7_model::VERSIONS`). A crate that generates a version of
    /// its own (a site's profile, with `hl7_codegen::build`) lists it here.
    pub versions: Option<&'static [&'static crate::descriptor::VersionDesc]>,
    /// Whether a message whose type no compiled version defines is read as
    /// [`crate::grammar::GENERIC`] (every segment kept, in order) rather than refused with
    /// [`ParseError::UnknownStructure`].
    pub generic_for_unknown_types: bool,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions {
            default_version: "2.5".to_owned(),
            fall_back_to_lower_version: true,
            max_message_len: 16 * 1024 * 1024,
            max_segments: 100_000,
            max_repetitions: 10_000,
            max_batch_segments: 1_000_000,
            versions: None,
            generic_for_unknown_types: true,
        }
    }
}

impl ParseOptions {
    /// The defaults: version 2.5 when MSH-12 is unreadable, the nearest lower version when
    /// MSH-12 names one not compiled in, 16 MiB, 100 000 segments and 10 000 repetitions of a
    /// field at most, 1 000 000 segments in a batch, every compiled version, and the generic
    /// structure for types no version defines.
    ///
    /// ```
    /// use hl7_model::message::{ParseError, ParseOptions, parse_with};
    /// let opts = ParseOptions::new().max_segments(2).default_version("2.4");
    /// let text = "MSH|^~\\&|A||||||ADT^A01|1|P\rEVN|A01\rPID|1\r";
    /// assert_eq!(parse_with(text, &opts).unwrap_err(), ParseError::TooManySegments { limit: 2 });
    /// ```
    pub fn new() -> ParseOptions {
        ParseOptions::default()
    }

    /// The version read when MSH-12 is empty or unreadable (`"2.5"`).
    pub fn default_version(mut self, version: impl Into<String>) -> Self {
        self.default_version = version.into();
        self
    }

    /// Whether a version not compiled in is read as the nearest lower one that is.
    pub fn fall_back_to_lower_version(mut self, yes: bool) -> Self {
        self.fall_back_to_lower_version = yes;
        self
    }

    /// The longest message accepted, in bytes.
    pub fn max_message_len(mut self, bytes: usize) -> Self {
        self.max_message_len = bytes;
        self
    }

    /// The most segments accepted in one message.
    pub fn max_segments(mut self, segments: usize) -> Self {
        self.max_segments = segments;
        self
    }

    /// The most repetitions accepted in one field.
    ///
    /// ```
    /// use hl7_model::message::{ParseError, ParseOptions, parse_with};
    /// let text = "MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1||1~2~3\r";
    /// let err = parse_with(text, &ParseOptions::new().max_repetitions(2)).unwrap_err();
    /// assert_eq!(err, ParseError::TooManyRepetitions { segment: 2, id: "PID".into(), field: 3, limit: 2 });
    /// assert!(parse_with(text, &ParseOptions::new().max_repetitions(3)).is_ok());
    /// ```
    pub fn max_repetitions(mut self, repetitions: usize) -> Self {
        self.max_repetitions = repetitions;
        self
    }

    /// The most segments accepted in a text of several messages or a batch, envelope
    /// segments included.
    ///
    /// ```
    /// use hl7_model::er7::Er7Error;
    /// use hl7_model::message::{ParseError, ParseOptions, parse_all};
    /// let text = "MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1\rMSH|^~\\&|A||||||ADT^A01|2|P|2.5\rPID|2\r";
    /// assert_eq!(parse_all(text, &ParseOptions::new().max_batch_segments(4)).unwrap().len(), 2);
    /// assert_eq!(
    ///     parse_all(text, &ParseOptions::new().max_batch_segments(3)).unwrap_err(),
    ///     ParseError::Er7(Er7Error::TooManySegments { limit: 3 })
    /// );
    /// ```
    pub fn max_batch_segments(mut self, segments: usize) -> Self {
        self.max_batch_segments = segments;
        self
    }

    /// The versions a message may be read as, in version order.
    pub fn versions(
        mut self,
        versions: &'static [&'static crate::descriptor::VersionDesc],
    ) -> Self {
        self.versions = Some(versions);
        self
    }

    /// Whether a type no compiled version defines is read with the generic structure.
    pub fn generic_for_unknown_types(mut self, yes: bool) -> Self {
        self.generic_for_unknown_types = yes;
        self
    }
}

/// Why a message could not be parsed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ParseError {
    #[error("the message is empty")]
    Empty,
    #[error(
        "the message is not UTF-8 (from byte {valid_up_to}); decode it from its MSH-18 character set first"
    )]
    NotUtf8 { valid_up_to: usize },
    #[error("the message is {len} bytes, above the limit of {limit}")]
    TooLong { len: usize, limit: usize },
    #[error("the message has more than {limit} segments")]
    TooManySegments { limit: usize },
    #[error("segment {segment} ({id}) field {field} has more than {limit} repetitions")]
    TooManyRepetitions {
        /// The segment's 1-based number in the message.
        segment: usize,
        id: String,
        field: usize,
        limit: usize,
    },
    #[error("a message starts with MSH; this one starts with `{found}`")]
    NoHeader { found: String },
    #[error("MSH-12 version `{sent}` is not compiled in (versions: {available})")]
    UnknownVersion { sent: String, available: String },
    #[error("MSH-9 `{msg_type}^{event}` names no structure of v{version}{}", structure.as_ref().map_or(String::new(), |s| format!(" (MSH-9.3 `{s}`)")))]
    UnknownStructure {
        msg_type: String,
        event: String,
        structure: Option<String>,
        version: &'static str,
    },
    #[error("splitting the messages: {0}")]
    Er7(#[from] crate::er7::Er7Error),
    #[error("character set: {0}")]
    Charset(#[from] crate::charset::CharsetError),
}

/// Tokenizes the one message `text` holds ([`crate::er7::Tokenized`]), within the limits of
/// `opts`: every reader of one message takes its segments and delimiters
/// from here, so that all follow the tokenizer's rules for lines (docs/conformance.md §2):
/// `\r`, `\n` or `\r\n` end a segment; empty lines and lines of only whitespace or control
/// characters are skipped (the latter reported in the tokenizer's findings); a byte order mark
/// and MLLP framing are skipped; segments ahead of the MSH are kept.
///
/// ```
/// use hl7_model::message::{ParseError, ParseOptions, tokenize};
/// let text = "MSH|^~\\&|A||||||ADT^A01|1|P|2.5\r\n\r\nPID|1\r";
/// let m = tokenize(text, &ParseOptions::default()).unwrap();
/// let ids: Vec<&str> = m.segments().iter().map(|s| s.id()).collect();
/// assert_eq!(ids, ["MSH", "PID"]);
/// let tight = ParseOptions { max_segments: 1, ..ParseOptions::default() };
/// assert_eq!(tokenize(text, &tight), Err(ParseError::TooManySegments { limit: 1 }));
/// assert!(matches!(tokenize("PID|1\r", &ParseOptions::default()), Err(ParseError::NoHeader { .. })));
/// ```
pub fn tokenize<'a>(
    text: &'a str,
    opts: &ParseOptions,
) -> Result<crate::er7::Tokenized<'a>, ParseError> {
    use crate::er7::Er7Error;
    if text.len() > opts.max_message_len {
        return Err(ParseError::TooLong {
            len: text.len(),
            limit: opts.max_message_len,
        });
    }
    let tokens =
        crate::er7::Tokenized::parse_bounded(text, opts.max_segments).map_err(|e| match e {
            Er7Error::Empty => ParseError::Empty,
            Er7Error::TooManySegments { limit } => ParseError::TooManySegments { limit },
            Er7Error::MissingHeader { offset, .. } => ParseError::NoHeader {
                found: text.get(offset..).unwrap_or("").chars().take(3).collect(),
            },
            e => ParseError::Er7(e),
        })?;
    check_repetitions(&tokens, opts.max_repetitions)?;
    Ok(tokens)
}

/// Refuses a message with a field of more than `limit` repetitions. Fields are read lazily,
/// so this is the one place the limit can hold for every reader; a segment holding fewer
/// repetition separators than the limit in all is passed over without splitting it.
fn check_repetitions(tokens: &crate::er7::Tokenized<'_>, limit: usize) -> Result<(), ParseError> {
    let rep = tokens.delimiters().repetition;
    for s in tokens.segments() {
        if s.as_str().matches(rep).count() < limit {
            continue;
        }
        for (i, f) in s.fields().enumerate() {
            // MSH-2 holds the repetition separator itself.
            if s.is_header() && i < 2 {
                continue;
            }
            if f.repetition_count() > limit {
                return Err(ParseError::TooManyRepetitions {
                    segment: s.number(),
                    id: s.id().to_owned(),
                    field: i + 1,
                    limit,
                });
            }
        }
    }
    Ok(())
}

/// The segments' text of a tokenized message, in arrival order.
pub fn segment_lines<'a>(m: &crate::er7::Tokenized<'a>) -> Vec<&'a str> {
    m.segments().iter().map(|s| s.as_str()).collect()
}
