//! Escape sequences: decoding (`\F\` → `|`), encoding (`|` → `\F\`), and typed pieces for
//! callers that render formatted text.
//!
//! The sequences below are written with `\`, the usual escape character; every function uses
//! the escape character (and the other delimiters) of the [`Delimiters`] it is given.
//!
//! | Sequence | Meaning | [`unescape`] |
//! | --- | --- | --- |
//! | `\F\ \S\ \T\ \R\ \E\` | field, component, subcomponent, repetition separator, escape char | decoded |
//! | `\P\` | truncation character (2.7+, when MSH-2 declares one) | decoded |
//! | `\Xhhhh…\` | hex bytes | decoded when they are UTF-8, else kept as sent |
//! | `\H\ \N\` | highlighting on / normal | kept as sent |
//! | `\.br\ \.sp n\ \.fi\ \.nf\ \.in ±n\ \.ti ±n\ \.sk n\ \.ce\` | formatting | kept as sent |
//! | `\Cxxyy\ \Mxxyy\ \Mxxyyzz\` | character-set switches | kept as sent |
//!
//! Anything else between two escape characters (an unknown code, `\T\` without a declared
//! subcomponent separator, malformed hex) and an escape character with no closing one are
//! kept as literal text; [`decode`] reports them. Nothing panics and nothing is dropped.
//!
//! # Round trips, and formatted text
//!
//! The kept sequences stay in the decoded text with the message's escape character, so a
//! decoded value can hold both literal escape characters (from `\E\`) and formatting
//! commands. Two encoders tell them apart differently:
//!
//! - [`escape`] is for plain text: every escape character is written as `\E\`, so a value
//!   that says `C:\dir` is sent as `C:\E\dir`.
//! - [`escape_formatted`] is for text that may carry formatting: an escape character that
//!   starts a complete sequence of a kind [`unescape`] keeps (formatting, highlighting,
//!   character-set switch, hex that is not UTF-8) is written as is; every other one becomes
//!   `\E\`.
//!
//! So `unescape(&escape_formatted(&unescape(wire)))` equals `unescape(wire)` for any input:
//! formatting is never lost and never escaped twice. What the decoded string cannot tell
//! apart is an escaped escape character spelling a kept sequence (`\E\.br\E\`, the literal
//! text `\.br\`) from the sequence itself: both decode to `\.br\`, and both are sent back
//! as the command. [`pieces`] distinguishes them, for callers that render.
//! Values that never carry formatting (ST, ID, names …) can use either encoder; for text a
//! user typed into a plain field, [`escape`] is the right one.
//!
//! Line breaks inside a value cannot be sent raw (they end the segment): both encoders write
//! CR and LF as `\X0D\` and `\X0A\`, which [`unescape`] turns back into CR and LF.

use std::borrow::Cow;

use crate::delimiters::Delimiters;

/// A run of a value's wire text: literal text or one escape sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Piece<'a> {
    /// Text with no escape character in it.
    Text(&'a str),
    /// An escape sequence, or an escape character that does not start a valid one.
    Escape(Escape<'a>),
}

impl<'a> Piece<'a> {
    /// The piece's wire text.
    pub fn raw(&self) -> &'a str {
        match self {
            Piece::Text(t) => t,
            Piece::Escape(e) => e.raw,
        }
    }
}

/// One escape sequence as sent, and what it means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Escape<'a> {
    /// The sequence as sent, escape characters included.
    pub raw: &'a str,
    /// What it means.
    pub kind: EscapeKind<'a>,
}

