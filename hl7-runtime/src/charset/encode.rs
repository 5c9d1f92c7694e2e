//! Text to the bytes of its declared MSH-18: a character the sets cannot hold is an error,
//! never a `?`.

use std::collections::HashMap;
use std::sync::OnceLock;

use encoding_rs::{EUC_JP, EUC_KR, EncoderResult, Encoding};

use super::header::prescan;
use super::{Charset, CharsetError, Decoder};

/// How text is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[non_exhaustive]
pub struct EncodeOptions {
    /// Put a byte order mark ahead of UTF-16 and UTF-32 (never ahead of UTF-8, which HL7
    /// forbids).
    pub bom: bool,
    /// Write UTF-16 and UTF-32 little-endian (big-endian by default).
    pub little_endian: bool,
}

impl EncodeOptions {
    /// These options with a byte order mark for UTF-16 and UTF-32 (`on`) or without.
    pub fn with_bom(mut self, on: bool) -> Self {
        self.bom = on;
        self
    }

    /// These options writing UTF-16 and UTF-32 little-endian (`on`) or big-endian.
    pub fn with_little_endian(mut self, on: bool) -> Self {
        self.little_endian = on;
        self
    }

    /// The options that write a message back as `d` was read: same byte order mark (for
    /// UTF-16/32) and byte order.
    pub fn like(d: &super::Decoded) -> Self {
        EncodeOptions {
            bom: d.bom && matches!(d.charset.decoder, Decoder::Utf16 | Decoder::Utf32),
            little_endian: d.little_endian,
        }
    }
}

/// Encodes one message's text in the sets its MSH-18 declares: the first repetition for
/// what it can hold, the later ones through ISO 2022 escapes, each segment ending back in
/// ASCII.
///
/// ```
/// use hl7_model::charset::{encode, CharsetError};
/// let text = "MSH|^~\\&|A|||||||1|P|2.5||||||8859/1\rPID|1||7||Łukasz\r";
/// let err = encode(text, &Default::default()).unwrap_err();
/// assert!(matches!(err, CharsetError::Unrepresentable { ch: 'Ł', .. }));
/// ```
pub fn encode(text: &str, opts: &EncodeOptions) -> Result<Vec<u8>, CharsetError> {
    let declared = prescan(text.as_bytes())?;
    let sets = declared.charsets()?;
    for c in &sets {
        if !c.supported() {
            return Err(CharsetError::Unsupported {
                code: c.hl7,
                reason: "no encoder for EUC-TW (CNS 11643) exists in the Rust ecosystem",
            });
        }
    }
    let shifting = sets.len() > 1 || sets.iter().any(|c| c.iso2022) || declared.iso2022_declared();
    let bytes = encode_in(text, &sets, shifting, opts)?;
    // Text that is not a message's usual start (MSH) may be written in a byte set as the
    // bytes of a byte order mark (Big5 嚜 is EF BB, 8859/1 þÿ is FE FF), which readers take
    // as one: refused rather than read back otherwise.
    let byte_set = !matches!(sets[0].decoder, Decoder::Utf16 | Decoder::Utf32);
    let bom_like = [&b"\xEF\xBB\xBF"[..], b"\xFE\xFF", b"\xFF\xFE"]
        .iter()
        .any(|b| bytes.starts_with(b));
    if byte_set && bom_like && !text.starts_with('\u{feff}') {
        return Err(CharsetError::Unrepresentable {
            ch: text.chars().next().unwrap_or('\u{feff}'),
            charset: sets.iter().map(|c| c.hl7).collect::<Vec<_>>().join(", "),
            offset: 0,
        });
    }
    Ok(if declared.hl7_escapes() {
        super::header::iso2022_to_hl7_escapes(&bytes, declared.escape)
    } else {
        bytes
    })
}

