//! MSH-18 ↔ DICOM (0008,0005) Specific Character Set, both ways, read from the table; and
//! whether a value fits a DICOM length in bytes of its target set.

use super::{Charset, CharsetError, table};

/// Which MSH-18 → DICOM table to follow.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum DicomMapping {
    /// PS3.3 C.12.1.1.2: every repetition mapped, ISO 2022 multi-byte terms only as value
    /// 2..n, no term where DICOM has none (CNS 11643, BIG-5, UTF-16/32), 8859/15 to
    /// `ISO_IR 203`, ASCII to no value.
    #[default]
    Standard,
    /// The table of dcm4che's `HL7Charset.toDicomCharacterSetCode`, as deployed archives
    /// expect it, applied to the first valued repetition: one value, ISO 2022 terms alone
    /// (`ISO 2022 IR 87`, which DICOM allows only as value 2..n),
    /// CNS 11643-1992 to `ISO_IR 166` (Thai), and no value for 8859/15, BIG-5, UTF-16/32 and
    /// unknown codes.
    Dcm4che,
}

/// A (0008,0005) value: its values in order (`\` between them when written). No values
/// means the attribute is absent or empty: DICOM's default repertoire.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct DicomCharset {
    pub values: Vec<String>,
}

impl std::fmt::Display for DicomCharset {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.values.join("\\"))
    }
}

impl DicomCharset {
    /// The value a message is re-emitted in when its set has no DICOM term: `ISO_IR 192`.
    pub fn utf8() -> DicomCharset {
        DicomCharset {
            values: vec!["ISO_IR 192".to_owned()],
        }
    }
}

/// MSH-18 and MSH-20 for a DICOM (0008,0005) value.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Msh18 {
    /// MSH-18's repetitions; empty for ASCII. A first repetition of `""` is ASCII with
    /// alternates after it.
    pub repetitions: Vec<&'static str>,
    /// MSH-20: `ISO 2022-1994` when the alternates are reached by escapes.
    pub msh20: Option<&'static str>,
}

impl Msh18 {
    /// MSH-18 as written, repetitions joined by `rep` (`~`).
    pub fn field(&self, rep: char) -> String {
        self.repetitions.join(&rep.to_string())
    }
}