/// What an escape sequence means.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EscapeKind<'a> {
    /// `\F\`
    Field,
    /// `\S\`
    Component,
    /// `\T\`
    Subcomponent,
    /// `\R\`
    Repetition,
    /// `\E\`
    EscapeCharacter,
    /// `\P\`
    Truncation,
    /// `\Xhhhh…\`: the hex digits (an even, non-zero number of them).
    Hex(&'a str),
    /// `\H\`: start highlighting.
    HighlightOn,
    /// `\N\`: normal text (end highlighting).
    HighlightOff,
    /// `\.xx\`: a formatting command.
    Format(Format),
    /// `\Cxxyy\`: single-byte character set switch (the four hex digits).
    SingleByteCharset(&'a str),
    /// `\Mxxyy\` or `\Mxxyyzz\`: multi-byte character set switch (the hex digits).
    MultiByteCharset(&'a str),
    /// Not a usable sequence: kept as literal text.
    Invalid(EscapeProblem),
}

/// A formatting command (FT, TX, CF data).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Format {
    /// `\.br\`: line break.
    LineBreak,
    /// `\.sp n\`: end the line and skip `n` lines (1 when no number is given).
    Space(u32),
    /// `\.fi\`: word wrap on.
    FillOn,
    /// `\.nf\`: word wrap off.
    FillOff,
    /// `\.in ±n\`: indent by `n` spaces (0 when no number is given).
    Indent(i32),
    /// `\.ti ±n\`: temporary indent for the next line.
    TemporaryIndent(i32),
    /// `\.sk n\`: skip `n` spaces to the right (1 when no number is given).
    Skip(u32),
    /// `\.ce\`: end the line and center the next one.
    Center,
}

/// Why an escape character does not start a usable sequence.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum EscapeProblem {
    /// No closing escape character before the end of the value (or a delimiter).
    Unterminated,
    /// An unknown code between two escape characters.
    Unknown,
    /// `\T\` with no subcomponent separator declared, `\P\` with no truncation character.
    Undeclared,
    /// `\X…\` with no digits, an odd number of digits, or a non-hex digit.
    BadHex,
    /// `\X…\` whose bytes are not UTF-8: kept as sent (reported by [`decode`] only; the piece
    /// itself is [`EscapeKind::Hex`]).
    HexNotUtf8,
}

impl EscapeKind<'_> {
    /// The character a delimiter escape stands for.
    pub fn delimiter(&self, d: &Delimiters) -> Option<char> {
        match self {
            EscapeKind::Field => Some(d.field),
            EscapeKind::Component => Some(d.component),
            EscapeKind::Subcomponent => d.has_subcomponent().then_some(d.subcomponent),
            EscapeKind::Repetition => Some(d.repetition),
            EscapeKind::EscapeCharacter => Some(d.escape),
            EscapeKind::Truncation => d.truncation,
            _ => None,
        }
    }

    /// Whether [`unescape`] keeps this sequence as sent and [`escape_formatted`] writes it
    /// back as is: highlighting, formatting and character-set switches.
    pub fn is_kept(&self) -> bool {
        matches!(
            self,
            EscapeKind::HighlightOn
                | EscapeKind::HighlightOff
                | EscapeKind::Format(_)
                | EscapeKind::SingleByteCharset(_)
                | EscapeKind::MultiByteCharset(_)
        )
    }
}

impl Escape<'_> {
    /// The bytes of a hex escape.
    pub fn hex_bytes(&self) -> Option<Vec<u8>> {
        match self.kind {
            EscapeKind::Hex(digits) => Some(hex_bytes(digits)),
            _ => None,
        }
    }
}

/// A place in a value where [`decode`] kept text as sent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct EscapeFinding {
    /// Byte offset in the value.
    pub offset: usize,
    /// Length in bytes of the text kept.
    pub len: usize,
    /// Why it was kept.
    pub problem: EscapeProblem,
}

/// A decoded value and what could not be decoded in it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded<'a> {
    /// Borrowed when nothing was decoded.
    pub text: Cow<'a, str>,
    /// Where text was kept as sent, in order.
    pub findings: Vec<EscapeFinding>,
}

/// Iterator over the [`Piece`]s of a value (see [`pieces`]).
#[derive(Debug, Clone)]
pub struct Pieces<'a> {
    text: &'a str,
    pos: usize,
    d: Delimiters,
}

