//! Lines, segments and the views into them: the zero-copy part of the tokenizer.

use std::ops::Range;
use std::str::Split;

use super::{Er7Error, Finding, FindingKind, is_regular_id};
use crate::delimiters::{Delimiters, HeaderDelimiters};

/// How a line ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Terminator {
    /// `\r`, the HL7 segment terminator.
    Cr,
    /// `\n`, from files, e-mail or FTP.
    Lf,
    /// `\r\n`, from Windows tools.
    CrLf,
    /// Nothing: the last line of a text that does not end with a terminator.
    None,
}

impl Terminator {
    /// The terminator's characters (empty for [`Terminator::None`]).
    pub fn as_str(self) -> &'static str {
        match self {
            Terminator::Cr => "\r",
            Terminator::Lf => "\n",
            Terminator::CrLf => "\r\n",
            Terminator::None => "",
        }
    }
}

/// Which terminators a text used, in summary.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TerminatorStyle {
    /// A single line with no terminator at all.
    None,
    /// Only `\r`.
    Cr,
    /// Only `\n`.
    Lf,
    /// Only `\r\n`.
    CrLf,
    /// More than one kind.
    Mixed,
}

/// One physical line of a text, without its terminator.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Line<'a> {
    /// The line, without its terminator.
    pub text: &'a str,
    /// Byte offset of `text` in the text that was split.
    pub offset: usize,
    /// How the line ended.
    pub terminator: Terminator,
}

impl Line<'_> {
    /// Whether the tokenizer skips this line: it is empty or holds only whitespace and control
    /// characters (padding, a stray MLLP byte), so it cannot be a segment.
    pub fn is_blank(&self) -> bool {
        self.text
            .chars()
            .all(|c| c.is_whitespace() || c.is_control())
    }
}

/// The lines of a text split at `\r`, `\n` and `\r\n` (see [`lines`]).
#[derive(Debug, Clone)]
pub struct Lines<'a> {
    text: &'a str,
    pos: usize,
}

/// Splits `text` into lines at every `\r`, `\n` or `\r\n`. A text ending with a terminator has
/// no empty last line; `\n\r` is two terminators around an empty line.
///
/// ```
/// use hl7_model::er7::{lines, Terminator};
/// let l: Vec<_> = lines("A|1\r\nB|2\n\nC|3").map(|l| (l.text, l.terminator)).collect();
/// assert_eq!(
///     l,
///     [("A|1", Terminator::CrLf), ("B|2", Terminator::Lf), ("", Terminator::Lf), ("C|3", Terminator::None)]
/// );
/// ```
pub fn lines(text: &str) -> Lines<'_> {
    Lines { text, pos: 0 }
}

impl<'a> Iterator for Lines<'a> {
    type Item = Line<'a>;

    fn next(&mut self) -> Option<Line<'a>> {
        let rest = self.text.get(self.pos..).filter(|r| !r.is_empty())?;
        let offset = self.pos;
        let Some(end) = rest.find(['\r', '\n']) else {
            self.pos = self.text.len();
            return Some(Line {
                text: rest,
                offset,
                terminator: Terminator::None,
            });
        };
        let bytes = rest.as_bytes();
        let (terminator, len) = match (bytes[end], bytes.get(end + 1)) {
            (b'\r', Some(b'\n')) => (Terminator::CrLf, 2),
            (b'\r', _) => (Terminator::Cr, 1),
            _ => (Terminator::Lf, 1),
        };
        self.pos += end + len;
        Some(Line {
            text: &rest[..end],
            offset,
            terminator,
        })
    }
}

impl std::iter::FusedIterator for Lines<'_> {}

/// Terminators seen and lines skipped in a message, a batch or part of one.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
pub struct LineReport {
    /// Lines ended by `\r`.
    pub cr: usize,
    /// Lines ended by `\n`.
    pub lf: usize,
    /// Lines ended by `\r\n`.
    pub crlf: usize,
    /// The last line has no terminator (normal for text cut from a stream or a string literal).
    pub unterminated: bool,
    /// Empty lines skipped.
    pub blank_lines: usize,
    /// Non-empty lines skipped because they hold only whitespace or control characters.
    pub noise_lines: usize,
}

