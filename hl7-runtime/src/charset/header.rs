//! The ASCII pre-scan of the MSH line: MSH-18 (every repetition) and MSH-20, read before
//! anything is decoded.

use super::{Charset, CharsetError};

/// The code unit the bytes are written in, found from a byte order mark or from how `MSH`
/// is spelt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    /// One byte per unit: ASCII-compatible sets (ISO 8859, ISO 2022, EUC, GB 18030, UTF-8 …).
    Byte,
    Utf16 {
        little_endian: bool,
    },
    Utf32 {
        little_endian: bool,
    },
}

impl Unit {
    fn width(self) -> usize {
        match self {
            Unit::Byte => 1,
            Unit::Utf16 { .. } => 2,
            Unit::Utf32 { .. } => 4,
        }
    }

    /// The unit at `i` (in units), as a number.
    fn at(self, bytes: &[u8], i: usize) -> Option<u32> {
        let w = self.width();
        let b = bytes.get(i * w..i * w + w)?;
        Some(match self {
            Unit::Byte => u32::from(b[0]),
            Unit::Utf16 {
                little_endian: true,
            } => u32::from(u16::from_le_bytes([b[0], b[1]])),
            Unit::Utf16 { .. } => u32::from(u16::from_be_bytes([b[0], b[1]])),
            Unit::Utf32 {
                little_endian: true,
            } => u32::from_le_bytes([b[0], b[1], b[2], b[3]]),
            Unit::Utf32 { .. } => u32::from_be_bytes([b[0], b[1], b[2], b[3]]),
        })
    }
}

/// What the MSH line declares, read without decoding: every MSH-18 repetition as sent (the
/// first is the default set, an empty one meaning ASCII) and MSH-20.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Declared {
    /// MSH-18's repetitions, trimmed of surrounding spaces. Empty when MSH-18 is.
    pub msh18: Vec<String>,
    /// MSH-20 (table 0356: `ISO 2022-1994`, `2.3`), if valued.
    pub msh20: Option<String>,
    /// The escape character (MSH-2's third), for the `\Cxxyy\` and `\Mxxyyzz\` escapes.
    pub(crate) escape: u8,
    /// The code unit, and the length of a byte order mark ahead of the message.
    pub(crate) unit: Option<Unit>,
    pub(crate) bom_len: usize,
}

impl Declared {
    /// The table rows of MSH-18's repetitions: the default set (ASCII when MSH-18 is empty),
    /// then the alternates. A value table 0211 does not list is an error naming it.
    pub fn charsets(&self) -> Result<Vec<&'static Charset>, CharsetError> {
        let mut out = Vec::with_capacity(self.msh18.len().max(1));
        for (i, code) in self.msh18.iter().enumerate() {
            if code.is_empty() {
                if i == 0 {
                    out.push(super::ascii());
                }
                continue;
            }
            out.push(
                Charset::by_hl7(code).ok_or_else(|| CharsetError::UnknownCharset {
                    value: code.clone(),
                })?,
            );
        }
        if out.is_empty() {
            out.push(super::ascii());
        }
        if out.len() > 1 && out[0].trail_bytes_below_0x80() {
            return Err(CharsetError::Unsupported {
                code: out[0].hl7,
                reason: "its two-byte codes use bytes below 0x80, so it cannot be the default set beside ISO 2022 alternates",
            });
        }
        Ok(out)
    }

    /// Whether MSH-20 names ISO 2022 code extension, by escape sequences (`ISO 2022-1994`)
    /// or by the HL7 escapes that stand for them (`2.3`).
    pub fn iso2022_declared(&self) -> bool {
        matches!(self.msh20.as_deref(), Some("ISO 2022-1994" | "2.3"))
    }

    /// Whether MSH-20 is `2.3`: sets are switched by `\Cxxyy\` and `\Mxxyyzz\` escapes.
    pub fn hl7_escapes(&self) -> bool {
        self.msh20.as_deref() == Some("2.3")
    }
}

