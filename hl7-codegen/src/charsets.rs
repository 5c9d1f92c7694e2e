//! HL7 table 0211 (MSH-18 character sets) mapped to DICOM (0008,0005) and to byte encodings,
//! read from `schemas/charsets.yaml` and checked.
//!
//! [`load_and_check`] returns every problem as a located [`Finding`]. The rules reuse
//! [`Rule`]:
//!
//! - [`Rule::Syntax`]: unreadable file, YAML or shape errors (unknown keys included), a version
//!   that is not an HL7 version with MSH-18 (2.3 on), a version listed twice or both verified
//!   and unverified, a decoder without the `encoding` it needs, `whatwg` without `encoding`;
//! - [`Rule::DuplicateName`]: an HL7 code listed twice, a DICOM term that maps back to two
//!   codes or that two codes map to with different byte encodings;
//! - [`Rule::UnknownTable`]: a DICOM term outside PS3.3's defined terms ([`DICOM_TERMS`]);
//! - [`Rule::UnknownDatatype`]: an encoding label that `encoding_rs::Encoding::for_label` does
//!   not know (or that gives the replacement encoding), a `whatwg` name that differs from what
//!   the label resolves to, and a row decoded through a label that does not decode its true
//!   charset exactly (`iso-8859-1` is windows-1252 there).
//!
//! UTF-32 has no encoding_rs label; the row uses the explicit label [`UTF32_LABEL`] with the
//! [`Decoder::Utf32`] decoder, and the checker accepts it only there.

use std::collections::{HashMap, HashSet};
use std::path::Path;

use encoding_rs::Encoding;
use serde::{Deserialize, Serialize};

use crate::load::{Finding, Rule};
use crate::v3::read_yaml;

/// The explicit `encoding` label of UNICODE UTF-32, which encoding_rs does not know.
pub const UTF32_LABEL: &str = "utf-32";

/// HL7 v2 versions, in order (docs/conformance.md §1).
pub const HL7_VERSIONS: [&str; 13] = [
    "2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1",
    "2.8.2",
];

/// The first version with MSH-18 (and so with table 0211).
pub const FIRST_MSH18_VERSION: &str = "2.3";

/// DICOM PS3.3 C.12.1.1.2 defined terms for (0008,0005) Specific Character Set.
pub const DICOM_TERMS: &[&str] = &[
    "ISO_IR 100",
    "ISO_IR 101",
    "ISO_IR 109",
    "ISO_IR 110",
    "ISO_IR 144",
    "ISO_IR 127",
    "ISO_IR 126",
    "ISO_IR 138",
    "ISO_IR 148",
    "ISO_IR 203",
    "ISO_IR 13",
    "ISO_IR 166",
    "ISO_IR 192",
    "GB18030",
    "GBK",
    "ISO 2022 IR 6",
    "ISO 2022 IR 100",
    "ISO 2022 IR 101",
    "ISO 2022 IR 109",
    "ISO 2022 IR 110",
    "ISO 2022 IR 144",
    "ISO 2022 IR 127",
    "ISO 2022 IR 126",
    "ISO 2022 IR 138",
    "ISO 2022 IR 148",
    "ISO 2022 IR 203",
    "ISO 2022 IR 13",
    "ISO 2022 IR 166",
    "ISO 2022 IR 87",
    "ISO 2022 IR 159",
    "ISO 2022 IR 149",
    "ISO 2022 IR 58",
];

/// `charsets.yaml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Charsets {
    /// One entry per table 0211 code, in table order.
    pub values: Vec<Charset>,
}