impl LineReport {
    /// Which terminator the text used, or [`TerminatorStyle::Mixed`].
    pub fn style(&self) -> TerminatorStyle {
        match (self.cr > 0, self.lf > 0, self.crlf > 0) {
            (false, false, false) => TerminatorStyle::None,
            (true, false, false) => TerminatorStyle::Cr,
            (false, true, false) => TerminatorStyle::Lf,
            (false, false, true) => TerminatorStyle::CrLf,
            _ => TerminatorStyle::Mixed,
        }
    }

    pub(crate) fn add(&mut self, line: &ScanLine<'_>) {
        match line.line.terminator {
            Terminator::Cr => self.cr += 1,
            Terminator::Lf => self.lf += 1,
            Terminator::CrLf => self.crlf += 1,
            Terminator::None => self.unterminated = true,
        }
        match line.kind {
            LineKind::Segment => {}
            LineKind::Blank => self.blank_lines += 1,
            LineKind::Noise => self.noise_lines += 1,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum LineKind {
    Segment,
    Blank,
    Noise,
}

/// A line as the parsers see it: classified, and numbered when it is a segment.
#[derive(Debug, Clone, Copy)]
pub(crate) struct ScanLine<'a> {
    pub(crate) line: Line<'a>,
    pub(crate) kind: LineKind,
    /// The segment's 1-based number; for a skipped line, the next segment's.
    pub(crate) number: usize,
    /// The line began with an MLLP start block (0x0B), which is not part of `line.text`.
    pub(crate) framed: bool,
}

/// The whole text split into classified lines.
pub(crate) struct Scan<'a> {
    pub(crate) lines: Vec<ScanLine<'a>>,
    pub(crate) bom: bool,
}

/// Splits and classifies the lines of `text`, refusing it once it holds more than
/// `max_segments` segments: the limit is checked as lines are read, so that a hostile text
/// is refused before its lines are all held.
pub(crate) fn scan(text: &str, max_segments: usize) -> Result<Scan<'_>, Er7Error> {
    let bom = text.starts_with('\u{feff}');
    let start = if bom { '\u{feff}'.len_utf8() } else { 0 };
    let mut number = 1;
    let mut lines = Vec::new();
    for mut line in (Lines { text, pos: start }) {
        // A capture of MLLP frames: the start block is transport, not the segment's. A
        // frame begins with a header, so only a start block before one is taken as framing.
        let framed = starts_frame(line.text);
        if framed {
            line.text = &line.text[1..];
            line.offset += 1;
        }
        let kind = match (line.text.is_empty(), line.is_blank()) {
            (true, _) => LineKind::Blank,
            (false, true) => LineKind::Noise,
            (false, false) => LineKind::Segment,
        };
        if kind == LineKind::Segment && number > max_segments {
            return Err(Er7Error::TooManySegments {
                limit: max_segments,
            });
        }
        lines.push(ScanLine {
            line,
            kind,
            number,
            framed,
        });
        if kind == LineKind::Segment {
            number += 1;
        }
    }
    Ok(Scan { lines, bom })
}

/// The MLLP start block, which begins every frame on the wire; a file captured from a
/// connection holds it before each MSH.
pub const MLLP_START: char = '\u{b}';

/// Whether `line` is an MLLP start block followed by a header segment (`MSH`, or `FHS`/`BHS`
/// for a batch sent as one frame).
pub fn starts_frame(line: &str) -> bool {
    line.strip_prefix(MLLP_START)
        .and_then(|rest| rest.get(..3))
        .is_some_and(crate::delimiters::is_header)
}

/// The MLLP end block, which with a CR closes every frame.
pub const MLLP_END: char = '\u{1c}';

/// Segment kinds the tokenizer treats specially.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Special {
    /// `MSH`, `FHS`, `BHS`: declare delimiters; MSH-1/MSH-2 are not split.
    Header,
    /// `BTS`, `FTS`.
    Trailer,
}

/// Whether a line starts a header or a trailer. Every `MSH`/`FHS`/`BHS` prefix counts as a
/// header, so that a damaged one (`MSHH0`) is reported as a bad header rather than read as a
/// stray segment; trailers must be followed by a non-alphanumeric character or the end.
pub(crate) fn special(text: &str) -> Option<(Special, &str)> {
    let id = text.get(..3)?;
    match id {
        _ if crate::delimiters::is_header(id) => Some((Special::Header, id)),
        "BTS" | "FTS"
            if text[3..]
                .chars()
                .next()
                .is_none_or(|c| !c.is_alphanumeric()) =>
        {
            Some((Special::Trailer, id))
        }
        _ => None,
    }
}

