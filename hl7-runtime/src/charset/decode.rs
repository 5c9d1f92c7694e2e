//! Bytes to text by MSH-18: the default set for plain bytes, ISO 2022 escapes for the
//! alternates, state reset at every segment end.

use std::borrow::Cow;

use encoding_rs::{EUC_JP, EUC_KR, Encoding, GBK};

use super::header::{Unit, hl7_escapes_to_iso2022, message_starts, prescan};
use super::{Charset, CharsetError, Declared, Decoder};

const ESC: u8 = 0x1B;

/// How bytes are read; every limit and fallback is explicit.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub struct DecodeOptions {
    /// Longest message accepted, in bytes.
    pub max_len: usize,
    /// The set used when MSH-18 names a value table 0211 does not list, or one the runtime
    /// cannot read (CNS 11643-1992): reported as [`Finding::Fallback`]. `None` (the default)
    /// makes those an error.
    pub fallback: Option<&'static Charset>,
    /// Whether bytes above 0x7F in a message whose MSH-18 declares only 7-bit sets (empty,
    /// `ASCII`, `ISO IR6`, or ISO 2022 sets such as `~ISO IR87` with no escape sequence in
    /// the message) are read as UTF-8 when they are valid UTF-8 (reported as
    /// [`Finding::UndeclaredUtf8`]). On by default, as many senders send UTF-8 without
    /// saying so, and converted copies keep their old MSH-18; off, they are an error.
    pub undeclared_utf8: bool,
    /// Read `8859/1` as windows-1252 (0x80–0x9F as `€ Š Ž …`), as some senders mean it. Off
    /// by default: 8859/1 is true ISO 8859-1, 0x80–0x9F the C1 controls.
    pub latin1_as_windows_1252: bool,
}

impl Default for DecodeOptions {
    fn default() -> Self {
        DecodeOptions {
            max_len: 64 << 20,
            fallback: None,
            undeclared_utf8: true,
            latin1_as_windows_1252: false,
        }
    }
}

impl DecodeOptions {
    /// These options with `fallback` as the set for unknown and unreadable MSH-18 values.
    pub fn with_fallback(mut self, fallback: &'static Charset) -> Self {
        self.fallback = Some(fallback);
        self
    }

    /// These options with [`DecodeOptions::undeclared_utf8`] set to `on`.
    pub fn with_undeclared_utf8(mut self, on: bool) -> Self {
        self.undeclared_utf8 = on;
        self
    }

    /// These options with [`DecodeOptions::latin1_as_windows_1252`] set to `on`.
    pub fn with_latin1_as_windows_1252(mut self, on: bool) -> Self {
        self.latin1_as_windows_1252 = on;
        self
    }

    /// These options with the longest message accepted set to `max_len` bytes.
    pub fn with_max_len(mut self, max_len: usize) -> Self {
        self.max_len = max_len;
        self
    }
}

/// What decoding noticed besides the text.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum Finding {
    /// A byte order mark stood ahead of the message and was dropped; `UNICODE UTF-8` forbids
    /// one, and in no set does it override MSH-18.
    ByteOrderMark,
    /// MSH-18 declared only 7-bit sets, but the bytes were UTF-8 and were read so.
    UndeclaredUtf8,
    /// MSH-18 `value` could not be used; the bytes were read as `used`.
    Fallback { value: String, used: &'static str },
    /// UTF-16 or UTF-32 without a byte order mark, its byte order taken from how `MSH` is
    /// spelt.
    ByteOrderFromHeader { little_endian: bool },
    /// The bytes are UTF-16 or UTF-32 though MSH-18 declares `declared`.
    WideButDeclared { declared: &'static str },
    /// Segment `segment` (1-based) ended in a shifted ISO 2022 state (the sender left out
    /// `ESC ( B`); the state was reset there, so the segment end was kept.
    UnterminatedShift { segment: usize },
}

/// A message's text and how it was read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Decoded {
    /// The message as text.
    pub text: String,
    /// MSH-18 and MSH-20 as sent.
    pub declared: Declared,
    /// The default set the bytes were read in (MSH-18's first repetition, or the fallback).
    pub charset: &'static Charset,
    /// The alternate sets (MSH-18's later repetitions), reached by ISO 2022 escapes.
    pub alternates: Vec<&'static Charset>,
    /// Whether a byte order mark stood ahead of the message.
    pub bom: bool,
    /// For UTF-16 and UTF-32: whether the bytes were little-endian.
    pub little_endian: bool,
    /// What decoding noticed.
    pub findings: Vec<Finding>,
}

