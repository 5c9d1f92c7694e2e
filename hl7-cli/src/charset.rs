//! Reading files by their MSH-18, and `hl7 charset`.

use std::io::{self, Write};

use hl7_model::charset::{self, CharsetError, DecodeOptions, Decoded, DicomMapping};

/// The text of a file's bytes, each message decoded by its own MSH-18 and MSH-20
/// ([`charset::decode_all`]). Bytes with no MSH line must be UTF-8. What decoding noticed
/// goes to `note`, one line each.
pub fn text_of(bytes: &[u8], mut note: impl FnMut(String)) -> anyhow::Result<String> {
    match charset::decode_all(bytes, &DecodeOptions::default()) {
        Ok(messages) => {
            let mut text = String::with_capacity(bytes.len());
            for (i, d) in messages.iter().enumerate() {
                for f in &d.findings {
                    note(format!("message {}: {}", i + 1, finding(f)));
                }
                text.push_str(&d.text);
            }
            Ok(text)
        }
        Err(CharsetError::NoHeader) => String::from_utf8(bytes.to_vec()).map_err(|e| {
            anyhow::anyhow!(
                "no MSH line to read MSH-18 from, and the bytes are not UTF-8 (from byte {})",
                e.utf8_error().valid_up_to()
            )
        }),
        Err(e) => Err(e.into()),
    }
}

/// A finding for people.
fn finding(f: &charset::Finding) -> String {
    use charset::Finding::*;
    match f {
        ByteOrderMark => "a byte order mark stood ahead of the message and was dropped".into(),
        UndeclaredUtf8 => {
            "MSH-18 declares only 7-bit sets, but the bytes are UTF-8: read as UTF-8".into()
        }
        Fallback { value, used } => format!("MSH-18 `{value}` cannot be used: read as {used}"),
        ByteOrderFromHeader { little_endian } => format!(
            "no byte order mark: read as {}-endian, from how MSH is spelt",
            if *little_endian { "little" } else { "big" }
        ),
        WideButDeclared { declared } => {
            format!("the bytes are UTF-16/32 though MSH-18 says `{declared}`")
        }
        UnterminatedShift { segment } => format!(
            "segment {segment} ends in an ISO 2022 shift (no ESC ( B): reset at the segment end"
        ),
        other => format!("{other:?}"),
    }
}

/// `hl7 charset`: per message, MSH-18 and MSH-20 as sent, how the bytes were read, and the
/// DICOM (0008,0005) value, ours and dcm4che's. Returns whether every file was read.
pub fn report(name: &str, bytes: &[u8], out: &mut impl Write) -> io::Result<Result<(), String>> {
    let messages = match charset::decode_all(bytes, &DecodeOptions::default()) {
        Ok(m) => m,
        Err(e) => return Ok(Err(e.to_string())),
    };
    for (i, d) in messages.iter().enumerate() {
        writeln!(out, "{name} #{}", i + 1)?;
        describe(d, out)?;
    }
    Ok(Ok(()))
}

fn describe(d: &Decoded, out: &mut impl Write) -> io::Result<()> {
    let msh18 = d.declared.msh18.join("~");
    writeln!(
        out,
        "  MSH-18: {}",
        if msh18.is_empty() {
            "(empty: ASCII)".to_owned()
        } else {
            msh18
        }
    )?;
    if let Some(msh20) = &d.declared.msh20 {
        writeln!(out, "  MSH-20: {msh20}")?;
    }
    writeln!(out, "  decoder: {}", d.decoder_name())?;
    for f in &d.findings {
        writeln!(out, "  note: {}", finding(f))?;
    }
    match charset::to_dicom(&d.declared.msh18, DicomMapping::Standard) {
        Ok(v) if v.values.is_empty() => {
            writeln!(out, "  DICOM (0008,0005): none (default repertoire)")?
        }
        Ok(v) => writeln!(out, "  DICOM (0008,0005): {v}")?,
        Err(e) => writeln!(out, "  DICOM (0008,0005): none: {e}")?,
    }
    let dcm4che = charset::to_dicom(&d.declared.msh18, DicomMapping::Dcm4che)
        .map(|v| v.to_string())
        .unwrap_or_default();
    writeln!(
        out,
        "  dcm4che: {}",
        if dcm4che.is_empty() { "none" } else { &dcm4che }
    )
}