/// Splits a value's wire text into literal text and typed escape sequences, for callers that
/// render formatted text or need to know exactly what was sent.
///
/// ```
/// use hl7_model::delimiters::Delimiters;
/// use hl7_model::er7::escape::{pieces, EscapeKind, Format, Piece};
///
/// let d = Delimiters::default();
/// let p: Vec<_> = pieces("a\\.br\\b\\F\\", &d).collect();
/// assert_eq!(p[0], Piece::Text("a"));
/// assert!(matches!(p[1], Piece::Escape(e) if e.kind == EscapeKind::Format(Format::LineBreak)));
/// assert_eq!(p[2], Piece::Text("b"));
/// assert!(matches!(p[3], Piece::Escape(e) if e.kind.delimiter(&d) == Some('|')));
/// ```
pub fn pieces<'a>(text: &'a str, d: &Delimiters) -> Pieces<'a> {
    Pieces {
        text,
        pos: 0,
        d: *d,
    }
}

impl Pieces<'_> {
    /// Byte offset of the next piece in the value.
    pub fn offset(&self) -> usize {
        self.pos
    }
}

impl<'a> Iterator for Pieces<'a> {
    type Item = Piece<'a>;

    fn next(&mut self) -> Option<Piece<'a>> {
        let rest = self.text.get(self.pos..).filter(|r| !r.is_empty())?;
        let esc = self.d.escape;
        match rest.find(esc) {
            Some(0) => {
                let (kind, len) = sequence_at(rest, &self.d);
                self.pos += len;
                Some(Piece::Escape(Escape {
                    raw: &rest[..len],
                    kind,
                }))
            }
            Some(i) => {
                self.pos += i;
                Some(Piece::Text(&rest[..i]))
            }
            None => {
                self.pos = self.text.len();
                Some(Piece::Text(rest))
            }
        }
    }
}

impl std::iter::FusedIterator for Pieces<'_> {}

/// Reads the escape sequence `rest` starts with (`rest` starts with the escape character):
/// its kind and its length in bytes.
fn sequence_at<'a>(rest: &'a str, d: &Delimiters) -> (EscapeKind<'a>, usize) {
    let esc_len = d.escape.len_utf8();
    let after = &rest[esc_len..];
    let Some(end) = after.find(d.escape) else {
        // Nothing closes it: the rest of the value is literal.
        return (EscapeKind::Invalid(EscapeProblem::Unterminated), rest.len());
    };
    let body = &after[..end];
    if body.chars().any(|c| d.is_delimiter(c)) {
        // A sequence never spans a delimiter: this escape character is alone, and the next
        // one may open a real sequence.
        return (EscapeKind::Invalid(EscapeProblem::Unterminated), esc_len);
    }
    (classify(body, d), esc_len + end + esc_len)
}

fn classify<'a>(body: &'a str, d: &Delimiters) -> EscapeKind<'a> {
    let undeclared = EscapeKind::Invalid(EscapeProblem::Undeclared);
    let unknown = EscapeKind::Invalid(EscapeProblem::Unknown);
    let hex = |s: &str| s.bytes().all(|b| b.is_ascii_hexdigit());
    match body {
        "F" => EscapeKind::Field,
        "S" => EscapeKind::Component,
        "T" if d.has_subcomponent() => EscapeKind::Subcomponent,
        "T" => undeclared,
        "R" => EscapeKind::Repetition,
        "E" => EscapeKind::EscapeCharacter,
        "P" if d.truncation.is_some() => EscapeKind::Truncation,
        "P" => undeclared,
        "H" => EscapeKind::HighlightOn,
        "N" => EscapeKind::HighlightOff,
        _ => {
            if let Some(digits) = body.strip_prefix('X') {
                if !digits.is_empty() && digits.len() % 2 == 0 && hex(digits) {
                    EscapeKind::Hex(digits)
                } else {
                    EscapeKind::Invalid(EscapeProblem::BadHex)
                }
            } else if let Some(code) = body.strip_prefix('C') {
                if code.len() == 4 && hex(code) {
                    EscapeKind::SingleByteCharset(code)
                } else {
                    unknown
                }
            } else if let Some(code) = body.strip_prefix('M') {
                if (code.len() == 4 || code.len() == 6) && hex(code) {
                    EscapeKind::MultiByteCharset(code)
                } else {
                    unknown
                }
            } else if let Some(cmd) = body.strip_prefix('.') {
                format(cmd).map_or(unknown, EscapeKind::Format)
            } else {
                unknown
            }
        }
    }
}