/// One table 0211 code and how to handle it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Charset {
    /// The MSH-18 value (`8859/1`, `UNICODE UTF-8`).
    pub hl7: String,
    pub description: String,
    /// DICOM (0008,0005) defined term, if one applies.
    pub dicom: Option<String>,
    /// Whether `dicom` maps back to this code.
    #[serde(default = "yes")]
    pub reverse: bool,
    /// The single value dcm4che's `toDicomCharacterSetCode` gives, as deployed archives use it.
    pub dcm4che: Option<String>,
    /// encoding_rs / WHATWG label, or [`UTF32_LABEL`].
    pub encoding: Option<String>,
    /// Canonical name encoding_rs gives `encoding`.
    pub whatwg: Option<String>,
    /// The true byte encoding.
    pub charset: String,
    pub decoder: Decoder,
    pub width: Width,
    /// Needs ISO 2022 escape handling.
    pub iso2022: bool,
    /// Versions whose table lists the code.
    pub versions: Vec<String>,
    /// Versions with MSH-18 for which no source says.
    #[serde(default)]
    pub unverified: Vec<String>,
    /// Version that deprecates the code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub deprecated: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

fn yes() -> bool {
    true
}

impl Charset {
    /// The encoding_rs encoding of `encoding`, if it names one. Whether it decodes this code
    /// exactly is [`Charset::decoder`]'s business.
    pub fn encoding_rs(&self) -> Option<&'static Encoding> {
        self.encoding
            .as_deref()
            .and_then(|l| Encoding::for_label(l.as_bytes()))
    }

    pub fn in_version(&self, version: &str) -> bool {
        self.versions.iter().any(|v| v == version)
    }
}

/// How a runtime decodes a code's bytes (see `charsets.yaml`'s header for each).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Decoder {
    /// The encoding_rs encoding of `encoding`, exact for this code.
    Encoding,
    /// Bytes below 0x80 only.
    Ascii,
    /// `encoding_rs::mem::decode_latin1`.
    Latin1,
    /// windows-1254 with 0x80–0x9F kept as C1 controls.
    Latin5,
    /// Shift_JIS single bytes with the JIS-Roman ¥/‾ fix-up.
    JisX0201,
    /// ISO 2022 JIS X 0212 pairs re-framed as EUC-JP.
    JisX0212,
    /// BOM decides; `encoding` without one.
    Utf16,
    /// By hand; encoding_rs has no UTF-32.
    Utf32,
    /// No decoder available.
    Unsupported,
}

impl Decoder {
    /// Whether the decoder works through the encoding_rs encoding of `encoding`.
    pub fn needs_encoding(self) -> bool {
        matches!(
            self,
            Decoder::Encoding
                | Decoder::Latin5
                | Decoder::JisX0201
                | Decoder::JisX0212
                | Decoder::Utf16
        )
    }
}

/// Whether a character can take more than one byte.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Width {
    Single,
    Multi,
}

impl Charsets {
    /// The entry of an MSH-18 value (exact, case-sensitive match).
    pub fn by_hl7(&self, code: &str) -> Option<&Charset> {
        self.values.iter().find(|c| c.hl7 == code)
    }

    /// The entry a DICOM term maps back to.
    pub fn by_dicom(&self, term: &str) -> Option<&Charset> {
        self.values
            .iter()
            .find(|c| c.reverse && c.dicom.as_deref() == Some(term))
    }
}