impl Decoded {
    /// How the bytes were read, for people: `8859/1 (ISO-8859-1)`, `~ISO IR87 (ISO 2022:
    /// US-ASCII + ISO-2022-JP)`.
    pub fn decoder_name(&self) -> String {
        if self.alternates.is_empty() && !self.charset.iso2022 {
            format!("{} ({})", self.charset.hl7, self.charset.charset)
        } else {
            let sets: Vec<&str> = std::iter::once(self.charset)
                .chain(self.alternates.iter().copied())
                .map(|c| c.charset)
                .collect();
            format!("ISO 2022: {}", sets.join(" + "))
        }
    }
}

/// Decodes one message's bytes by its MSH-18 and MSH-20 (see the [module](super) docs).
///
/// ```
/// use hl7_model::charset::{decode, CharsetError, DecodeOptions};
/// // ~ISO IR87 with MSH-20 ISO 2022-1994: 慈 is 3B 7C in JIS X 0208, and 7C is `|`.
/// let bytes = b"MSH|^~\\&|A|||||||1|P|2.5||||||~ISO IR87||ISO 2022-1994\rPID|1||7||\x1b$B;|\x1b(B^A\r";
/// let d = decode(bytes, &DecodeOptions::default()).unwrap();
/// assert!(d.text.ends_with("PID|1||7||慈^A\r"));
///
/// let unknown = b"MSH|^~\\&|A|||||||1|P|2.5||||||LATIN-1\r";
/// assert_eq!(
///     decode(unknown, &DecodeOptions::default()),
///     Err(CharsetError::UnknownCharset { value: "LATIN-1".into() })
/// );
/// ```
pub fn decode(bytes: &[u8], opts: &DecodeOptions) -> Result<Decoded, CharsetError> {
    let (text, mut decoded) = decode_text(bytes, opts)?;
    decoded.text = text.into_owned();
    Ok(decoded)
}