/// Reads MSH-18 and MSH-20 from the first MSH line of `bytes` (or of UTF-8 text's bytes),
/// whatever its character set. UTF-16 and UTF-32 are recognised by a byte order mark or by
/// how `MSH` is spelt; in ISO 2022 text the bytes of a multi-byte run are skipped, so a
/// kanji trail byte in MSH-3 … MSH-17 that equals `|` does not shift the fields.
///
/// ```
/// let d = hl7_model::charset::prescan(
///     b"MSH|^~\\&|A|||||||1|P|2.5||||||~ISO IR87||ISO 2022-1994\r",
/// ).unwrap();
/// assert_eq!(d.msh18, ["", "ISO IR87"]);
/// assert_eq!(d.msh20.as_deref(), Some("ISO 2022-1994"));
/// ```
pub fn prescan(bytes: &[u8]) -> Result<Declared, CharsetError> {
    let (unit, bom_len) = unit_of(bytes);
    let body = &bytes[bom_len..];
    let line = header_line(body, unit).ok_or(CharsetError::NoHeader)?;
    let mut d = fields_of(&line);
    d.unit = Some(unit);
    d.bom_len = bom_len;
    Ok(d)
}

/// The code unit and the byte order mark's length.
fn unit_of(bytes: &[u8]) -> (Unit, usize) {
    match bytes {
        [0xEF, 0xBB, 0xBF, ..] => (Unit::Byte, 3),
        // UTF-32LE before UTF-16LE: both start FF FE.
        [0xFF, 0xFE, 0, 0, ..] => (
            Unit::Utf32 {
                little_endian: true,
            },
            4,
        ),
        [0, 0, 0xFE, 0xFF, ..] => (
            Unit::Utf32 {
                little_endian: false,
            },
            4,
        ),
        [0xFE, 0xFF, ..] => (
            Unit::Utf16 {
                little_endian: false,
            },
            2,
        ),
        [0xFF, 0xFE, ..] => (
            Unit::Utf16 {
                little_endian: true,
            },
            2,
        ),
        _ => {
            // No mark: the first non-zero byte and the zeros around it give the unit.
            let start = bytes.iter().position(|&b| b != 0).unwrap_or(0);
            let zeros = |from: usize, n: usize| {
                bytes.len() >= from + n && bytes[from..from + n].iter().all(|&b| b == 0)
            };
            let unit = match start % 4 {
                3 => Unit::Utf32 {
                    little_endian: false,
                },
                1 => Unit::Utf16 {
                    little_endian: false,
                },
                0 if zeros(start + 1, 3) => Unit::Utf32 {
                    little_endian: true,
                },
                0 if zeros(start + 1, 1) => Unit::Utf16 {
                    little_endian: true,
                },
                _ => Unit::Byte,
            };
            (unit, 0)
        }
    }
}

/// The first line starting with `MSH`, as ASCII: units above 0x7F, and the units of an ISO
/// 2022 multi-byte run, become 0xFF.
fn header_line(bytes: &[u8], unit: Unit) -> Option<Vec<u8>> {
    let n = bytes.len() / unit.width();
    let ascii = |i: usize| {
        unit.at(bytes, i)
            .map(|u| if u < 0x80 { u as u8 } else { 0xFF })
    };
    let mut at_line_start = true;
    let mut i = 0;
    while i < n {
        let u = ascii(i)?;
        if at_line_start && u == b'M' && ascii(i + 1) == Some(b'S') && ascii(i + 2) == Some(b'H') {
            let mut line = Vec::new();
            let mut multi_byte = false;
            let mut j = i;
            while j < n {
                let b = ascii(j)?;
                if matches!(b, b'\r' | b'\n' | 0x1C) {
                    break;
                }
                if b == 0x1B {
                    // ESC $ … designates a multi-byte set, ESC ( … a single-byte one.
                    multi_byte = ascii(j + 1) == Some(b'$');
                    line.push(0xFF);
                } else if multi_byte && (0x21..0x7F).contains(&b) {
                    line.push(0xFF);
                } else {
                    line.push(b);
                }
                j += 1;
            }
            return Some(line);
        }
        at_line_start = matches!(u, b'\r' | b'\n' | 0x0B | 0x1C);
        i += 1;
    }
    None
}