fn format(cmd: &str) -> Option<Format> {
    let (name, arg) = (cmd.get(..2)?, cmd.get(2..)?);
    let number = |signed: bool| -> Option<Option<i64>> {
        let a = arg.trim_start();
        if a.is_empty() {
            return Some(None);
        }
        let digits = match a.strip_prefix(['+', '-']) {
            Some(d) if signed => d,
            Some(_) => return None,
            None => a,
        };
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        a.parse::<i64>().ok().map(Some)
    };
    let unsigned = |default| number(false)?.map_or(Some(default), |n| u32::try_from(n).ok());
    let signed = || number(true)?.map_or(Some(0), |n| i32::try_from(n).ok());
    match name {
        "br" if arg.is_empty() => Some(Format::LineBreak),
        "fi" if arg.is_empty() => Some(Format::FillOn),
        "nf" if arg.is_empty() => Some(Format::FillOff),
        "ce" if arg.is_empty() => Some(Format::Center),
        "sp" => unsigned(1).map(Format::Space),
        "sk" => unsigned(1).map(Format::Skip),
        "in" => signed().map(Format::Indent),
        "ti" => signed().map(Format::TemporaryIndent),
        _ => None,
    }
}

fn hex_bytes(digits: &str) -> Vec<u8> {
    digits
        .as_bytes()
        .chunks_exact(2)
        .map(|p| {
            let n = |b: u8| (b as char).to_digit(16).unwrap_or(0) as u8;
            (n(p[0]) << 4) | n(p[1])
        })
        .collect()
}

/// Decodes a value's escape sequences (see the [module docs](self) for which are decoded and
/// which are kept). Borrowed when there is nothing to decode.
///
/// ```
/// use hl7_model::delimiters::Delimiters;
/// use hl7_model::er7::escape::unescape;
///
/// let d = Delimiters::default();
/// assert_eq!(unescape("Fish \\T\\ Chips\\F\\ok", &d), "Fish & Chips|ok");
/// assert_eq!(unescape("line\\.br\\next", &d), "line\\.br\\next");
/// assert_eq!(unescape("\\X48C3A9\\", &d), "Hé");
/// assert!(matches!(unescape("plain", &d), std::borrow::Cow::Borrowed(_)));
/// ```
pub fn unescape<'a>(text: &'a str, d: &Delimiters) -> Cow<'a, str> {
    decode(text, d).text
}

/// Decodes like [`unescape`] and also says where text was kept as sent because it was not a
/// usable sequence.
///
/// ```
/// use hl7_model::delimiters::Delimiters;
/// use hl7_model::er7::escape::{decode, EscapeProblem};
///
/// let d = Delimiters::default();
/// let r = decode("a\\Q\\b\\F\\c\\", &d);
/// assert_eq!(r.text, "a\\Q\\b|c\\");
/// let problems: Vec<_> = r.findings.iter().map(|f| (f.offset, f.problem)).collect();
/// assert_eq!(problems, [(1, EscapeProblem::Unknown), (9, EscapeProblem::Unterminated)]);
/// ```
pub fn decode<'a>(text: &'a str, d: &Delimiters) -> Decoded<'a> {
    let mut findings = Vec::new();
    if !text.contains(d.escape) {
        return Decoded {
            text: Cow::Borrowed(text),
            findings,
        };
    }
    // Allocated at the first sequence that decodes to something else than its wire text.
    let mut out: Option<String> = None;
    let mut it = pieces(text, d);
    loop {
        let offset = it.offset();
        let Some(piece) = it.next() else { break };
        let raw = piece.raw();
        let mut keep = |problem| {
            findings.push(EscapeFinding {
                offset,
                len: raw.len(),
                problem,
            })
        };
        let decoded: Option<Cow<'_, str>> = match piece {
            Piece::Text(_) => None,
            Piece::Escape(e) => match e.kind {
                EscapeKind::Invalid(problem) => {
                    keep(problem);
                    None
                }
                EscapeKind::Hex(digits) => match String::from_utf8(hex_bytes(digits)) {
                    Ok(s) => Some(Cow::Owned(s)),
                    Err(_) => {
                        keep(EscapeProblem::HexNotUtf8);
                        None
                    }
                },
                // Kept kinds have no delimiter: they stay as sent.
                kind => kind.delimiter(d).map(|c| Cow::Owned(c.to_string())),
            },
        };
        match (decoded, &mut out) {
            (Some(s), Some(o)) => o.push_str(&s),
            (Some(s), None) => {
                let mut o = String::with_capacity(text.len());
                o.push_str(&text[..offset]);
                o.push_str(&s);
                out = Some(o);
            }
            (None, Some(o)) => o.push_str(raw),
            (None, None) => {}
        }
    }
    Decoded {
        text: out.map_or(Cow::Borrowed(text), Cow::Owned),
        findings,
    }
}