/// Loads `path` (`schemas/charsets.yaml`) and checks it. Returns the table when there is no
/// finding, otherwise every finding in line order.
pub fn load_and_check(path: &Path) -> Result<Charsets, Vec<Finding>> {
    let (charsets, src) = read_yaml::<Charsets>(
        path,
        "follow the layout described in the file's header comment",
    )
    .map_err(|f| vec![f])?;
    let mut out = src.duplicate_keys();
    let s = |i: usize, field: &str| vec!["values".to_owned(), i.to_string(), field.to_owned()];

    let mut codes: HashMap<&str, usize> = HashMap::new();
    // DICOM term → (row of the first code mapping to it, row mapping back to it).
    let mut terms: HashMap<&str, (usize, Option<usize>)> = HashMap::new();
    for (i, c) in charsets.values.iter().enumerate() {
        if let Some(first) = codes.insert(c.hl7.as_str(), i) {
            out.push(src.finding(
                &s(i, "hl7"),
                Rule::DuplicateName,
                format!("`{}` is listed twice (entries {first} and {i})", c.hl7),
                "keep one entry per table 0211 code",
            ));
        }

        if let Some(term) = &c.dicom {
            if !DICOM_TERMS.contains(&term.as_str()) {
                out.push(src.finding(
                    &s(i, "dicom"),
                    Rule::UnknownTable,
                    format!(
                        "`{}` maps to `{term}`, which is not a DICOM (0008,0005) defined term",
                        c.hl7
                    ),
                    "use a PS3.3 C.12.1.1.2 term as written there (e.g. `ISO_IR 100`, `ISO 2022 IR 87`), or null",
                ));
            }
            let entry = terms.entry(term.as_str()).or_insert((i, None));
            let first = &charsets.values[entry.0];
            if entry.0 != i && !first.charset.eq_ignore_ascii_case(&c.charset) {
                out.push(src.finding(
                    &s(i, "dicom"),
                    Rule::DuplicateName,
                    format!(
                        "`{term}` is mapped from `{}` ({}) and from `{}` ({}): one DICOM term, two byte encodings",
                        first.hl7, first.charset, c.hl7, c.charset
                    ),
                    "map each DICOM term from codes of one byte encoding, or correct `charset`",
                ));
            }
            if c.reverse {
                if let Some(back) = entry.1 {
                    out.push(src.finding(
                        &s(i, "dicom"),
                        Rule::DuplicateName,
                        format!(
                            "`{term}` maps back to both `{}` and `{}`",
                            charsets.values[back].hl7, c.hl7
                        ),
                        "set `reverse: false` on all but one of them",
                    ));
                } else {
                    entry.1 = Some(i);
                }
            }
        }

        if let Some(term) = &c.dcm4che
            && !DICOM_TERMS.contains(&term.as_str())
        {
            out.push(src.finding(
                &s(i, "dcm4che"),
                Rule::UnknownTable,
                format!(
                    "`{}`: dcm4che term `{term}` is not a DICOM (0008,0005) defined term",
                    c.hl7
                ),
                "copy the term dcm4che's toDicomCharacterSetCode returns, or null",
            ));
        }

        check_encoding(c, i, &src, &mut out);
        check_versions(c, i, &src, &mut out);
    }
    if out.is_empty() {
        Ok(charsets)
    } else {
        out.sort_by_key(|f| f.line);
        Err(out)
    }
}