/// MSH-18 and MSH-20 of an MSH line.
fn fields_of(line: &[u8]) -> Declared {
    let Some(&sep) = line.get(3) else {
        return Declared {
            msh18: Vec::new(),
            msh20: None,
            escape: b'\\',
            unit: None,
            bom_len: 0,
        };
    };
    let fields: Vec<&[u8]> = line.split(|&b| b == sep).collect();
    let rep = fields.get(1).and_then(|enc| enc.get(1)).copied();
    let escape = fields
        .get(1)
        .and_then(|enc| enc.get(2))
        .copied()
        .unwrap_or(b'\\');
    let text = |f: &[u8]| String::from_utf8_lossy(f).trim().to_owned();
    let msh18 = match fields.get(17) {
        Some(f) if !f.is_empty() => match rep {
            Some(r) => f.split(|&b| b == r).map(text).collect(),
            None => vec![text(f)],
        },
        _ => Vec::new(),
    };
    let msh20 = fields.get(19).map(|f| text(f)).filter(|s| !s.is_empty());
    Declared {
        msh18,
        msh20,
        escape,
        unit: None,
        bom_len: 0,
    }
}

/// Where each message of `bytes` starts: at every line beginning with `MSH`, the first
/// message also taking what stands before it (batch headers, MLLP framing). Valid for byte
/// sets only: no trail byte of a table 0211 set is CR or LF.
pub(crate) fn message_starts(bytes: &[u8]) -> Vec<usize> {
    let mut starts = vec![0];
    let mut line_start = true;
    let mut seen = false;
    for (i, &b) in bytes.iter().enumerate() {
        if line_start && bytes[i..].starts_with(b"MSH") {
            // The first MSH belongs to the first message, with what stands before it.
            if seen {
                starts.push(i);
            }
            seen = true;
        }
        line_start = matches!(b, b'\r' | b'\n' | 0x0B | 0x1C);
    }
    starts
}

/// `bytes` with every `\Cxxyy\` and `\Mxxyy\` / `\Mxxyyzz\` escape (`escape` standing
/// for `\`) replaced by the ISO 2022 escape sequence it stands for (ESC xx yy …), or `None`
/// when there is none.
pub(crate) fn hl7_escapes_to_iso2022(bytes: &[u8], escape: u8) -> Option<Vec<u8>> {
    let hex = |b: &[u8]| -> Option<Vec<u8>> {
        b.chunks(2)
            .map(|p| u8::from_str_radix(std::str::from_utf8(p).ok()?, 16).ok())
            .collect()
    };
    let mut out: Option<Vec<u8>> = None;
    let mut i = 0;
    let mut copied = 0;
    'bytes: while i < bytes.len() {
        if bytes[i] == escape {
            let digits = match bytes.get(i + 1) {
                Some(b'C') => &[4][..],
                Some(b'M') => &[6, 4][..],
                _ => &[][..],
            };
            for &n in digits {
                if bytes.get(i + 2 + n) == Some(&escape)
                    && let Some(seq) = hex(&bytes[i + 2..i + 2 + n])
                {
                    let o = out.get_or_insert_with(|| Vec::with_capacity(bytes.len()));
                    o.extend_from_slice(&bytes[copied..i]);
                    o.push(0x1B);
                    o.extend_from_slice(&seq);
                    i += n + 3;
                    copied = i;
                    continue 'bytes;
                }
            }
        }
        i += 1;
    }
    let mut out = out?;
    out.extend_from_slice(&bytes[copied..]);
    Some(out)
}

/// `bytes` with every ISO 2022 escape sequence written as the HL7 escape standing for it:
/// `\Mxxyy\` (`\Mxxyyzz\`) for a multi-byte designation (ESC $ …), `\Cxxyy\` otherwise.
pub(crate) fn iso2022_to_hl7_escapes(bytes: &[u8], escape: u8) -> Vec<u8> {
    let mut out = Vec::with_capacity(bytes.len() + 16);
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == 0x1B {
            let multi = bytes.get(i + 1) == Some(&b'$');
            let len = if multi && bytes.get(i + 2).is_some_and(|b| (0x28..0x30).contains(b)) {
                3
            } else {
                2
            };
            out.push(escape);
            out.push(if multi { b'M' } else { b'C' });
            for b in bytes.iter().skip(i + 1).take(len) {
                out.extend_from_slice(format!("{b:02X}").as_bytes());
            }
            out.push(escape);
            i += 1 + len;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    out
}
