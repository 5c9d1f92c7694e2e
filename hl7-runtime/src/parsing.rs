//! Reading the text of one message: explicit limits, its segment lines, the delimiters its
//! header declares, and construction into a given structure by the grammar. The version and
//! structure resolution of `hl7_model::message` is built on this.

use crate::delimiters::{DelimiterError, Delimiters};
use crate::grammar::{Assignment, assign};
use crate::group::{Group, encode_group};

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
    /// Whether a message whose type no compiled version defines is read as
    /// [`crate::group::GenericMessage`] (every segment kept, in order) rather than refused with
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
            generic_for_unknown_types: true,
        }
    }
}

/// Why a message could not be parsed into a typed structure.
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
    #[error("a message starts with MSH; this one starts with `{found}`")]
    NoHeader { found: String },
    #[error("MSH-1/MSH-2: {0}")]
    Delimiters(#[from] DelimiterError),
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
    #[error("the message is of structure {found}, not {expected}")]
    WrongStructure {
        expected: &'static str,
        found: &'static str,
    },
}

/// The segments of one message, split on `\r`, `\n` or `\r\n`; empty lines are skipped, and
/// so is a byte order mark before the first segment. MLLP framing, as a file captured from a
/// connection holds it, is skipped too: a start block (0x0B) before a header, and a line
/// holding only a start or an end block (0x1C).
pub fn segments(text: &str) -> impl Iterator<Item = &str> {
    use crate::er7::tokenize::starts_frame;
    text.strip_prefix('\u{feff}')
        .unwrap_or(text)
        .split(['\r', '\n'])
        .map(|l| if starts_frame(l) { &l[1..] } else { l })
        .filter(|l| !matches!(*l, "" | "\u{b}" | "\u{1c}"))
}

/// The segment lines of the one message `text` holds, within the limits of `opts`, and its
/// header line.
pub fn message_lines<'a>(
    text: &'a str,
    opts: &ParseOptions,
) -> Result<(Vec<&'a str>, &'a str), ParseError> {
    if text.len() > opts.max_message_len {
        return Err(ParseError::TooLong {
            len: text.len(),
            limit: opts.max_message_len,
        });
    }
    let lines: Vec<&str> = segments(text)
        .take(opts.max_segments.saturating_add(1))
        .collect();
    if lines.len() > opts.max_segments {
        return Err(ParseError::TooManySegments {
            limit: opts.max_segments,
        });
    }
    // Lines before the header (noise from a file or a transport) are kept, as unexpected
    // segments ahead of MSH, so that the message still writes back as it was read.
    let first = *lines.first().ok_or(ParseError::Empty)?;
    let header_line = lines
        .iter()
        .copied()
        .find(|l| l.starts_with("MSH"))
        .unwrap_or(first);
    refuse_second_message(text, &lines, header_line)?;
    Ok((lines, header_line))
}

/// One message holds one MSH and no batch header: text holding more is refused (read it with
/// `hl7_model::message::parse_all`) rather than read as one message with the others' segments out of place.
fn refuse_second_message(text: &str, lines: &[&str], header: &str) -> Result<(), ParseError> {
    for (i, line) in lines.iter().enumerate() {
        let id = crate::element::segment_id(line);
        let at = || (i + 1, line.as_ptr() as usize - text.as_ptr() as usize);
        match id {
            "MSH" if !std::ptr::eq(*line, header) => {
                let (segment, offset) = at();
                return Err(crate::er7::Er7Error::SecondMessage { segment, offset }.into());
            }
            // A batch's headers mean several messages; a stray trailer (`BTS` after a single
            // message, as some senders write) is kept as an unexpected segment.
            "FHS" | "BHS" => {
                let (segment, offset) = at();
                return Err(crate::er7::Er7Error::EnvelopeInMessage { segment, offset }.into());
            }
            _ => {}
        }
    }
    Ok(())
}

/// The delimiters the header line declares; the line must be an MSH.
pub fn header_delimiters(line: &str) -> Result<Delimiters, ParseError> {
    if !line.starts_with("MSH") {
        return Err(ParseError::NoHeader {
            found: line.chars().take(3).collect(),
        });
    }
    Ok(Delimiters::from_header(line)?)
}

/// Parses one message into `g` (a structure, whatever the message's MSH-9 says), within the
/// limits of `opts`: the grammar assigns its segments ([`crate::grammar`]). Gives the delimiters
/// MSH-1/MSH-2 declared and where each segment went.
///
/// Every structure also has this as `parse`:
///
/// ```
/// use hl7_model::v2_5::structures::OruR01;
///
/// let text = "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||7\rOBR|1\rOBX|1|NM|GLU||5.4\r";
/// let oru = OruR01::parse(text).unwrap();
/// assert_eq!(oru.patient_result[0].order_observation[0].observation[0].obx.observation_value[0].as_str(), Some("5.4"));
/// assert_eq!(oru.to_er7(), text);
/// ```
pub fn parse_into(
    text: &str,
    g: &mut dyn Group,
    opts: &ParseOptions,
) -> Result<(Delimiters, Assignment), ParseError> {
    let (lines, header_line) = message_lines(text, opts)?;
    let d = header_delimiters(header_line)?;
    let assignment = assign(g, lines, &d);
    Ok((d, assignment))
}

/// A message in ER7, segments ended by `\r`, with the delimiters its own MSH-1/MSH-2 declare
/// (the standard ones when it has no readable header).
pub fn to_er7(g: &dyn Group) -> String {
    let mut out = String::new();
    encode_group(g, &mut out, &crate::path::delimiters_of(g));
    out
}