/// Why a character set could not be mapped.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum DicomError {
    #[error("MSH-18 `{value}` is not a table 0211 value")]
    UnknownCharset { value: String },
    #[error(
        "MSH-18 `{code}` has no DICOM term: decode the message and re-emit it as UNICODE UTF-8 / ISO_IR 192"
    )]
    NoDicomTerm { code: &'static str },
    #[error("DICOM allows `{term}` only as the single value of (0008,0005)")]
    NotSingleValued { term: &'static str },
    #[error("`{term}` is not a DICOM (0008,0005) defined term")]
    UnknownTerm { term: String },
    #[error("DICOM `{term}` has no HL7 table 0211 code: transcode the text to UNICODE UTF-8")]
    NoHl7Code { term: String },
}

/// Whether an MSH-18 repetition means ASCII (DICOM's default repertoire).
fn is_ascii(code: &str) -> bool {
    matches!(code, "" | "ASCII" | "ISO IR6")
}

/// The (0008,0005) value for MSH-18's repetitions `msh18` (as [`super::Declared::msh18`]
/// holds them).
///
/// ```
/// use hl7_model::charset::{to_dicom, DicomError, DicomMapping};
/// let v = |reps: &[&str]| to_dicom(reps, DicomMapping::Standard).map(|d| d.to_string());
/// assert_eq!(v(&["8859/1"]).unwrap(), "ISO_IR 100");
/// assert_eq!(v(&["", "ISO IR87"]).unwrap(), "\\ISO 2022 IR 87");
/// assert_eq!(v(&["ISO IR87"]).unwrap(), "\\ISO 2022 IR 87");
/// assert_eq!(v(&["ASCII"]).unwrap(), "");
/// assert_eq!(v(&["8859/15"]).unwrap(), "ISO_IR 203");
/// assert_eq!(v(&["CNS 11643-1992"]), Err(DicomError::NoDicomTerm { code: "CNS 11643-1992" }));
/// // The compatibility table, as deployed:
/// let dcm4che = |reps: &[&str]| to_dicom(reps, DicomMapping::Dcm4che).unwrap().to_string();
/// assert_eq!(dcm4che(&["CNS 11643-1992"]), "ISO_IR 166");
/// assert_eq!(dcm4che(&["ISO IR87"]), "ISO 2022 IR 87");
/// ```
pub fn to_dicom<S: AsRef<str>>(
    msh18: &[S],
    mapping: DicomMapping,
) -> Result<DicomCharset, DicomError> {
    let codes: Vec<&str> = msh18.iter().map(AsRef::as_ref).collect();
    if mapping == DicomMapping::Dcm4che {
        let term = codes
            .iter()
            .find(|c| !c.is_empty())
            .and_then(|c| Charset::by_hl7(c))
            .and_then(|c| c.dcm4che);
        return Ok(DicomCharset {
            values: term.into_iter().map(str::to_owned).collect(),
        });
    }
    // Later empty repetitions carry nothing.
    let codes: Vec<&str> = codes
        .iter()
        .enumerate()
        .filter(|(i, c)| *i == 0 || !c.is_empty())
        .map(|(_, c)| *c)
        .collect();
    let mut sets = Vec::with_capacity(codes.len());
    for code in &codes {
        if is_ascii(code) {
            sets.push(None);
            continue;
        }
        let c = Charset::by_hl7(code).ok_or_else(|| DicomError::UnknownCharset {
            value: (*code).to_owned(),
        })?;
        c.dicom.ok_or(DicomError::NoDicomTerm { code: c.hl7 })?;
        sets.push(Some(c));
    }
    let values = match sets.as_slice() {
        [] | [None] => Vec::new(),
        [Some(c)] if c.code_extension_only() => {
            vec![String::new(), c.dicom.unwrap_or_default().to_owned()]
        }
        [Some(c)] => vec![c.dicom.unwrap_or_default().to_owned()],
        several => {
            let mut values = Vec::with_capacity(several.len());
            for (i, set) in several.iter().enumerate() {
                let term = match set {
                    None if i == 0 => String::new(),
                    None => "ISO 2022 IR 6".to_owned(),
                    Some(c) => {
                        let term = c.dicom.unwrap_or_default();
                        if let Some(n) = term.strip_prefix("ISO_IR ") {
                            if n == "192" {
                                return Err(DicomError::NotSingleValued { term });
                            }
                            format!("ISO 2022 IR {n}")
                        } else if term.starts_with("ISO 2022") {
                            term.to_owned()
                        } else {
                            return Err(DicomError::NotSingleValued { term });
                        }
                    }
                };
                values.push(term);
            }
            values
        }
    };
    Ok(DicomCharset { values })
}

/// MSH-18 (and MSH-20) for a (0008,0005) value as written (`\ISO 2022 IR 87`,
/// `ISO_IR 100`): value n to repetition n, MSH-20 `ISO 2022-1994` when the value uses code
/// extensions. `GBK` and `\ISO 2022 IR 58` (GB 2312) map to `GB 18030-2000`, their byte-
/// compatible superset once escapes are stripped.
///
/// ```
/// use hl7_model::charset::{from_dicom, DicomError};
/// let m = from_dicom("\\ISO 2022 IR 87").unwrap();
/// assert_eq!(m.field('~'), "~ISO IR87");
/// assert_eq!(m.msh20, Some("ISO 2022-1994"));
/// assert_eq!(from_dicom("ISO_IR 192").unwrap().field('~'), "UNICODE UTF-8");
/// assert_eq!(from_dicom("").unwrap().field('~'), "");
/// assert!(matches!(from_dicom("ISO_IR 166"), Err(DicomError::NoHl7Code { .. })));
/// ```
pub fn from_dicom(value: &str) -> Result<Msh18, DicomError> {
    let values: Vec<&str> = value
        .split('\\')
        .map(|v| v.trim_matches([' ', '\0']))
        .collect();
    if values
        .iter()
        .all(|v| v.is_empty() || *v == "ISO 2022 IR 6" || *v == "ISO_IR 6")
    {
        return Ok(Msh18::default());
    }
    let mut repetitions = Vec::with_capacity(values.len());
    let mut extensions = values.len() > 1;
    for term in &values {
        let code = match *term {
            "" | "ISO 2022 IR 6" | "ISO_IR 6" => "",
            "GBK" | "ISO 2022 IR 58" => "GB 18030-2000",
            t => match Charset::by_dicom(t) {
                Some(c) => c.hl7,
                None if known_term(t) => {
                    return Err(DicomError::NoHl7Code { term: t.to_owned() });
                }
                None => {
                    return Err(DicomError::UnknownTerm { term: t.to_owned() });
                }
            },
        };
        extensions |= term.starts_with("ISO 2022");
        repetitions.push(code);
    }
    Ok(Msh18 {
        repetitions,
        msh20: extensions.then_some("ISO 2022-1994"),
    })
}

/// The number of bytes `value` takes in a DICOM attribute whose (0008,0005) is `dicom`,
/// escape sequences counted: what DICOM's VR lengths (64 bytes for a PN component group …)
/// limit.
///
/// ```
/// use hl7_model::charset::{dicom_byte_len, fits_dicom, DicomCharset};
/// let jp = DicomCharset { values: vec![String::new(), "ISO 2022 IR 87".into()] };
/// // 山田 is two JIS X 0208 pairs between ESC $ B and ESC ( B: 3 + 4 + 3 bytes.
/// assert_eq!(dicom_byte_len("山田", &jp).unwrap(), 10);
/// let latin1 = DicomCharset { values: vec!["ISO_IR 100".into()] };
/// assert_eq!(dicom_byte_len("Müller", &latin1).unwrap(), 6);
/// assert!(!fits_dicom("Müller", 5, &DicomCharset::utf8()).unwrap());
/// ```
pub fn dicom_byte_len(value: &str, dicom: &DicomCharset) -> Result<usize, CharsetError> {
    let msh18 = from_dicom(&dicom.to_string()).map_err(|e| CharsetError::UnknownCharset {
        value: e.to_string(),
    })?;
    let mut sets = Vec::with_capacity(msh18.repetitions.len().max(1));
    for code in &msh18.repetitions {
        sets.push(if code.is_empty() {
            super::ascii()
        } else {
            Charset::by_hl7(code).ok_or_else(|| CharsetError::UnknownCharset {
                value: (*code).to_owned(),
            })?
        });
    }
    if sets.is_empty() {
        sets.push(super::ascii());
    }
    let shifting = msh18.msh20.is_some();
    Ok(super::encode::encode_in(value, &sets, shifting, &Default::default())?.len())
}

/// Whether `value` fits `max_bytes` in the target set (see [`dicom_byte_len`]).
pub fn fits_dicom(
    value: &str,
    max_bytes: usize,
    dicom: &DicomCharset,
) -> Result<bool, CharsetError> {
    Ok(dicom_byte_len(value, dicom)? <= max_bytes)
}

/// Whether `term` is a DICOM defined term the table knows of, mapped back or not.
pub(crate) fn known_term(term: &str) -> bool {
    let single = term
        .strip_prefix("ISO 2022 IR ")
        .map(|n| format!("ISO_IR {n}"));
    table::TABLE.iter().any(|c| {
        [c.dicom, c.dcm4che]
            .into_iter()
            .flatten()
            .any(|d| d == term || single.as_deref() == Some(d))
    })
}