/// [`decode`], borrowing `bytes` as the text when they already are it (ASCII in any set of
/// single-byte units, or UTF-8 read as UTF-8), so that the common message costs no copy.
/// The text is returned beside how it was read; [`Decoded::text`] is left empty.
///
/// ```
/// use std::borrow::Cow;
/// use hl7_model::charset::{decode_text, DecodeOptions};
/// let (text, how) = decode_text(b"MSH|^~\\&|A\rPID|1\r", &DecodeOptions::default()).unwrap();
/// assert!(matches!(text, Cow::Borrowed(_)));
/// assert_eq!(how.charset.hl7, "ASCII");
/// let latin1 = b"MSH|^~\\&|A|||||||1|P|2.5||||||8859/1\rPID|1||7||M\xfcller\r";
/// let (text, _) = decode_text(latin1, &DecodeOptions::default()).unwrap();
/// assert!(matches!(text, Cow::Owned(_)) && text.ends_with("Müller\r"));
/// ```
pub fn decode_text<'a>(
    bytes: &'a [u8],
    opts: &DecodeOptions,
) -> Result<(Cow<'a, str>, Decoded), CharsetError> {
    if bytes.len() > opts.max_len {
        return Err(CharsetError::TooLong {
            len: bytes.len(),
            limit: opts.max_len,
        });
    }
    let declared = prescan(bytes)?;
    let mut findings = Vec::new();
    let (charset, alternates) = resolve(&declared, opts, &mut findings)?;
    let bom = declared.bom_len > 0;
    let body = &bytes[declared.bom_len..];
    let unit = declared.unit.unwrap_or(Unit::Byte);
    if bom && unit == Unit::Byte {
        findings.push(Finding::ByteOrderMark);
    }
    let (text, little_endian) = match unit {
        Unit::Utf16 { little_endian } | Unit::Utf32 { little_endian } => {
            if !matches!(charset.decoder, Decoder::Utf16 | Decoder::Utf32) {
                findings.push(Finding::WideButDeclared {
                    declared: charset.hl7,
                });
            }
            if !bom {
                findings.push(Finding::ByteOrderFromHeader { little_endian });
            }
            let text = if matches!(unit, Unit::Utf16 { .. }) {
                utf16(body, little_endian, declared.bom_len)?
            } else {
                utf32(body, little_endian, declared.bom_len)?
            };
            (Cow::Owned(text), little_endian)
        }
        Unit::Byte => {
            if matches!(charset.decoder, Decoder::Utf16 | Decoder::Utf32) {
                // MSH was found spelt in single bytes: these are not UTF-16/32 bytes.
                return Err(CharsetError::Malformed {
                    charset: charset.charset,
                    offset: declared.bom_len,
                    byte: body.first().copied().unwrap_or(0),
                });
            }
            let reader = Reader {
                default: charset,
                latin1_1252: opts.latin1_as_windows_1252,
                base: declared.bom_len,
            };
            // MSH-20 `2.3`: the `\Cxxyy\` and `\Mxxyyzz\` escapes stand for ISO 2022
            // escape sequences; read them as such (offsets in errors then count the
            // sequences' bytes).
            let translated = if declared.hl7_escapes() {
                hl7_escapes_to_iso2022(body, declared.escape)
            } else {
                None
            };
            // Bytes that already are the text are borrowed, not copied.
            if translated.is_none()
                && let Some(text) = reader.as_is(body)
            {
                (Cow::Borrowed(text), false)
            } else {
                let body = translated.as_deref().unwrap_or(body);
                let read = if body.contains(&ESC) {
                    reader.iso2022(body, &mut findings)
                } else {
                    reader.whole(body)
                };
                // Sets of 7-bit bytes (ASCII, ISO 2022 reached by escapes) cannot hold a
                // byte above 0x7F: a message that has them and is UTF-8 was sent, or
                // converted, as UTF-8 without MSH-18 saying so.
                let seven_bit = std::iter::once(charset)
                    .chain(alternates.iter().copied())
                    .all(|c| c.decoder == Decoder::Ascii || c.iso2022);
                let text = match read {
                    Err(e) if opts.undeclared_utf8 && seven_bit && !body.contains(&ESC) => {
                        let s = std::str::from_utf8(body).map_err(|_| e)?;
                        findings.push(Finding::UndeclaredUtf8);
                        s.to_owned()
                    }
                    other => other?,
                };
                (Cow::Owned(text), false)
            }
        }
    };
    Ok((
        text,
        Decoded {
            text: String::new(),
            declared,
            charset,
            alternates,
            bom,
            little_endian,
            findings,
        },
    ))
}

/// Decodes every message of `bytes` (one, several, or a batch), each by its own MSH-18.
/// What stands before the first MSH (a batch header, MLLP framing) is read with the first
/// message. UTF-16 and UTF-32 input is read whole, by the first header.
pub fn decode_all(bytes: &[u8], opts: &DecodeOptions) -> Result<Vec<Decoded>, CharsetError> {
    let declared = prescan(bytes)?;
    if declared.unit != Some(Unit::Byte) {
        return Ok(vec![decode(bytes, opts)?]);
    }
    let starts = message_starts(bytes);
    let mut out = Vec::with_capacity(starts.len());
    for (i, &start) in starts.iter().enumerate() {
        let end = starts.get(i + 1).copied().unwrap_or(bytes.len());
        out.push(decode(&bytes[start..end], opts).map_err(|e| shift(e, start))?);
    }
    Ok(out)
}

/// `e` with its byte offset moved by `by`.
fn shift(e: CharsetError, by: usize) -> CharsetError {
    match e {
        CharsetError::Malformed {
            charset,
            offset,
            byte,
        } => CharsetError::Malformed {
            charset,
            offset: offset + by,
            byte,
        },
        CharsetError::UnknownEscape { offset } => CharsetError::UnknownEscape {
            offset: offset + by,
        },
        e => e,
    }
}