/// Separators below the field level. A level that must not be split uses CR, which a segment
/// never contains (it ends one), the same trick as [`Delimiters::NO_SUBCOMPONENT`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Seps {
    pub(crate) repetition: char,
    pub(crate) component: char,
    pub(crate) subcomponent: char,
}

const NEVER: char = '\r';

impl Seps {
    pub(crate) const VERBATIM: Seps = Seps {
        repetition: NEVER,
        component: NEVER,
        subcomponent: NEVER,
    };

    pub(crate) fn of(d: &Delimiters) -> Seps {
        Seps {
            repetition: d.repetition,
            component: d.component,
            subcomponent: d.subcomponent,
        }
    }
}

fn nth_part(text: &str, sep: char, n: usize) -> Option<&str> {
    text.split(sep).nth(n)
}

fn is_null(text: &str) -> bool {
    text == "\"\""
}

/// One segment: a slice of the input with the delimiters of its message.
///
/// Fields are numbered as HL7 numbers them, from 1 after the segment id. In header segments
/// (`MSH`, `FHS`, `BHS`) field 1 is the field separator itself and field 2 the encoding
/// characters, both returned verbatim and never split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Segment<'a> {
    text: &'a str,
    offset: usize,
    number: usize,
    terminator: Terminator,
    delimiters: Delimiters,
    header: bool,
}

impl<'a> Segment<'a> {
    pub(crate) fn new(line: &ScanLine<'a>, delimiters: Delimiters) -> Segment<'a> {
        let text = line.line.text;
        let header = matches!(special(text), Some((Special::Header, _)))
            && text[3..].starts_with(delimiters.field);
        Segment {
            text,
            offset: line.line.offset,
            number: line.number,
            terminator: line.line.terminator,
            delimiters,
            header,
        }
    }

    /// The segment's text, without its terminator.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// The segment id (`PID`, `ZPI` …): the text before the first field separator.
    pub fn id(&self) -> &'a str {
        if self.header {
            &self.text[..3]
        } else {
            self.text.split(self.delimiters.field).next().unwrap_or("")
        }
    }

    /// Byte offset of the segment in the text that was parsed.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// 1-based number of the segment in the text that was parsed (skipped lines not counted).
    pub fn number(&self) -> usize {
        self.number
    }

    /// How the segment's line ended in the input.
    pub fn terminator(&self) -> Terminator {
        self.terminator
    }

    /// The delimiters the segment is tokenized with.
    pub fn delimiters(&self) -> &Delimiters {
        &self.delimiters
    }

    /// Whether this is a header segment (`MSH`, `FHS`, `BHS`) whose fields 1 and 2 are its
    /// delimiters.
    pub fn is_header(&self) -> bool {
        self.header
    }

    /// Field `n` (1-based), or `None` beyond the last field sent (or for `n == 0`: use
    /// [`Segment::id`]).
    ///
    /// ```
    /// # use hl7_model::er7::Tokenized;
    /// let msg = Tokenized::parse("MSH|^~\\&|A\rPID|1||X^Y&Z\r")?;
    /// let pid = msg.segment("PID").unwrap();
    /// let f3 = pid.field(3).unwrap();
    /// assert_eq!(f3.repetition(0).unwrap().component(2).unwrap().subcomponent(2), Some("Z"));
    /// assert!(pid.field(2).unwrap().is_empty());
    /// assert!(pid.field(4).is_none());
    /// # Ok::<(), hl7_model::er7::Er7Error>(())
    /// ```
    pub fn field(&self, n: usize) -> Option<Field<'a>> {
        if n == 0 {
            return None;
        }
        let f = self.delimiters.field;
        if self.header {
            match n {
                1 => Some(Field::verbatim(&self.text[3..3 + f.len_utf8()])),
                2 => nth_part(self.text, f, 1).map(Field::verbatim),
                _ => nth_part(self.text, f, n - 1).map(|t| Field::new(t, &self.delimiters)),
            }
        } else {
            nth_part(self.text, f, n).map(|t| Field::new(t, &self.delimiters))
        }
    }

    /// The fields, from field 1.
    pub fn fields(&self) -> Fields<'a> {
        let mut parts = self.text.split(self.delimiters.field);
        parts.next();
        Fields {
            parts,
            seps: Seps::of(&self.delimiters),
            separator: self
                .header
                .then(|| &self.text[3..3 + self.delimiters.field.len_utf8()]),
            verbatim_next: self.header,
        }
    }

    /// How many fields were sent (trailing empty ones included).
    pub fn field_count(&self) -> usize {
        let parts = self.text.split(self.delimiters.field).count();
        if self.header { parts } else { parts - 1 }
    }
}