/// Encodes `text` in `sets` (the first the default), switching by ISO 2022 escapes when
/// `shifting`.
pub(crate) fn encode_in(
    text: &str,
    sets: &[&'static Charset],
    shifting: bool,
    opts: &EncodeOptions,
) -> Result<Vec<u8>, CharsetError> {
    let default = sets[0];
    match default.decoder {
        Decoder::Utf16 => {
            let mut out = Vec::with_capacity(text.len() * 2 + 2);
            for u in opts
                .bom
                .then_some(0xFEFF)
                .into_iter()
                .chain(text.encode_utf16())
            {
                out.extend(if opts.little_endian {
                    u.to_le_bytes()
                } else {
                    u.to_be_bytes()
                });
            }
            return Ok(out);
        }
        Decoder::Utf32 => {
            let mut out = Vec::with_capacity(text.len() * 4 + 4);
            for c in opts
                .bom
                .then_some('\u{FEFF}')
                .into_iter()
                .chain(text.chars())
            {
                let u = u32::from(c);
                out.extend(if opts.little_endian {
                    u.to_le_bytes()
                } else {
                    u.to_be_bytes()
                });
            }
            return Ok(out);
        }
        _ => {}
    }
    // In bytes, ESC starts an ISO 2022 escape sequence: as text it would be read back as
    // one (a UTF-16 message can carry it; no byte set can).
    if let Some(offset) = text.chars().position(|c| c == '\u{1b}') {
        return Err(CharsetError::Unrepresentable {
            ch: '\u{1b}',
            charset: sets.iter().map(|c| c.hl7).collect::<Vec<_>>().join(", "),
            offset,
        });
    }
    if !shifting {
        return whole(text, default);
    }
    let unrepresentable = |ch: char, offset: usize| CharsetError::Unrepresentable {
        ch,
        charset: sets.iter().map(|c| c.hl7).collect::<Vec<_>>().join(", "),
        offset,
    };
    let mut out = Vec::with_capacity(text.len() + 16);
    let mut g0 = Shift::Ascii;
    let mut g1: Option<&[u8]> = None;
    let mut buf = [0u8; 4];
    for (offset, ch) in text.chars().enumerate() {
        if ch == '\r' || ch == '\n' || ch.is_ascii() {
            if g0 != Shift::Ascii {
                out.extend_from_slice(b"\x1b(B");
                g0 = Shift::Ascii;
            }
            if ch == '\r' || ch == '\n' {
                g1 = None;
            }
            out.push(ch as u8);
            continue;
        }
        // The default set, if it is a byte set holding `ch` in its high half.
        if !default.iso2022
            && let Some(bytes) = single(default, ch, &mut buf)
        {
            out.extend_from_slice(bytes);
            continue;
        }
        let mut written = false;
        // Strict JIS X 0208 first, so that a character JIS X 0212 holds is not written in
        // the vendor rows of JIS X 0208 that encoding_rs's EUC-JP encoder also knows.
        let alternates = sets
            .iter()
            .filter(|c| c.iso2022 || !std::ptr::eq(**c, default));
        let tries = alternates
            .clone()
            .map(|c| (c, true))
            .chain(alternates.map(|c| (c, false)));
        for (c, strict) in tries {
            if let Some((shift, bytes)) = shifted(c, ch, strict) {
                match shift {
                    Shift::G1(designation) if g1 != Some(designation) => {
                        out.extend_from_slice(designation);
                        g1 = Some(designation);
                    }
                    Shift::G1(_) => {}
                    _ if g0 != shift => {
                        out.extend_from_slice(shift.escape());
                        g0 = shift;
                    }
                    _ => {}
                }
                out.extend_from_slice(&bytes);
                written = true;
                break;
            }
        }
        if !written {
            return Err(unrepresentable(ch, offset));
        }
    }
    if g0 != Shift::Ascii {
        out.extend_from_slice(b"\x1b(B");
    }
    Ok(out)
}

/// The state an ISO 2022 character needs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Shift {
    Ascii,
    X0208,
    X0212,
    /// A G1 designation, written once per segment.
    G1(&'static [u8]),
}

impl Shift {
    fn escape(self) -> &'static [u8] {
        match self {
            Shift::Ascii => b"\x1b(B",
            Shift::X0208 => b"\x1b$B",
            Shift::X0212 => b"\x1b$(D",
            Shift::G1(d) => d,
        }
    }
}

/// `ch` in an alternate set `c`, with the state it needs; `strict` keeps JIS X 0208 to
/// its standard rows (1–8, 16–84), leaving out the NEC and IBM extension rows.
fn shifted(c: &Charset, ch: char, strict: bool) -> Option<(Shift, Vec<u8>)> {
    let mut buf = [0u8; 4];
    match (c.decoder, c.iso2022) {
        (Decoder::JisX0212, _) => {
            let &(b1, b2) = x0212().get(&ch)?;
            Some((Shift::X0212, vec![b1, b2]))
        }
        (Decoder::Encoding, true) => {
            // JIS X 0208: EUC-JP's two-byte form with the high bits cleared.
            let bytes = with_encoding(EUC_JP, ch, &mut buf)?;
            match *bytes {
                [b1 @ 0xA1..=0xFE, b2 @ 0xA1..=0xFE]
                    if !strict || matches!(b1 - 0xA0, 1..=8 | 16..=84) =>
                {
                    Some((Shift::X0208, vec![b1 & 0x7F, b2 & 0x7F]))
                }
                _ => None,
            }
        }
        (Decoder::JisX0201, _) => {
            let bytes = single(c, ch, &mut buf)?.to_vec();
            Some((Shift::G1(b"\x1b)I"), bytes))
        }
        (Decoder::Encoding, false) if std::ptr::eq(c.encoding()?, EUC_KR) => {
            let bytes = with_encoding(EUC_KR, ch, &mut buf)?;
            matches!(*bytes, [0xA1..=0xFE, 0xA1..=0xFE])
                .then(|| (Shift::G1(b"\x1b$)C"), bytes.to_vec()))
        }
        _ => None,
    }
}