/// The default and alternate sets of `declared`, with the fallback applied.
fn resolve(
    declared: &Declared,
    opts: &DecodeOptions,
    findings: &mut Vec<Finding>,
) -> Result<(&'static Charset, Vec<&'static Charset>), CharsetError> {
    let sets = match declared.charsets() {
        Ok(sets) => sets,
        Err(CharsetError::UnknownCharset { value }) => match opts.fallback {
            Some(f) => {
                findings.push(Finding::Fallback { value, used: f.hl7 });
                vec![f]
            }
            None => return Err(CharsetError::UnknownCharset { value }),
        },
        Err(e) => return Err(e),
    };
    let mut sets = sets.into_iter();
    let mut default = sets.next().unwrap_or_else(super::ascii);
    let alternates: Vec<&'static Charset> = sets.collect();
    for c in std::iter::once(default).chain(alternates.iter().copied()) {
        if !c.supported() {
            match opts.fallback {
                Some(f) if std::ptr::eq(c, default) => {
                    findings.push(Finding::Fallback {
                        value: c.hl7.to_owned(),
                        used: f.hl7,
                    });
                    default = f;
                }
                _ => {
                    return Err(CharsetError::Unsupported {
                        code: c.hl7,
                        reason: "no decoder for EUC-TW (CNS 11643) exists in the Rust ecosystem",
                    });
                }
            }
        }
    }
    Ok((default, alternates))
}

fn utf16(bytes: &[u8], little_endian: bool, base: usize) -> Result<String, CharsetError> {
    if !bytes.len().is_multiple_of(2) {
        return Err(CharsetError::Malformed {
            charset: "UTF-16",
            offset: base + bytes.len() - 1,
            byte: bytes[bytes.len() - 1],
        });
    }
    let enc = if little_endian {
        encoding_rs::UTF_16LE
    } else {
        encoding_rs::UTF_16BE
    };
    let mut out = String::new();
    exact(enc, bytes, base, "UTF-16", &mut out)?;
    Ok(out)
}

fn utf32(bytes: &[u8], little_endian: bool, base: usize) -> Result<String, CharsetError> {
    let mut out = String::with_capacity(bytes.len() / 4);
    for (i, c) in bytes.chunks(4).enumerate() {
        let bad = || CharsetError::Malformed {
            charset: "UTF-32",
            offset: base + i * 4,
            byte: c[0],
        };
        let c: [u8; 4] = c.try_into().map_err(|_| bad())?;
        let n = if little_endian {
            u32::from_le_bytes(c)
        } else {
            u32::from_be_bytes(c)
        };
        out.push(char::from_u32(n).ok_or_else(bad)?);
    }
    Ok(out)
}

/// Decodes `bytes` with `enc` exactly, refusing malformed input; `base` is the offset of
/// `bytes` in the message, for errors.
pub(crate) fn exact(
    enc: &'static Encoding,
    bytes: &[u8],
    base: usize,
    charset: &'static str,
    out: &mut String,
) -> Result<(), CharsetError> {
    let mut decoder = enc.new_decoder_without_bom_handling();
    let mut read = 0;
    loop {
        let need = decoder
            .max_utf8_buffer_length_without_replacement(bytes.len() - read)
            .unwrap_or(bytes.len() * 4);
        out.reserve(need);
        let (result, n) = decoder.decode_to_string_without_replacement(&bytes[read..], out, true);
        read += n;
        match result {
            encoding_rs::DecoderResult::InputEmpty => return Ok(()),
            encoding_rs::DecoderResult::OutputFull => continue,
            encoding_rs::DecoderResult::Malformed(bad, extra) => {
                let at = read.saturating_sub(usize::from(bad) + usize::from(extra));
                return Err(CharsetError::Malformed {
                    charset,
                    offset: base + at,
                    byte: bytes.get(at).copied().unwrap_or(0),
                });
            }
        }
    }
}