/// Encodes plain text: every delimiter character (and the truncation character when one is
/// declared) becomes its escape sequence, CR and LF become `\X0D\` and `\X0A\`. Borrowed when
/// nothing needs escaping.
///
/// ```
/// use hl7_model::delimiters::Delimiters;
/// use hl7_model::er7::escape::escape;
///
/// let d = Delimiters::default();
/// assert_eq!(escape("Fish & Chips | C:\\dir", &d), "Fish \\T\\ Chips \\F\\ C:\\E\\dir");
/// assert_eq!(escape("two\nlines", &d), "two\\X0A\\lines");
/// ```
pub fn escape<'a>(text: &'a str, d: &Delimiters) -> Cow<'a, str> {
    encode(text, d, false)
}

/// Encodes text that may carry formatting: like [`escape`], except that an escape character
/// starting a complete sequence of a kind [`unescape`] keeps (formatting, highlighting,
/// character-set switch, hex that is not UTF-8) is kept, so the sequence passes through
/// untouched (see the [module docs](self)).
///
/// ```
/// use hl7_model::delimiters::Delimiters;
/// use hl7_model::er7::escape::{escape_formatted, unescape};
///
/// let d = Delimiters::default();
/// assert_eq!(escape_formatted("a\\.br\\b & c\\d", &d), "a\\.br\\b \\T\\ c\\E\\d");
/// let wire = "\\H\\Result\\N\\: 5\\S\\7\\.br\\\\E\\n";
/// assert_eq!(escape_formatted(&unescape(wire, &d), &d), wire);
/// ```
pub fn escape_formatted<'a>(text: &'a str, d: &Delimiters) -> Cow<'a, str> {
    encode(text, d, true)
}

/// Wire text written with delimiters `from`, written with `to` instead: each delimiter of
/// `from` becomes the one of `to` in the same role, and a character that is text in `from`
/// but a delimiter of `to` is escaped. Escape sequences keep their meaning (`\F\` is the
/// field separator whichever character that is), so the text reads the same with `to` as
/// it did with `from`. Borrowed when the delimiters are the same.
///
/// ```
/// use hl7_model::delimiters::Delimiters;
/// use hl7_model::er7::escape::{redelimit, unescape};
///
/// let from = Delimiters::from_encoding_characters('#', "$%@!").unwrap();
/// let to = Delimiters::default();
/// let wire = "App$Fac!ility%2^3 @F@";
/// assert_eq!(redelimit(wire, &from, &to), "App^Fac&ility~2\\S\\3 \\F\\");
/// assert_eq!(unescape(&redelimit("a^b", &from, &to), &to), unescape("a^b", &from));
/// ```
pub fn redelimit<'a>(text: &'a str, from: &Delimiters, to: &Delimiters) -> Cow<'a, str> {
    if from == to {
        return Cow::Borrowed(text);
    }
    let sub = |d: &Delimiters| d.has_subcomponent().then_some(d.subcomponent);
    let mut out = String::with_capacity(text.len() + 8);
    for ch in text.chars() {
        let same_role = if ch == from.field {
            Some(to.field)
        } else if ch == from.component {
            Some(to.component)
        } else if ch == from.repetition {
            Some(to.repetition)
        } else if ch == from.escape {
            Some(to.escape)
        } else if Some(ch) == sub(from) {
            sub(to)
        } else {
            None
        };
        if let Some(c) = same_role {
            out.push(c);
            continue;
        }
        // Text in `from` that `to` takes as structure is escaped.
        write_escaped(&mut out, ch.encode_utf8(&mut [0; 4]), to, false);
    }
    Cow::Owned(out)
}