/// `ch` in byte set `c` (its default form, no escapes), into `buf`.
fn single<'b>(c: &Charset, ch: char, buf: &'b mut [u8; 4]) -> Option<&'b [u8]> {
    let n = u32::from(ch);
    match c.decoder {
        Decoder::Ascii => ch.is_ascii().then(|| {
            buf[0] = n as u8;
            &buf[..1]
        }),
        Decoder::Latin1 => (n < 0x100).then(|| {
            buf[0] = n as u8;
            &buf[..1]
        }),
        Decoder::Latin5 => {
            if (0x80..0xA0).contains(&n) {
                buf[0] = n as u8;
                return Some(&buf[..1]);
            }
            // windows-1254 puts € Š … at 0x80–0x9F, which ISO 8859-9 does not have.
            let bytes = with_encoding(encoding_rs::WINDOWS_1254, ch, buf)?;
            (bytes[0] < 0x80 || bytes[0] >= 0xA0).then_some(bytes)
        }
        Decoder::JisX0201 => match n {
            0..0x80 => {
                buf[0] = n as u8;
                Some(&buf[..1])
            }
            0xFF61..=0xFF9F => {
                buf[0] = (n - 0xFF61 + 0xA1) as u8;
                Some(&buf[..1])
            }
            _ => None,
        },
        Decoder::Encoding if !c.iso2022 => with_encoding(c.encoding()?, ch, buf),
        _ => None,
    }
}

/// `ch` encoded by `enc`, or `None` when `enc` cannot hold it.
fn with_encoding<'b>(enc: &'static Encoding, ch: char, buf: &'b mut [u8; 4]) -> Option<&'b [u8]> {
    let mut s = [0u8; 4];
    let src = ch.encode_utf8(&mut s);
    let mut encoder = enc.new_encoder();
    let (result, _, written) =
        encoder.encode_from_utf8_without_replacement(src, &mut buf[..], true);
    matches!(result, EncoderResult::InputEmpty).then(|| &buf[..written])
}

/// The whole text in one byte set, without escapes.
fn whole(text: &str, c: &'static Charset) -> Result<Vec<u8>, CharsetError> {
    let err = |ch: char, at: usize| CharsetError::Unrepresentable {
        ch,
        charset: c.hl7.to_owned(),
        offset: text[..at].chars().count(),
    };
    if c.decoder == Decoder::Encoding
        && !c.iso2022
        && let Some(enc) = c.encoding()
    {
        if enc == encoding_rs::UTF_8 {
            return Ok(text.as_bytes().to_vec());
        }
        let mut encoder = enc.new_encoder();
        let mut out = Vec::with_capacity(
            encoder
                .max_buffer_length_from_utf8_without_replacement(text.len())
                .unwrap_or(text.len() * 4),
        );
        let (result, read) =
            encoder.encode_from_utf8_to_vec_without_replacement(text, &mut out, true);
        return match result {
            EncoderResult::InputEmpty => Ok(out),
            EncoderResult::Unmappable(ch) => Err(err(ch, read - ch.len_utf8())),
            EncoderResult::OutputFull => Err(err('\u{FFFD}', read)),
        };
    }
    let mut out = Vec::with_capacity(text.len());
    let mut buf = [0u8; 4];
    for (at, ch) in text.char_indices() {
        match single(c, ch, &mut buf) {
            Some(bytes) => out.extend_from_slice(bytes),
            None => return Err(err(ch, at)),
        }
    }
    Ok(out)
}

/// JIS X 0212 characters to their 7-bit pairs, read once from encoding_rs's EUC-JP decoder
/// (whose encoder does not write JIS X 0212).
fn x0212() -> &'static HashMap<char, (u8, u8)> {
    static MAP: OnceLock<HashMap<char, (u8, u8)>> = OnceLock::new();
    MAP.get_or_init(|| {
        let mut map = HashMap::new();
        for b1 in 0xA1..=0xFEu8 {
            for b2 in 0xA1..=0xFEu8 {
                let bytes = [0x8F, b1, b2];
                let (s, bad) = EUC_JP.decode_without_bom_handling(&bytes);
                let mut chars = s.chars();
                if let (false, Some(c), None) = (bad, chars.next(), chars.next()) {
                    // JIS X 0208 wins for characters in both (as encoders write them).
                    map.entry(c).or_insert((b1 & 0x7F, b2 & 0x7F));
                }
            }
        }
        map
    })
}