/// Iterator over a segment's fields (see [`Segment::fields`]).
#[derive(Debug, Clone)]
pub struct Fields<'a> {
    parts: Split<'a, char>,
    seps: Seps,
    /// MSH-1, still to be yielded.
    separator: Option<&'a str>,
    /// The next part is MSH-2.
    verbatim_next: bool,
}

impl<'a> Iterator for Fields<'a> {
    type Item = Field<'a>;

    fn next(&mut self) -> Option<Field<'a>> {
        if let Some(sep) = self.separator.take() {
            return Some(Field::verbatim(sep));
        }
        let text = self.parts.next()?;
        let seps = if std::mem::take(&mut self.verbatim_next) {
            Seps::VERBATIM
        } else {
            self.seps
        };
        Some(Field { text, seps })
    }
}

/// One field with all its repetitions.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Field<'a> {
    text: &'a str,
    seps: Seps,
}

impl<'a> Field<'a> {
    fn new(text: &'a str, d: &Delimiters) -> Field<'a> {
        Field {
            text,
            seps: Seps::of(d),
        }
    }

    fn verbatim(text: &'a str) -> Field<'a> {
        Field {
            text,
            seps: Seps::VERBATIM,
        }
    }

    /// The field's text as sent, escape sequences included.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// Nothing was sent (an empty field).
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The field is `""`: present but null.
    pub fn is_null(&self) -> bool {
        is_null(self.text)
    }

    /// The repetitions. An empty field yields one empty repetition, as splitting does.
    pub fn repetitions(&self) -> Repetitions<'a> {
        Repetitions {
            parts: self.text.split(self.seps.repetition),
            seps: self.seps,
        }
    }

    /// Repetition `i`, counted from 0 as HL7 numbers repetitions.
    pub fn repetition(&self, i: usize) -> Option<Repetition<'a>> {
        self.repetitions().nth(i)
    }

    /// How many repetitions were sent (1 for an empty field).
    pub fn repetition_count(&self) -> usize {
        self.text.split(self.seps.repetition).count()
    }

    /// Component `n` (1-based) of the first repetition.
    pub fn component(&self, n: usize) -> Option<Component<'a>> {
        self.repetition(0)?.component(n)
    }
}

/// Iterator over a field's repetitions.
#[derive(Debug, Clone)]
pub struct Repetitions<'a> {
    parts: Split<'a, char>,
    seps: Seps,
}

impl<'a> Iterator for Repetitions<'a> {
    type Item = Repetition<'a>;

    fn next(&mut self) -> Option<Repetition<'a>> {
        let text = self.parts.next()?;
        Some(Repetition {
            text,
            seps: self.seps,
        })
    }
}

/// One repetition of a field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Repetition<'a> {
    text: &'a str,
    seps: Seps,
}

impl<'a> Repetition<'a> {
    /// The repetition's text as sent.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// Nothing was sent.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The repetition is `""`.
    pub fn is_null(&self) -> bool {
        is_null(self.text)
    }

    /// The components (at least one).
    pub fn components(&self) -> Components<'a> {
        Components {
            parts: self.text.split(self.seps.component),
            subcomponent: self.seps.subcomponent,
        }
    }

    /// Component `n` (1-based).
    pub fn component(&self, n: usize) -> Option<Component<'a>> {
        self.components().nth(n.checked_sub(1)?)
    }

    /// How many components were sent.
    pub fn component_count(&self) -> usize {
        self.text.split(self.seps.component).count()
    }
}

/// Iterator over a repetition's components.
#[derive(Debug, Clone)]
pub struct Components<'a> {
    parts: Split<'a, char>,
    subcomponent: char,
}

impl<'a> Iterator for Components<'a> {
    type Item = Component<'a>;

    fn next(&mut self) -> Option<Component<'a>> {
        let text = self.parts.next()?;
        Some(Component {
            text,
            subcomponent: self.subcomponent,
        })
    }
}

/// One component. Without a declared subcomponent separator it is never split.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Component<'a> {
    text: &'a str,
    subcomponent: char,
}