/// Appends the escaped form of `text` to `out` ([`escape`] or, with `formatted`,
/// [`escape_formatted`]), without an intermediate string.
pub fn write_escaped(out: &mut String, text: &str, d: &Delimiters, formatted: bool) {
    let mut from = 0;
    let mut it = text.char_indices();
    while let Some((i, c)) = it.next() {
        let code = match c {
            '\r' => "X0D",
            '\n' => "X0A",
            c if c == d.escape => {
                if formatted {
                    let (kind, len) = sequence_at(&text[i..], d);
                    // Hex that is UTF-8 was decoded by `unescape`, so one still in the text is
                    // literal text; only hex that `unescape` keeps is kept here.
                    let kept_hex = matches!(kind, EscapeKind::Hex(h)
                        if std::str::from_utf8(&hex_bytes(h)).is_err());
                    if kind.is_kept() || kept_hex {
                        // Skip the whole sequence: it is copied with the text around it.
                        let end = i + len;
                        while it.clone().next().is_some_and(|(j, _)| j < end) {
                            it.next();
                        }
                        continue;
                    }
                }
                "E"
            }
            c if c == d.field => "F",
            c if c == d.component => "S",
            c if c == d.repetition => "R",
            c if c == d.subcomponent && d.has_subcomponent() => "T",
            c if Some(c) == d.truncation => "P",
            _ => continue,
        };
        out.push_str(&text[from..i]);
        out.push(d.escape);
        out.push_str(code);
        out.push(d.escape);
        from = i + c.len_utf8();
    }
    out.push_str(&text[from..]);
}