/// The G0 set: what bytes 0x21–0x7E mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum G0 {
    Ascii,
    /// JIS X 0201 Roman (`ESC ( J`): read as ASCII, see the module docs.
    JisRoman,
    /// JIS X 0201 katakana (`ESC ( I`).
    Katakana,
    /// JIS X 0208 pairs (`ESC $ B`, `ESC $ @`).
    X0208,
    /// JIS X 0212 pairs (`ESC $ ( D`).
    X0212,
    /// Other 94×94 sets in G0, as ISO-2022-JP-2 designates them: KS X 1001 (`ESC $ ( C`),
    /// GB 2312 (`ESC $ A`), read as EUC pairs.
    Pairs(&'static Encoding, &'static str),
}

/// The G1 set: what bytes 0xA0–0xFF mean.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum G1 {
    /// The default set's high half.
    Default,
    /// JIS X 0201 katakana (`ESC ) I`).
    Katakana,
    /// A 94×94 set read as EUC pairs: KS X 1001 (`ESC $ ) C`), GB 2312 (`ESC $ ) A`).
    Pairs(&'static Encoding, &'static str),
    /// An ISO 8859 right half (`ESC - A` …).
    Right(&'static Encoding, &'static str),
}

/// Reads byte-set messages in their default set.
struct Reader {
    default: &'static Charset,
    latin1_1252: bool,
    base: usize,
}