impl<'a> Component<'a> {
    /// The component's text as sent.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// Nothing was sent.
    pub fn is_empty(&self) -> bool {
        self.text.is_empty()
    }

    /// The component is `""`.
    pub fn is_null(&self) -> bool {
        is_null(self.text)
    }

    /// The subcomponents (at least one), as sent.
    pub fn subcomponents(&self) -> Subcomponents<'a> {
        Subcomponents {
            parts: self.text.split(self.subcomponent),
        }
    }

    /// Subcomponent `n` (1-based).
    pub fn subcomponent(&self, n: usize) -> Option<&'a str> {
        self.subcomponents().nth(n.checked_sub(1)?)
    }

    /// How many subcomponents were sent.
    pub fn subcomponent_count(&self) -> usize {
        self.subcomponents().count()
    }
}

/// Iterator over a component's subcomponents.
#[derive(Debug, Clone)]
pub struct Subcomponents<'a> {
    parts: Split<'a, char>,
}

impl<'a> Iterator for Subcomponents<'a> {
    type Item = &'a str;

    fn next(&mut self) -> Option<&'a str> {
        self.parts.next()
    }
}

/// One message: its segments as views into the input, with the delimiters its MSH declares.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Tokenized<'a> {
    text: &'a str,
    offset: usize,
    delimiters: Delimiters,
    encoding_characters: &'a str,
    segments: Vec<Segment<'a>>,
    header: usize,
    report: LineReport,
    findings: Vec<Finding>,
}

impl<'a> Tokenized<'a> {
    /// Tokenizes a text holding one message.
    ///
    /// Segments before the MSH are kept (and reported); a second MSH or a batch header (`FHS`,
    /// `BHS`) is an error: read such text with [`Batch::parse`](super::Batch::parse). A stray
    /// trailer (`BTS`, `FTS`), as some senders write after a single message, is kept as a
    /// segment and reported ([`FindingKind::MisplacedEnvelope`]).
    ///
    /// ```
    /// use hl7_model::er7::{Tokenized, TerminatorStyle};
    ///
    /// // Custom delimiters, LF terminators.
    /// let msg = Tokenized::parse("MSH$%#!($A$B\nPID$$$1%2%a(b\n")?;
    /// assert_eq!(msg.line_report().style(), TerminatorStyle::Lf);
    /// let f = msg.segment("PID").unwrap().field(3).unwrap();
    /// assert_eq!(f.component(3).unwrap().subcomponent(2), Some("b"));
    ///
    /// assert!(Tokenized::parse("PID|1").is_err());
    /// # Ok::<(), hl7_model::er7::Er7Error>(())
    /// ```
    pub fn parse(text: &'a str) -> Result<Tokenized<'a>, Er7Error> {
        Self::parse_bounded(text, usize::MAX)
    }

    /// [`Tokenized::parse`], refusing a text of more than `max_segments` segments
    /// ([`Er7Error::TooManySegments`]) before holding them all.
    ///
    /// ```
    /// use hl7_model::er7::{Er7Error, Tokenized};
    /// let text = "MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rEVN|A01\rPID|1\r";
    /// assert!(Tokenized::parse_bounded(text, 3).is_ok());
    /// assert_eq!(
    ///     Tokenized::parse_bounded(text, 2),
    ///     Err(Er7Error::TooManySegments { limit: 2 })
    /// );
    /// ```
    pub fn parse_bounded(text: &'a str, max_segments: usize) -> Result<Tokenized<'a>, Er7Error> {
        let scan = scan(text, max_segments)?;
        let mut header = None;
        let mut first = None;
        for (i, l) in scan.lines.iter().enumerate() {
            if l.kind != LineKind::Segment {
                continue;
            }
            first.get_or_insert(l);
            match special(l.line.text) {
                Some((Special::Header, "MSH")) if header.is_none() => header = Some(i),
                Some((Special::Header, "MSH")) => {
                    return Err(Er7Error::SecondMessage {
                        segment: l.number,
                        offset: l.line.offset,
                    });
                }
                Some((Special::Trailer, _)) => {}
                Some(_) => {
                    return Err(Er7Error::EnvelopeInMessage {
                        segment: l.number,
                        offset: l.line.offset,
                    });
                }
                None => {}
            }
        }
        let first = first.ok_or(Er7Error::Empty)?;
        let header = header.ok_or(Er7Error::MissingHeader {
            segment: first.number,
            offset: first.line.offset,
        })?;
        let h = read_header(&scan.lines[header])?;
        let mut msg = Tokenized::build(text, 0..text.len(), &scan.lines, header, h);
        if scan.bom {
            msg.findings.insert(
                0,
                Finding {
                    segment: 1,
                    offset: 0,
                    kind: FindingKind::ByteOrderMark,
                },
            );
        }
        Ok(msg)
    }

    /// Builds a message from the lines of `span` (which hold exactly one MSH, at
    /// `lines[header]`).
    pub(crate) fn build(
        source: &'a str,
        span: Range<usize>,
        lines: &[ScanLine<'a>],
        header: usize,
        h: HeaderDelimiters<'a>,
    ) -> Tokenized<'a> {
        let d = h.delimiters;
        let mut report = LineReport::default();
        let mut findings = Vec::new();
        let mut segments = Vec::with_capacity(lines.len());
        let mut header_index = 0;
        for (i, l) in lines.iter().enumerate() {
            report.add(l);
            let at = |kind| Finding {
                segment: l.number,
                offset: l.line.offset,
                kind,
            };
            match l.kind {
                LineKind::Blank => continue,
                LineKind::Noise => {
                    findings.push(at(FindingKind::NoiseLine {
                        len: l.line.text.len(),
                    }));
                    continue;
                }
                LineKind::Segment => {}
            }
            if l.framed {
                findings.push(at(FindingKind::MllpStartBlock));
            }
            let seg = Segment::new(l, d);
            if matches!(special(l.line.text), Some((Special::Trailer, _))) {
                findings.push(at(FindingKind::MisplacedEnvelope));
            }
            if i < header {
                findings.push(at(FindingKind::SegmentBeforeHeader));
            }
            if i == header {
                header_index = segments.len();
                if h.repaired_doubled_escape {
                    findings.push(at(FindingKind::RepairedEncodingCharacters));
                }
            } else if !is_regular_id(seg.id()) {
                findings.push(at(FindingKind::UnusualSegmentId));
            }
            segments.push(seg);
        }
        Tokenized {
            text: &source[span.clone()],
            offset: span.start,
            delimiters: d,
            encoding_characters: h.encoding_characters,
            segments,
            header: header_index,
            report,
            findings,
        }
    }

    /// The part of the input this message was read from, terminators and skipped lines
    /// included.
    pub fn as_str(&self) -> &'a str {
        self.text
    }

    /// Byte offset of [`Tokenized::as_str`] in the parsed text.
    pub fn offset(&self) -> usize {
        self.offset
    }

    /// The delimiters declared by the MSH.
    pub fn delimiters(&self) -> &Delimiters {
        &self.delimiters
    }

    /// MSH-2 exactly as sent.
    pub fn encoding_characters(&self) -> &'a str {
        self.encoding_characters
    }