fn encode<'a>(text: &'a str, d: &Delimiters, formatted: bool) -> Cow<'a, str> {
    if !text
        .chars()
        .any(|c| c == '\r' || c == '\n' || d.is_delimiter(c))
    {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    write_escaped(&mut out, text, d, formatted);
    if out == text {
        Cow::Borrowed(text)
    } else {
        Cow::Owned(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d() -> Delimiters {
        Delimiters::default()
    }

    fn kinds(text: &str, d: &Delimiters) -> Vec<EscapeKind<'static>> {
        pieces(text, d)
            .filter_map(|p| match p {
                Piece::Escape(e) => Some(match e.kind {
                    // Borrowed parts are not needed for these comparisons.
                    EscapeKind::Hex(_) => EscapeKind::Hex(""),
                    EscapeKind::SingleByteCharset(_) => EscapeKind::SingleByteCharset(""),
                    EscapeKind::MultiByteCharset(_) => EscapeKind::MultiByteCharset(""),
                    EscapeKind::Field => EscapeKind::Field,
                    EscapeKind::Component => EscapeKind::Component,
                    EscapeKind::Subcomponent => EscapeKind::Subcomponent,
                    EscapeKind::Repetition => EscapeKind::Repetition,
                    EscapeKind::EscapeCharacter => EscapeKind::EscapeCharacter,
                    EscapeKind::Truncation => EscapeKind::Truncation,
                    EscapeKind::HighlightOn => EscapeKind::HighlightOn,
                    EscapeKind::HighlightOff => EscapeKind::HighlightOff,
                    EscapeKind::Format(f) => EscapeKind::Format(f),
                    EscapeKind::Invalid(p) => EscapeKind::Invalid(p),
                }),
                Piece::Text(_) => None,
            })
            .collect()
    }

    #[test]
    fn every_sequence_is_classified() {
        let d = Delimiters {
            truncation: Some('#'),
            ..d()
        };
        let all = "\\F\\\\S\\\\T\\\\R\\\\E\\\\P\\\\X0D0A\\\\H\\\\N\\\\.br\\\\.sp\\\\.sp 3\\\\.fi\\\
                   \\.nf\\\\.in+4\\\\.in -2\\\\.ti-1\\\\.sk 5\\\\.ce\\\\C2842\\\\M2442\\\\M242842\\";
        use EscapeKind as K;
        assert_eq!(
            kinds(all, &d),
            [
                K::Field,
                K::Component,
                K::Subcomponent,
                K::Repetition,
                K::EscapeCharacter,
                K::Truncation,
                K::Hex(""),
                K::HighlightOn,
                K::HighlightOff,
                K::Format(Format::LineBreak),
                K::Format(Format::Space(1)),
                K::Format(Format::Space(3)),
                K::Format(Format::FillOn),
                K::Format(Format::FillOff),
                K::Format(Format::Indent(4)),
                K::Format(Format::Indent(-2)),
                K::Format(Format::TemporaryIndent(-1)),
                K::Format(Format::Skip(5)),
                K::Format(Format::Center),
                K::SingleByteCharset(""),
                K::MultiByteCharset(""),
                K::MultiByteCharset(""),
            ]
        );
    }

    #[test]
    fn decode_delimiters_and_keep_the_rest() {
        let d = Delimiters {
            truncation: Some('#'),
            ..d()
        };
        let wire = "\\F\\\\S\\\\T\\\\R\\\\E\\\\P\\|\\H\\b\\N\\\\.br\\\\.in-2\\\\C2842\\\\M2442\\";
        assert_eq!(
            unescape(wire, &d),
            "|^&~\\#|\\H\\b\\N\\\\.br\\\\.in-2\\\\C2842\\\\M2442\\"
        );
    }

    #[test]
    fn borrowed_when_nothing_changes() {
        assert!(matches!(unescape("abc", &d()), Cow::Borrowed("abc")));
        assert!(matches!(unescape("a\\.br\\b", &d()), Cow::Borrowed(_)));
        assert!(matches!(unescape("a\\Q\\", &d()), Cow::Borrowed(_)));
        assert!(matches!(escape("abc", &d()), Cow::Borrowed("abc")));
        assert!(matches!(
            escape_formatted("a\\.br\\", &d()),
            Cow::Borrowed(_)
        ));
    }

    #[test]
    fn hex() {
        assert_eq!(unescape("\\X414243\\", &d()), "ABC");
        assert_eq!(unescape("\\Xe282ac\\", &d()), "€");
        assert_eq!(unescape("a\\X0D0A\\b", &d()), "a\r\nb");
        // Latin-1 é is not UTF-8: kept as sent, reported.
        let r = decode("caf\\XE9\\", &d());
        assert_eq!(r.text, "caf\\XE9\\");
        assert_eq!(r.findings[0].problem, EscapeProblem::HexNotUtf8);
        assert_eq!((r.findings[0].offset, r.findings[0].len), (3, 5));
        for bad in ["\\X\\", "\\X4\\", "\\XZZ\\", "\\X414\\"] {
            let r = decode(bad, &d());
            assert_eq!(r.text, bad);
            assert_eq!(r.findings[0].problem, EscapeProblem::BadHex, "{bad}");
        }
        assert_eq!(escape("a\r\nb", &d()), "a\\X0D\\\\X0A\\b");
        assert_eq!(unescape(&escape("a\r\nb", &d()), &d()), "a\r\nb");
    }

    #[test]
    fn invalid_sequences_are_literal() {
        let r = decode("\\Q\\x\\\\y\\T", &d());
        assert_eq!(r.text, "\\Q\\x\\\\y\\T");
        let p: Vec<_> = r.findings.iter().map(|f| f.problem).collect();
        assert_eq!(
            p,
            [
                EscapeProblem::Unknown,
                EscapeProblem::Unknown,
                EscapeProblem::Unterminated
            ]
        );
        // An escape character cannot pair across a delimiter.
        assert_eq!(unescape("a\\b^c\\F\\", &d()), "a\\b^c|");
        // Undeclared delimiters.
        let no_sub = Delimiters::from_header("MSH|^~\\|").unwrap();
        let r = decode("\\T\\\\P\\\\S\\", &no_sub);
        assert_eq!(r.text, "\\T\\\\P\\^");
        assert!(
            r.findings
                .iter()
                .all(|f| f.problem == EscapeProblem::Undeclared)
        );
        // Bad formatting commands.
        for bad in [
            "\\.xx\\",
            "\\.br2\\",
            "\\.sp-1\\",
            "\\.in 99999999999\\",
            "\\C12\\",
            "\\M12345\\",
            "\\.\\",
        ] {
            assert_eq!(decode(bad, &d()).findings.len(), 1, "{bad}");
        }
    }

    #[test]
    fn escape_encodes_exactly_the_delimiters() {
        let d = Delimiters {
            truncation: Some('#'),
            ..d()
        };
        assert_eq!(escape("|^~\\&#x", &d), "\\F\\\\S\\\\R\\\\E\\\\T\\\\P\\x");
        assert_eq!(escape("#", &Delimiters::default()), "#");
        let no_sub = Delimiters::from_header("MSH|^~\\|").unwrap();
        assert_eq!(escape("a&b", &no_sub), "a&b");
        let custom = Delimiters::from_header("MSH$%#!(").unwrap();
        assert_eq!(escape("$%#!(|^~\\&", &custom), "!F!!S!!R!!E!!T!|^~\\&");
        assert_eq!(unescape("!F!!S!!R!!E!!T!", &custom), "$%#!(");
    }

    #[test]
    fn plain_escape_escapes_formatting_but_formatted_keeps_it() {
        let text = "a\\.br\\b\\H\\c\\N\\\\XE9\\\\C2842\\";
        assert_eq!(
            escape(text, &d()),
            "a\\E\\.br\\E\\b\\E\\H\\E\\c\\E\\N\\E\\\\E\\XE9\\E\\\\E\\C2842\\E\\"
        );
        assert!(matches!(escape_formatted(text, &d()), Cow::Borrowed(_)));
        // An escape character that is not part of a kept sequence is still escaped.
        assert_eq!(escape_formatted("\\F\\ \\", &d()), "\\E\\F\\E\\ \\E\\");
        assert_eq!(escape_formatted("\\Q\\", &d()), "\\E\\Q\\E\\");
    }

    #[test]
    fn round_trip_through_formatted() {
        let d = Delimiters {
            truncation: Some('#'),
            ..d()
        };
        for wire in [
            "plain",
            "\\F\\\\S\\\\T\\\\R\\\\E\\\\P\\",
            "\\H\\bold\\N\\ \\.sp 2\\\\.in-4\\x\\.br\\y\\.ce\\",
            "\\E\\E\\E\\",
            "\\Cxxyy\\ is not a charset",
            "\\XE9\\ kept",
            "\\X0D\\",
            "\\E\\X41\\E\\ is literal",
            "\\X5C58343\\",
        ] {
            let back = escape_formatted(&unescape(wire, &d), &d).into_owned();
            assert_eq!(unescape(&back, &d), unescape(wire, &d), "{wire}");
        }
        assert_eq!(
            escape_formatted(&unescape("\\E\\X41\\E\\", &d), &d),
            "\\E\\X41\\E\\"
        );
        assert_eq!(
            escape_formatted(&unescape("\\E\\E\\E\\", &d), &d),
            "\\E\\E\\E\\"
        );
    }

    #[test]
    fn custom_escape_character() {
        let d = Delimiters::from_header("MSH|^~@&").unwrap();
        assert_eq!(unescape("a@F@b@.br@c\\", &d), "a|b@.br@c\\");
        assert_eq!(escape("a|@\\", &d), "a@F@@E@\\");
    }

    #[test]
    fn multibyte_delimiters() {
        let d = Delimiters::from_header("MSH¦^~€&").unwrap();
        assert_eq!(unescape("x€F€y€é", &d), "x¦y€é");
        assert_eq!(escape("a¦€", &d), "a€F€€E€");
    }

    #[test]
    fn format_arguments() {
        assert_eq!(format("sp"), Some(Format::Space(1)));
        assert_eq!(format("sp10"), Some(Format::Space(10)));
        assert_eq!(format("in +3"), Some(Format::Indent(3)));
        assert_eq!(format("ti"), Some(Format::TemporaryIndent(0)));
        assert_eq!(format("sk-1"), None);
        assert_eq!(format("in+"), None);
        assert_eq!(format("b"), None);
    }
}