impl Reader {
    /// The whole body in the default set, when it holds no escape sequence.
    /// The body as it stands when its bytes are already its text: ASCII with no escape
    /// sequence, which every set of single-byte units reads as itself, or UTF-8 read as
    /// UTF-8.
    fn as_is<'a>(&self, body: &'a [u8]) -> Option<&'a str> {
        if body.is_ascii() {
            return (!body.contains(&ESC))
                .then(|| std::str::from_utf8(body).ok())
                .flatten();
        }
        let utf8 = self.default.decoder == Decoder::Encoding
            && !self.default.iso2022
            && self
                .default
                .encoding()
                .is_some_and(|e| e == encoding_rs::UTF_8);
        if utf8 {
            std::str::from_utf8(body).ok()
        } else {
            None
        }
    }

    fn whole(&self, body: &[u8]) -> Result<String, CharsetError> {
        let mut out = String::with_capacity(body.len());
        self.run(body, self.base, &mut out)?;
        Ok(out)
    }

    /// A run of bytes in the default set (G0 ASCII, G1 the default's high half).
    fn run(&self, bytes: &[u8], base: usize, out: &mut String) -> Result<(), CharsetError> {
        let c = self.default;
        let bad = |i: usize| CharsetError::Malformed {
            charset: c.charset,
            offset: base + i,
            byte: bytes[i],
        };
        match c.decoder {
            // ISO 2022 sets start in ASCII; their bytes come after escapes.
            Decoder::Ascii | Decoder::JisX0212 => {
                if let Some(i) = bytes.iter().position(|b| !b.is_ascii()) {
                    return Err(bad(i));
                }
                out.push_str(std::str::from_utf8(bytes).map_err(|_| bad(0))?);
            }
            Decoder::Encoding if c.iso2022 => {
                if let Some(i) = bytes.iter().position(|b| !b.is_ascii()) {
                    return Err(bad(i));
                }
                out.push_str(std::str::from_utf8(bytes).map_err(|_| bad(0))?);
            }
            Decoder::Latin1 if self.latin1_1252 => {
                exact(encoding_rs::WINDOWS_1252, bytes, base, c.charset, out)?
            }
            Decoder::Latin1 => out.push_str(&encoding_rs::mem::decode_latin1(bytes)),
            Decoder::Latin5 => {
                for (i, &b) in bytes.iter().enumerate() {
                    // Below 0xA0 (C1 controls included) the byte is the code point.
                    if b < 0xA0 {
                        out.push(char::from(b));
                    } else {
                        exact(encoding_rs::WINDOWS_1254, &[b], base + i, c.charset, out)?;
                    }
                }
            }
            Decoder::JisX0201 => {
                for (i, &b) in bytes.iter().enumerate() {
                    out.push(match b {
                        0..0x80 => char::from(b),
                        0xA1..=0xDF => katakana(b - 0xA1),
                        _ => return Err(bad(i)),
                    });
                }
            }
            Decoder::Encoding => {
                let enc = c.encoding().expect("the generator checked the label");
                exact(enc, bytes, base, c.charset, out)?;
            }
            Decoder::Utf16 | Decoder::Utf32 | Decoder::Unsupported => {
                return Err(CharsetError::Unsupported {
                    code: c.hl7,
                    reason: "not a byte set",
                });
            }
        }
        Ok(())
    }

    /// The body with ISO 2022 escapes applied, state reset to the default at every segment
    /// end (CR or LF).
    fn iso2022(&self, body: &[u8], findings: &mut Vec<Finding>) -> Result<String, CharsetError> {
        let mut out = String::with_capacity(body.len() * 2);
        let mut segment = 1;
        let mut line_start = 0;
        while line_start < body.len() {
            let end = body[line_start..]
                .iter()
                .position(|&b| b == b'\r' || b == b'\n')
                .map_or(body.len(), |p| line_start + p);
            let shifted = self.line(&body[line_start..end], self.base + line_start, &mut out)?;
            if shifted {
                findings.push(Finding::UnterminatedShift { segment });
            }
            if end < body.len() {
                out.push(char::from(body[end]));
                if body[end] == b'\r' && body.get(end + 1) != Some(&b'\n') || body[end] == b'\n' {
                    segment += 1;
                }
            }
            line_start = end + 1;
        }
        Ok(out)
    }

    /// One segment's bytes; returns whether it ended shifted.
    fn line(&self, bytes: &[u8], base: usize, out: &mut String) -> Result<bool, CharsetError> {
        let mut g0 = G0::Ascii;
        let mut g1 = G1::Default;
        let mut i = 0;
        while i < bytes.len() {
            if bytes[i] == ESC {
                let (len, set) =
                    escape(&bytes[i..]).ok_or(CharsetError::UnknownEscape { offset: base + i })?;
                match set {
                    Designation::SetG0(s) => g0 = s,
                    Designation::SetG1(s) => g1 = s,
                }
                i += len;
                continue;
            }
            let next = bytes[i..]
                .iter()
                .position(|&b| b == ESC)
                .map_or(bytes.len(), |p| i + p);
            let run = &bytes[i..next];
            if g0 == G0::Ascii && g1 == G1::Default {
                self.run(run, base + i, out)?;
            } else {
                self.shifted(run, base + i, g0, g1, out)?;
            }
            i = next;
        }
        Ok(g0 != G0::Ascii)
    }

    /// A run read in designated sets.
    fn shifted(
        &self,
        run: &[u8],
        base: usize,
        g0: G0,
        g1: G1,
        out: &mut String,
    ) -> Result<(), CharsetError> {
        let bad = |i: usize, charset: &'static str| CharsetError::Malformed {
            charset,
            offset: base + i,
            byte: run[i],
        };
        let mut i = 0;
        while i < run.len() {
            let b = run[i];
            if b < 0x80 {
                let graphic = (0x21..0x7F).contains(&b);
                match g0 {
                    G0::X0208 | G0::X0212 if graphic => {
                        let name = if g0 == G0::X0208 {
                            "JIS X 0208"
                        } else {
                            "JIS X 0212"
                        };
                        let b2 = *run
                            .get(i + 1)
                            .filter(|b2| (0x21..0x7F).contains(*b2))
                            .ok_or_else(|| bad(i, name))?;
                        let pair = [b | 0x80, b2 | 0x80];
                        let euc: &[u8] = if g0 == G0::X0208 {
                            &pair
                        } else {
                            &[0x8F, pair[0], pair[1]]
                        };
                        exact(EUC_JP, euc, base + i, name, out)?;
                        i += 2;
                        continue;
                    }
                    G0::Pairs(enc, name) if graphic => {
                        let b2 = *run
                            .get(i + 1)
                            .filter(|b2| (0x21..0x7F).contains(*b2))
                            .ok_or_else(|| bad(i, name))?;
                        exact(enc, &[b | 0x80, b2 | 0x80], base + i, name, out)?;
                        i += 2;
                        continue;
                    }
                    G0::Katakana if graphic => {
                        if b > 0x5F {
                            return Err(bad(i, "JIS X 0201 katakana"));
                        }
                        out.push(katakana(b - 0x21));
                    }
                    _ => out.push(char::from(b)),
                }
                i += 1;
                continue;
            }
            match g1 {
                G1::Default => {
                    let end = run[i..]
                        .iter()
                        .position(|&b| b < 0x80)
                        .map_or(run.len(), |p| i + p);
                    self.run(&run[i..end], base + i, out)?;
                    i = end;
                    continue;
                }
                G1::Katakana => match b {
                    0xA1..=0xDF => out.push(katakana(b - 0xA1)),
                    _ => return Err(bad(i, "JIS X 0201 katakana")),
                },
                G1::Pairs(enc, name) => {
                    let b2 = *run
                        .get(i + 1)
                        .filter(|b2| **b2 >= 0xA1)
                        .ok_or_else(|| bad(i, name))?;
                    exact(enc, &[b, b2], base + i, name, out)?;
                    i += 2;
                    continue;
                }
                G1::Right(enc, name) => {
                    if b < 0xA0 {
                        out.push(char::from(b));
                    } else {
                        exact(enc, &[b], base + i, name, out)?;
                    }
                }
            }
            i += 1;
        }
        Ok(())
    }
}