/// The Rust source of `hl7-runtime/src/charset/table.rs`: one `Charset` per row, in table
/// order, and a module doc table of every value (decode, encode, DICOM term, dcm4che's term,
/// notes). `cargo xtask regenerate` writes it and `--check` fails when it is stale, so the
/// runtime reads this one table.
pub fn runtime_table(cs: &Charsets) -> String {
    use quote::{format_ident, quote};
    let opt = |v: &Option<String>| match v {
        Some(s) => quote!(Some(#s)),
        None => quote!(None),
    };
    let rows = cs.values.iter().map(|c| {
        let hl7 = &c.hl7;
        let description = &c.description;
        let dicom = opt(&c.dicom);
        let reverse = c.reverse;
        let dcm4che = opt(&c.dcm4che);
        let label = opt(&c.encoding);
        let charset = &c.charset;
        let decoder = format_ident!("{}", format!("{:?}", c.decoder));
        let multi_byte = c.width == Width::Multi;
        let iso2022 = c.iso2022;
        let versions = &c.versions;
        let deprecated = opt(&c.deprecated);
        quote! {
            Charset {
                hl7: #hl7,
                description: #description,
                dicom: #dicom,
                dicom_maps_back: #reverse,
                dcm4che: #dcm4che,
                label: #label,
                charset: #charset,
                decoder: Decoder::#decoder,
                multi_byte: #multi_byte,
                iso2022: #iso2022,
                versions: &[#(#versions),*],
                deprecated: #deprecated,
            }
        }
    });
    let n = cs.values.len();
    let docs = doc_table(cs).into_iter().map(|line| {
        let line = format!(" {line}");
        quote!(#![doc = #line])
    });
    let tokens = quote! {
        #(#docs)*
        use super::{Charset, Decoder};
        /// Every table 0211 value, in the order of the 2.8 table, deprecated codes last.
        pub static TABLE: [Charset; #n] = [#(#rows),*];
    };
    let file = syn::parse2(tokens).expect("the generated charset table is valid Rust");
    let mut out = String::from(
        "// @generated by hl7-codegen from schemas/charsets.yaml (cargo xtask regenerate); do not edit.\n",
    );
    out.push_str(&prettyplease::unparse(&file));
    out
}

/// The lines of the module doc: what the table is, then one markdown row per value.
fn doc_table(cs: &Charsets) -> Vec<String> {
    let cell = |s: &str| s.replace('|', "\\|");
    let term = |c: &Charset, t: &Option<String>, placed: bool| match t {
        None => "none".to_owned(),
        // Multi-byte ISO 2022 terms (IR 87, 159, 149) are valid only as value 2..n.
        Some(t) if placed && c.width == Width::Multi && t.starts_with("ISO 2022") => {
            format!("`\\{t}`")
        }
        Some(t) => format!("`{t}`"),
    };
    let mut lines = vec![
        "HL7 table 0211 (MSH-18), generated from `schemas/charsets.yaml`.".to_owned(),
        String::new(),
        "Decode and encode: ✓ where the runtime reads and writes the value's bytes (each backed by"
            .to_owned(),
        "a test on real bytes in `tests/tests/it/charsets.rs`), ✗ where it refuses them with"
            .to_owned(),
        "[`CharsetError::Unsupported`](super::CharsetError::Unsupported). DICOM: the (0008,0005)"
            .to_owned(),
        "value [`to_dicom`](super::to_dicom) gives for the value alone (none: no term exists;"
            .to_owned(),
        "transcode to `UNICODE UTF-8` / `ISO_IR 192`). dcm4che: what the widely deployed dcm4che"
            .to_owned(),
        "table gives ([`DicomMapping::Dcm4che`](super::DicomMapping::Dcm4che)).".to_owned(),
        String::new(),
        "| MSH-18 | decode | encode | DICOM | dcm4che | bytes | versions | notes |".to_owned(),
        "|---|---|---|---|---|---|---|---|".to_owned(),
    ];
    for c in &cs.values {
        let ok = if c.decoder == Decoder::Unsupported {
            "✗"
        } else {
            "✓"
        };
        let versions = match (c.versions.first(), c.versions.last()) {
            (Some(a), Some(b)) if a == b => a.clone(),
            (Some(a), Some(b)) => format!("{a}–{b}"),
            _ => "unknown".to_owned(),
        };
        let versions = match &c.deprecated {
            Some(d) => format!("{versions} (deprecated {d})"),
            None => versions,
        };
        lines.push(format!(
            "| `{}` | {ok} | {ok} | {} | {} | {} | {versions} | {} |",
            c.hl7,
            term(c, &c.dicom, true),
            term(c, &c.dcm4che, false),
            c.charset,
            cell(c.note.as_deref().unwrap_or(""))
        ));
    }
    lines
}

fn check_encoding(c: &Charset, i: usize, src: &crate::v3::Located, out: &mut Vec<Finding>) {
    let path = |field: &str| vec!["values".to_owned(), i.to_string(), field.to_owned()];
    let code = &c.hl7;
    let Some(label) = c.encoding.as_deref() else {
        if c.decoder.needs_encoding() {
            out.push(src.finding(
                &path("decoder"),
                Rule::Syntax,
                format!(
                    "`{code}`: decoder {:?} needs an `encoding` label",
                    c.decoder
                ),
                "give the encoding_rs label the decoder works through",
            ));
        }
        if c.whatwg.is_some() {
            out.push(src.finding(
                &path("whatwg"),
                Rule::Syntax,
                format!("`{code}` has a `whatwg` name but no `encoding` label"),
                "set both or neither",
            ));
        }
        return;
    };
    if label == UTF32_LABEL {
        if c.decoder != Decoder::Utf32 || c.whatwg.is_some() {
            out.push(src.finding(
                &path("encoding"),
                Rule::UnknownDatatype,
                format!(
                    "`{code}`: `{UTF32_LABEL}` is not an encoding_rs label; it is allowed only with decoder utf32 and no `whatwg`"
                ),
                "use decoder: utf32 and whatwg: null, or a label encoding_rs knows",
            ));
        }
        return;
    }
    let enc = match Encoding::for_label(label.as_bytes()) {
        Some(e) if e != encoding_rs::REPLACEMENT => e,
        found => {
            let what = if found.is_some() {
                "resolves to the replacement encoding (it cannot decode anything)"
            } else {
                "is unknown to encoding_rs::Encoding::for_label"
            };
            out.push(src.finding(
                &path("encoding"),
                Rule::UnknownDatatype,
                format!("`{code}`: encoding label `{label}` {what}"),
                "use a WHATWG label (https://encoding.spec.whatwg.org/#names-and-labels), or null with a decoder that needs none",
            ));
            return;
        }
    };
    if c.whatwg.as_deref() != Some(enc.name()) {
        out.push(src.finding(
            &path("whatwg"),
            Rule::UnknownDatatype,
            format!(
                "`{code}`: label `{label}` resolves to {}, but whatwg says {:?}",
                enc.name(),
                c.whatwg
            ),
            format!("set whatwg: {}", enc.name()),
        ));
    }
    if c.decoder == Decoder::Encoding && !enc.name().eq_ignore_ascii_case(&c.charset) {
        out.push(src.finding(
            &path("decoder"),
            Rule::UnknownDatatype,
            format!(
                "`{code}` is {} but label `{label}` decodes as {}: decoder `encoding` would not be exact",
                c.charset,
                enc.name()
            ),
            "pick the decoder that corrects the difference (latin1 for ISO-8859-1, latin5 for ISO-8859-9 …)",
        ));
    }
}

fn check_versions(c: &Charset, i: usize, src: &crate::v3::Located, out: &mut Vec<Finding>) {
    let first = HL7_VERSIONS
        .iter()
        .position(|v| *v == FIRST_MSH18_VERSION)
        .unwrap_or(0);
    let mut seen = HashSet::new();
    for (field, list) in [("versions", &c.versions), ("unverified", &c.unverified)] {
        let mut last = None;
        for (j, v) in list.iter().enumerate() {
            let path = vec![
                "values".to_owned(),
                i.to_string(),
                field.to_owned(),
                j.to_string(),
            ];
            let pos = HL7_VERSIONS.iter().position(|k| k == v);
            let problem = match pos {
                None => Some(format!("`{v}` is not an HL7 version")),
                Some(p) if p < first => Some(format!(
                    "version {v} has no MSH-18 (it first appears in {FIRST_MSH18_VERSION})"
                )),
                Some(_) if !seen.insert(v.as_str()) => Some(format!("version {v} is listed twice")),
                Some(p) if last.is_some_and(|l| p < l) => {
                    Some(format!("version {v} is out of order"))
                }
                Some(_) => None,
            };
            if pos.is_some() {
                last = pos;
            }
            if let Some(problem) = problem {
                out.push(src.finding(
                    &path,
                    Rule::Syntax,
                    format!("`{}` {field}: {problem}", c.hl7),
                    format!(
                        "list versions from {} in order, each once, in `versions` or `unverified`",
                        HL7_VERSIONS[first..].join(", ")
                    ),
                ));
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::path::PathBuf;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn real_file() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/charsets.yaml")
    }

    /// A file under the system temp dir, removed on drop.
    struct TempFile(PathBuf);
    impl TempFile {
        fn new(text: &str) -> Self {
            static N: AtomicUsize = AtomicUsize::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let path = std::env::temp_dir().join(format!(
                "hl7-codegen-charsets-{}-{nanos}-{}.yaml",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::write(&path, text).unwrap();
            TempFile(path)
        }
    }
    impl Drop for TempFile {
        fn drop(&mut self) {
            let _ = std::fs::remove_file(&self.0);
        }
    }

    const FIXTURE: &str = r#"values:
  - { hl7: ASCII, description: a, dicom: null, encoding: null, whatwg: null, charset: US-ASCII, decoder: ascii, width: single, iso2022: false, versions: ["2.3", "2.4"] }
  - { hl7: "8859/1", description: b, dicom: ISO_IR 100, encoding: iso-8859-1, whatwg: windows-1252, charset: ISO-8859-1, decoder: latin1, width: single, iso2022: false, versions: ["2.3"] }
  - { hl7: UNICODE, description: c, dicom: ISO_IR 192, reverse: false, encoding: utf-8, whatwg: UTF-8, charset: UTF-8, decoder: encoding, width: multi, iso2022: false, versions: ["2.3.1"], unverified: ["2.3"] }
  - { hl7: UNICODE UTF-8, description: d, dicom: ISO_IR 192, encoding: utf-8, whatwg: UTF-8, charset: UTF-8, decoder: encoding, width: multi, iso2022: false, versions: ["2.5"] }
  - { hl7: UNICODE UTF-32, description: e, dicom: null, encoding: utf-32, whatwg: null, charset: UTF-32, decoder: utf32, width: multi, iso2022: false, versions: ["2.5"] }
"#;

    fn load_fixture(from: &str, to: &str) -> Result<Charsets, Vec<Finding>> {
        assert!(FIXTURE.contains(from), "{from:?} not in the fixture");
        let f = TempFile::new(&FIXTURE.replacen(from, to, 1));
        load_and_check(&f.0)
    }

    fn only_finding(r: Result<Charsets, Vec<Finding>>) -> Finding {
        let f = r.expect_err("the fixture must fail");
        assert_eq!(f.len(), 1, "expected one finding, got {f:#?}");
        f.into_iter().next().unwrap()
    }

    #[test]
    fn real_file_loads_without_findings() {
        let cs = load_and_check(&real_file()).unwrap_or_else(|f| {
            panic!(
                "{}",
                f.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        assert_eq!(cs.values.len(), 25);
        // Every row of the deployed MSH-18 → DICOM table (docs/conformance.md §5.2).
        for (hl7, dicom) in [
            ("8859/1", "ISO_IR 100"),
            ("8859/2", "ISO_IR 101"),
            ("8859/3", "ISO_IR 109"),
            ("8859/4", "ISO_IR 110"),
            ("8859/5", "ISO_IR 144"),
            ("8859/6", "ISO_IR 127"),
            ("8859/7", "ISO_IR 126"),
            ("8859/8", "ISO_IR 138"),
            ("8859/9", "ISO_IR 148"),
            ("ISO IR14", "ISO_IR 13"),
            ("ISO IR87", "ISO 2022 IR 87"),
            ("ISO IR159", "ISO 2022 IR 159"),
            ("KS X 1001", "ISO 2022 IR 149"),
            ("CNS 11643-1992", "ISO_IR 166"),
            ("UNICODE UTF-8", "ISO_IR 192"),
            ("GB 18030-2000", "GB18030"),
        ] {
            let c = cs.by_hl7(hl7).unwrap_or_else(|| panic!("{hl7} missing"));
            assert_eq!(c.dcm4che.as_deref(), Some(dicom), "{hl7}");
            if hl7 != "CNS 11643-1992" {
                assert_eq!(c.dicom.as_deref(), Some(dicom), "{hl7}");
            }
        }
        for hl7 in [
            "ASCII",
            "8859/15",
            "ISO IR6",
            "BIG-5",
            "UNICODE",
            "UNICODE UTF-16",
            "UNICODE UTF-32",
        ] {
            assert!(cs.by_hl7(hl7).is_some(), "{hl7} missing");
        }
    }

    #[test]
    fn spot_checks() {
        let cs = load_and_check(&real_file()).unwrap();
        let latin1 = cs.by_hl7("8859/1").unwrap();
        assert_eq!(latin1.dicom.as_deref(), Some("ISO_IR 100"));
        assert_eq!(cs.by_dicom("ISO_IR 100").unwrap().hl7, "8859/1");
        // The WHATWG trap is recorded, and the true charset kept apart.
        assert_eq!(latin1.encoding_rs(), Some(encoding_rs::WINDOWS_1252));
        assert_eq!(latin1.charset, "ISO-8859-1");
        assert_eq!(latin1.decoder, Decoder::Latin1);
        assert_eq!(
            cs.by_hl7("UNICODE UTF-8").unwrap().dicom.as_deref(),
            Some("ISO_IR 192")
        );
        assert_eq!(cs.by_dicom("ISO_IR 192").unwrap().hl7, "UNICODE UTF-8");
        let gb = cs.by_hl7("GB 18030-2000").unwrap();
        assert_eq!(gb.dicom.as_deref(), Some("GB18030"));
        assert_eq!(gb.encoding_rs(), Some(encoding_rs::GB18030));
        assert_eq!(cs.by_dicom("GB18030").unwrap().hl7, "GB 18030-2000");
        // The CNS 11643 oddity is kept only as dcm4che's, and does not map back.
        let cns = cs.by_hl7("CNS 11643-1992").unwrap();
        assert_eq!(cns.dicom, None);
        assert_eq!(cns.dcm4che.as_deref(), Some("ISO_IR 166"));
        assert!(cns.note.as_deref().unwrap().contains("Thai"));
        assert!(cs.by_dicom("ISO_IR 166").is_none());
        let ir87 = cs.by_hl7("ISO IR87").unwrap();
        assert!(ir87.iso2022 && ir87.width == Width::Multi);
        assert_eq!(
            cs.by_hl7("8859/9").unwrap().encoding_rs(),
            Some(encoding_rs::WINDOWS_1254)
        );
        assert_eq!(
            cs.by_hl7("UNICODE UTF-32").unwrap().encoding.as_deref(),
            Some(UTF32_LABEL)
        );
        assert!(cs.by_hl7("UNICODE UTF-8").unwrap().in_version("2.5"));
        assert!(!cs.by_hl7("UNICODE UTF-16").unwrap().in_version("2.8"));
    }

    #[test]
    fn fixture_is_clean() {
        load_fixture("", "").unwrap();
    }

    #[test]
    fn duplicate_hl7_value() {
        let f = only_finding(load_fixture("hl7: ASCII,", "hl7: \"8859/1\","));
        assert_eq!(f.rule, Rule::DuplicateName);
        assert_eq!(f.line, Some(3));
    }

    #[test]
    fn dicom_term_mapped_back_twice() {
        let f = only_finding(load_fixture("reverse: false, ", ""));
        assert_eq!(f.rule, Rule::DuplicateName);
        assert_eq!(f.line, Some(5));
    }

    #[test]
    fn dicom_term_mapped_inconsistently() {
        let f = only_finding(load_fixture(
            "hl7: UNICODE UTF-32, description: e, dicom: null,",
            "hl7: UNICODE UTF-32, description: e, dicom: ISO_IR 192, reverse: false,",
        ));
        assert_eq!(f.rule, Rule::DuplicateName);
        assert!(f.message.contains("two byte encodings"), "{}", f.message);
    }

    #[test]
    fn unknown_dicom_term() {
        let f = only_finding(load_fixture("dicom: ISO_IR 100,", "dicom: ISO_IR 1000,"));
        assert_eq!(f.rule, Rule::UnknownTable);
    }

    #[test]
    fn unknown_dcm4che_term() {
        let f = only_finding(load_fixture(
            "dicom: ISO_IR 100,",
            "dicom: ISO_IR 100, dcm4che: ISO_IR 1000,",
        ));
        assert_eq!(f.rule, Rule::UnknownTable);
        assert!(f.message.contains("dcm4che"), "{}", f.message);
    }

    #[test]
    fn runtime_table_lists_every_value() {
        let cs = load_and_check(&real_file()).unwrap();
        let code = runtime_table(&cs);
        assert_eq!(code.matches("Charset {").count(), cs.values.len());
        // The doc table: one row per value, CNS 11643 the only one refused.
        let rows: Vec<&str> = code.lines().filter(|l| l.starts_with("//! | `")).collect();
        assert_eq!(rows.len(), cs.values.len());
        let refused: Vec<&str> = rows
            .iter()
            .filter(|r| r.contains("| ✗ |"))
            .copied()
            .collect();
        assert_eq!(refused.len(), 1);
        assert!(refused[0].starts_with("//! | `CNS 11643-1992`"));
        assert!(code.contains("| `ISO IR87` | ✓ | ✓ | `\\ISO 2022 IR 87` | `ISO 2022 IR 87` |"));
    }

    #[test]
    fn unknown_encoding_label() {
        let f = only_finding(load_fixture(
            "encoding: iso-8859-1, whatwg: windows-1252,",
            "encoding: latin-99, whatwg: windows-1252,",
        ));
        assert_eq!(f.rule, Rule::UnknownDatatype);
        assert_eq!(f.line, Some(3));
        let f = only_finding(load_fixture(
            "encoding: iso-8859-1, whatwg: windows-1252,",
            "encoding: iso-2022-kr, whatwg: windows-1252,",
        ));
        assert!(f.message.contains("replacement"), "{}", f.message);
    }

    #[test]
    fn whatwg_name_must_match_the_label() {
        let f = only_finding(load_fixture("whatwg: windows-1252,", "whatwg: ISO-8859-1,"));
        assert_eq!(f.rule, Rule::UnknownDatatype);
    }

    #[test]
    fn inexact_label_decoder() {
        let f = only_finding(load_fixture("decoder: latin1,", "decoder: encoding,"));
        assert_eq!(f.rule, Rule::UnknownDatatype);
        assert!(f.message.contains("windows-1252"), "{}", f.message);
    }

    #[test]
    fn utf32_label_only_with_its_decoder() {
        let f = only_finding(load_fixture("decoder: utf32,", "decoder: encoding,"));
        assert_eq!(f.rule, Rule::UnknownDatatype);
    }

    #[test]
    fn decoder_without_label() {
        let f = only_finding(load_fixture(
            "encoding: null, whatwg: null, charset: US-ASCII, decoder: ascii,",
            "encoding: null, whatwg: null, charset: US-ASCII, decoder: latin5,",
        ));
        assert_eq!(f.rule, Rule::Syntax);
    }

    #[test]
    fn bad_versions() {
        for (from, to) in [
            (
                r#"versions: ["2.3", "2.4"]"#,
                r#"versions: ["2.3", "2.4.7"]"#,
            ),
            (r#"versions: ["2.3", "2.4"]"#, r#"versions: ["2.2", "2.4"]"#),
            (r#"versions: ["2.3", "2.4"]"#, r#"versions: ["2.4", "2.3"]"#),
            (r#"versions: ["2.3", "2.4"]"#, r#"versions: ["2.3", "2.3"]"#),
            (r#"unverified: ["2.3"]"#, r#"unverified: ["2.3.1"]"#),
        ] {
            let f = only_finding(load_fixture(from, to));
            assert_eq!(f.rule, Rule::Syntax, "{to}");
        }
    }

    #[test]
    fn unknown_field_is_a_located_syntax_error() {
        let f = only_finding(load_fixture(
            "width: single, iso2022: false, versions: [\"2.3\"] }",
            "width: single, iso2022: false, colour: red, versions: [\"2.3\"] }",
        ));
        assert_eq!(f.rule, Rule::Syntax);
        assert_eq!(f.line, Some(3));
    }
}