    /// The MSH segment.
    pub fn header(&self) -> Segment<'a> {
        self.segments[self.header]
    }

    /// Every segment in order (including any kept ahead of the MSH).
    pub fn segments(&self) -> &[Segment<'a>] {
        &self.segments
    }

    /// The first segment with this id.
    pub fn segment(&self, id: &str) -> Option<Segment<'a>> {
        self.segments.iter().find(|s| s.id() == id).copied()
    }

    /// Every segment with this id, in order.
    pub fn segments_with_id<'s>(&'s self, id: &'s str) -> impl Iterator<Item = Segment<'a>> + 's {
        self.segments.iter().filter(move |s| s.id() == id).copied()
    }

    /// Terminators seen and lines skipped.
    pub fn line_report(&self) -> LineReport {
        self.report
    }

    /// What the tokenizer read past (see [`FindingKind`]).
    pub fn findings(&self) -> &[Finding] {
        &self.findings
    }

    /// Appends the message as ER7 with every segment ended by `\r` (skipped lines left out).
    pub fn write_er7(&self, out: &mut String) {
        for s in &self.segments {
            out.push_str(s.text);
            out.push('\r');
        }
    }

    /// The message as ER7 with `\r` terminators (see [`Tokenized::write_er7`]).
    pub fn to_er7(&self) -> String {
        let mut out = String::with_capacity(self.text.len() + 1);
        self.write_er7(&mut out);
        out
    }
}