/// Half-width katakana number `n` (0 = U+FF61).
fn katakana(n: u8) -> char {
    char::from_u32(0xFF61 + u32::from(n)).unwrap_or('\u{FFFD}')
}

enum Designation {
    SetG0(G0),
    SetG1(G1),
}

/// The escape sequence at the start of `bytes`: its length and what it designates.
fn escape(bytes: &[u8]) -> Option<(usize, Designation)> {
    use Designation::*;
    Some(match bytes.get(1..)? {
        [b'(', b'B', ..] => (3, SetG0(G0::Ascii)),
        [b'(', b'J', ..] => (3, SetG0(G0::JisRoman)),
        [b'(', b'I', ..] => (3, SetG0(G0::Katakana)),
        [b'$', b'B', ..] | [b'$', b'@', ..] => (3, SetG0(G0::X0208)),
        [b'$', b'(', b'B', ..] => (4, SetG0(G0::X0208)),
        [b'$', b'(', b'D', ..] => (4, SetG0(G0::X0212)),
        [b'$', b'(', b'C', ..] => (4, SetG0(G0::Pairs(EUC_KR, "KS X 1001"))),
        [b'$', b'A', ..] => (3, SetG0(G0::Pairs(GBK, "GB 2312"))),
        [b')', b'I', ..] => (3, SetG1(G1::Katakana)),
        [b'$', b')', b'C', ..] => (4, SetG1(G1::Pairs(EUC_KR, "KS X 1001"))),
        [b'$', b')', b'A', ..] => (4, SetG1(G1::Pairs(GBK, "GB 2312"))),
        [b'-', f, ..] => {
            let (label, name) = match f {
                b'A' => ("iso-8859-1", "ISO-8859-1"),
                b'B' => ("iso-8859-2", "ISO-8859-2"),
                b'C' => ("iso-8859-3", "ISO-8859-3"),
                b'D' => ("iso-8859-4", "ISO-8859-4"),
                b'L' => ("iso-8859-5", "ISO-8859-5"),
                b'G' => ("iso-8859-6", "ISO-8859-6"),
                b'F' => ("iso-8859-7", "ISO-8859-7"),
                b'H' => ("iso-8859-8", "ISO-8859-8"),
                b'M' => ("iso-8859-9", "ISO-8859-9"),
                b'b' => ("iso-8859-15", "ISO-8859-15"),
                b'T' => ("windows-874", "TIS-620"),
                _ => return None,
            };
            // windows-1252/1254/874 equal ISO 8859-1/-9 and TIS-620 on 0xA0–0xFF.
            let enc = Encoding::for_label(label.as_bytes())?;
            (3, SetG1(G1::Right(enc, name)))
        }
        _ => return None,
    })
}