pub(crate) fn read_header<'a>(l: &ScanLine<'a>) -> Result<HeaderDelimiters<'a>, Er7Error> {
    Delimiters::read_header(l.line.text).map_err(|source| Er7Error::BadHeader {
        segment: l.number,
        offset: l.line.offset,
        source,
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::delimiters::DelimiterError;

    #[test]
    fn lines_accept_every_terminator() {
        let got: Vec<_> = lines("A\rB\nC\r\nD\n\rE")
            .map(|l| (l.text, l.terminator))
            .collect();
        assert_eq!(
            got,
            [
                ("A", Terminator::Cr),
                ("B", Terminator::Lf),
                ("C", Terminator::CrLf),
                ("D", Terminator::Lf),
                ("", Terminator::Cr),
                ("E", Terminator::None),
            ]
        );
        assert_eq!(lines("").count(), 0);
        assert_eq!(lines("\r").count(), 1);
        let offsets: Vec<_> = lines("ab\r\ncd").map(|l| l.offset).collect();
        assert_eq!(offsets, [0, 4]);
    }

    #[test]
    fn msh_fields_one_and_two_are_verbatim() {
        let m = Tokenized::parse("MSH|^~\\&|A^B|C\r").unwrap();
        let h = m.header();
        assert!(h.is_header());
        assert_eq!(h.id(), "MSH");
        assert_eq!(h.field_count(), 4);
        let f: Vec<_> = h.fields().map(|f| f.as_str()).collect();
        assert_eq!(f, ["|", "^~\\&", "A^B", "C"]);
        let msh2 = h.field(2).unwrap();
        assert_eq!(msh2.repetition_count(), 1);
        assert_eq!(msh2.component(1).unwrap().subcomponent_count(), 1);
        assert_eq!(h.fields().nth(1).unwrap().repetition_count(), 1);
        assert_eq!(h.field(3).unwrap().component(2).unwrap().as_str(), "B");
        assert!(h.field(0).is_none());
        assert!(h.field(5).is_none());
    }

    #[test]
    fn views_split_each_level() {
        let m = Tokenized::parse("MSH|^~\\&\rPID|a~b^c&d&e~\"\"|").unwrap();
        let pid = m.segment("PID").unwrap();
        assert_eq!(pid.field_count(), 2);
        let f = pid.field(1).unwrap();
        assert_eq!(f.repetition_count(), 3);
        let r1 = f.repetition(1).unwrap();
        assert_eq!(r1.component_count(), 2);
        let c2 = r1.component(2).unwrap();
        assert_eq!(c2.subcomponents().collect::<Vec<_>>(), ["c", "d", "e"]);
        assert_eq!(c2.subcomponent(0), None);
        assert_eq!(r1.component(0), None);
        assert!(f.repetition(2).unwrap().is_null());
        assert!(pid.field(2).unwrap().is_empty());
        assert_eq!(pid.field(2).unwrap().repetition_count(), 1);
    }

    #[test]
    fn three_encoding_characters_do_not_split_subcomponents() {
        let m = Tokenized::parse("MSH|^~\\|A\rPID|x&y^z").unwrap();
        assert!(!m.delimiters().has_subcomponent());
        let c = m
            .segment("PID")
            .unwrap()
            .field(1)
            .unwrap()
            .component(1)
            .unwrap();
        assert_eq!(c.subcomponents().collect::<Vec<_>>(), ["x&y"]);
    }

    #[test]
    fn report_counts_terminators_and_skipped_lines() {
        let m = Tokenized::parse("\u{feff}MSH|^~\\&\r\n\r\nPID|1\n\x0b\rPV1|1").unwrap();
        let r = m.line_report();
        assert_eq!((r.cr, r.lf, r.crlf), (1, 1, 2));
        assert!(r.unterminated);
        assert_eq!((r.blank_lines, r.noise_lines), (1, 1));
        assert_eq!(r.style(), TerminatorStyle::Mixed);
        let kinds: Vec<_> = m.findings().iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FindingKind::ByteOrderMark,
                FindingKind::NoiseLine { len: 1 }
            ]
        );
        assert_eq!(m.segments().len(), 3);
        assert_eq!(m.segments()[2].number(), 3);
        assert_eq!(m.to_er7(), "MSH|^~\\&\rPID|1\rPV1|1\r");
    }

    #[test]
    fn leading_segments_are_kept() {
        let m = Tokenized::parse("junk\rjunk\rMSH|^~\\&|X\rPID|1").unwrap();
        assert_eq!(m.segments().len(), 4);
        assert_eq!(m.header().number(), 3);
        let kinds: Vec<_> = m.findings().iter().map(|f| f.kind).collect();
        assert_eq!(
            kinds,
            [
                FindingKind::SegmentBeforeHeader,
                FindingKind::UnusualSegmentId,
                FindingKind::SegmentBeforeHeader,
                FindingKind::UnusualSegmentId,
            ]
        );
    }

    #[test]
    fn errors_are_typed_and_located() {
        assert_eq!(Tokenized::parse(""), Err(Er7Error::Empty));
        assert_eq!(Tokenized::parse("\r\n\n"), Err(Er7Error::Empty));
        assert_eq!(
            Tokenized::parse("\rPID|1"),
            Err(Er7Error::MissingHeader {
                segment: 1,
                offset: 1
            })
        );
        assert_eq!(
            Tokenized::parse("MSH|^~\\&\rPID|1\rMSH|^~\\&"),
            Err(Er7Error::SecondMessage {
                segment: 3,
                offset: 15
            })
        );
        assert_eq!(
            Tokenized::parse("FHS|^~\\&\rMSH|^~\\&"),
            Err(Er7Error::EnvelopeInMessage {
                segment: 1,
                offset: 0
            })
        );
        let e = Tokenized::parse("PID|1\nMSH|^~A&").unwrap_err();
        assert_eq!(
            e,
            Er7Error::BadHeader {
                segment: 2,
                offset: 6,
                source: DelimiterError::ReservedCharacter {
                    role: crate::delimiters::DelimiterRole::Escape,
                    ch: 'A'
                }
            }
        );
        assert_eq!((e.segment(), e.offset()), (Some(2), Some(6)));
        assert!(e.to_string().contains("segment 2 at byte 6"));
        assert!(matches!(
            Tokenized::parse("MSH"),
            Err(Er7Error::BadHeader {
                source: DelimiterError::MissingFieldSeparator,
                ..
            })
        ));
    }

    #[test]
    fn doubled_escape_is_repaired_and_reported() {
        let m = Tokenized::parse("MSH|^~\\\\&|A\rPID|a&b").unwrap();
        assert_eq!(*m.delimiters(), Delimiters::default());
        assert_eq!(m.encoding_characters(), "^~\\\\&");
        assert_eq!(m.header().field(2).unwrap().as_str(), "^~\\\\&");
        assert_eq!(
            m.findings()[0].kind,
            FindingKind::RepairedEncodingCharacters
        );
    }

    #[test]
    fn multibyte_field_separator() {
        let m = Tokenized::parse("MSH¦^~\\&¦A¦B\rPID¦1¦é^x").unwrap();
        assert_eq!(m.header().field(1).unwrap().as_str(), "¦");
        assert_eq!(m.header().field(4).unwrap().as_str(), "B");
        let pid = m.segment("PID").unwrap();
        assert_eq!(pid.id(), "PID");
        assert_eq!(pid.field(2).unwrap().component(1).unwrap().as_str(), "é");
    }

    #[test]
    fn segment_views_report_their_place() {
        let m = Tokenized::parse("MSH|^~\\&\r\nPID|1\r\nPID|2").unwrap();
        let pids: Vec<_> = m
            .segments_with_id("PID")
            .map(|s| (s.number(), s.offset(), s.terminator()))
            .collect();
        assert_eq!(pids, [(2, 10, Terminator::CrLf), (3, 17, Terminator::None)]);
        assert_eq!(m.line_report().style(), TerminatorStyle::CrLf);
        assert!(m.line_report().unterminated);
    }
}

#[cfg(test)]
mod trailer_tests {
    use super::*;

    #[test]
    fn a_stray_trailer_after_one_message_is_kept_and_reported() {
        let msg = Tokenized::parse("MSH|^~\\&|A\rPID|1\rBTS|1\r").unwrap();
        let ids: Vec<&str> = msg.segments().iter().map(|s| s.id()).collect();
        assert_eq!(ids, ["MSH", "PID", "BTS"]);
        assert_eq!(
            msg.findings(),
            [Finding {
                segment: 3,
                offset: 17,
                kind: FindingKind::MisplacedEnvelope
            }]
        );
        // A batch header still means several messages.
        assert!(matches!(
            Tokenized::parse("MSH|^~\\&|A\rBHS|^~\\&\r"),
            Err(Er7Error::EnvelopeInMessage { segment: 2, .. })
        ));
    }
}
