//! Character sets on real bytes (`tests/charsets/`, written by `tests/charsets/make.py` with
//! Python's codecs): each message decodes to the expected text, checked by code point where
//! the script is not Latin, parses by MSH-18, writes back byte for byte, and maps to the
//! expected DICOM (0008,0005).

use std::path::{Path, PathBuf};

use hl7_model::charset::{
    self, Charset, CharsetError, DecodeOptions, DicomCharset, DicomError, DicomMapping,
    EncodeOptions, Finding, decode, dicom_byte_len, encode, fits_dicom, from_dicom, to_dicom,
};

fn file(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("charsets")
        .join(name)
}

fn bytes(name: &str) -> Vec<u8> {
    std::fs::read(file(name)).unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// Decodes, parses and re-encodes `name`; returns PID-5 as read, and checks MSH-18's
/// (0008,0005) value and the byte-exact round trip.
#[track_caller]
fn check(name: &str, msh18: &str, pid5: &str, dicom: Result<&str, DicomError>) -> charset::Decoded {
    let raw = bytes(name);
    let d = decode(&raw, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(d.declared.msh18.join("~"), msh18, "{name}");
    let (m, how) = hl7_model::parse_bytes(&raw, &Default::default(), &Default::default()).unwrap();
    assert!(
        d.text.contains(&format!("||{pid5}||")),
        "{name}: {:?}",
        d.text
    );
    let first = pid5.split('~').next();
    assert_eq!(m.get_er7("PID-5").unwrap().as_deref(), first, "{name}");
    assert_eq!(m.to_er7(), d.text, "{name}: the text is kept as read");
    assert_eq!(
        m.to_bytes_with(&EncodeOptions::like(&how)).unwrap(),
        raw[usize::from(how.bom && how.charset.hl7 == "UNICODE UTF-8") * 3..],
        "{name}: written back byte for byte"
    );
    assert_eq!(
        to_dicom(&d.declared.msh18, DicomMapping::Standard).map(|v| v.to_string()),
        dicom.map(str::to_owned),
        "{name}"
    );
    d
}

#[test]
fn latin1_german_and_french() {
    let d = check("latin1-de.hl7", "8859/1", "Müller^Jürgen", Ok("ISO_IR 100"));
    assert!(d.text.contains("NTE|1||Stra\u{DF}e\r"));
    assert_eq!(d.charset.hl7, "8859/1");
    check(
        "latin1-fr.hl7",
        "8859/1",
        "Lef\u{E8}vre^H\u{E9}l\u{E8}ne^\u{C7}",
        Ok("ISO_IR 100"),
    );
    // The bytes as the byte values say: ü is 0xFC.
    assert!(bytes("latin1-de.hl7").windows(2).any(|w| w == b"M\xfc"));
}

#[test]
fn iso_8859_parts_2_to_8() {
    let d = check(
        "latin2-pl.hl7",
        "8859/2",
        "Wa\u{142}\u{119}sa^\u{141}ukasz",
        Ok("ISO_IR 101"),
    );
    assert!(d.text.contains("Dvo\u{159}\u{E1}k Anton\u{ED}n"));
    check(
        "latin3-mt.hl7",
        "8859/3",
        "\u{17B}ammit^\u{120}or\u{121}",
        Ok("ISO_IR 109"),
    );
    check(
        "latin4-lv.hl7",
        "8859/4",
        "B\u{113}rzi\u{146}\u{161}^J\u{101}nis",
        Ok("ISO_IR 110"),
    );
    check(
        "cyrillic.hl7",
        "8859/5",
        "\u{418}\u{432}\u{430}\u{43D}\u{43E}\u{432}^\u{41F}\u{451}\u{442}\u{440}",
        Ok("ISO_IR 144"),
    );
    check(
        "arabic.hl7",
        "8859/6",
        "\u{645}\u{62D}\u{645}\u{62F}^\u{639}\u{644}\u{64A}",
        Ok("ISO_IR 127"),
    );
    check(
        "greek.hl7",
        "8859/7",
        "\u{3A0}\u{3B1}\u{3C0}\u{3B1}\u{3B4}\u{3CC}\u{3C0}\u{3BF}\u{3C5}\u{3BB}\u{3BF}\u{3C2}^\u{393}\u{3B9}\u{3CE}\u{3C1}\u{3B3}\u{3BF}\u{3C2}",
        Ok("ISO_IR 126"),
    );
    check(
        "hebrew.hl7",
        "8859/8",
        "\u{5DB}\u{5D4}\u{5DF}^\u{5D3}\u{5D5}\u{5D3}",
        Ok("ISO_IR 138"),
    );
}

#[test]
fn turkish_keeps_c1_controls() {
    let d = check(
        "turkish.hl7",
        "8859/9",
        "\u{D6}zt\u{FC}rk^\u{C7}a\u{11F}r\u{131}",
        Ok("ISO_IR 148"),
    );
    // 0x80 and 0x9F are C1 controls in ISO 8859-9, not windows-1254's € and Ÿ.
    assert!(d.text.contains("NTE|1||\u{80}\u{9F}\r"), "{:?}", d.text);
}

#[test]
fn latin9_maps_to_iso_ir_203() {
    let d = check(
        "latin9-fr.hl7",
        "8859/15",
        "C\u{153}ur^Zo\u{EB}",
        Ok("ISO_IR 203"),
    );
    assert!(d.text.contains("10 \u{20AC}"));
    assert_eq!(
        to_dicom(&["8859/15"], DicomMapping::Dcm4che).unwrap(),
        DicomCharset::default(),
        "dcm4che has no term for 8859/15"
    );
}

#[test]
fn ascii_has_no_dicom_value() {
    check("ascii.hl7", "ASCII", "Smith^John", Ok(""));
    check("iso-ir6.hl7", "ISO IR6", "Smith^John", Ok(""));
    let raw = bytes("ascii.hl7");
    let declared_ascii = String::from_utf8(raw)
        .unwrap()
        .replace("Smith", "Sm\u{EF}th");
    // Undeclared UTF-8 is read, and reported; refused when the caller says so.
    let d = decode(declared_ascii.as_bytes(), &DecodeOptions::default()).unwrap();
    assert_eq!(d.findings, [Finding::UndeclaredUtf8]);
    let strict = DecodeOptions::default().with_undeclared_utf8(false);
    assert!(matches!(
        decode(declared_ascii.as_bytes(), &strict),
        Err(CharsetError::Malformed {
            charset: "US-ASCII",
            ..
        })
    ));
    // And it cannot be written back as ASCII.
    assert!(matches!(
        encode(&declared_ascii, &EncodeOptions::default()),
        Err(CharsetError::Unrepresentable { ch: '\u{EF}', .. })
    ));
}

#[test]
fn jis_x0201_half_width_katakana() {
    check(
        "jis-x0201.hl7",
        "ISO IR14",
        "\u{FF94}\u{FF8F}\u{FF80}\u{FF9E}^\u{FF80}\u{FF9B}\u{FF73}",
        Ok("ISO_IR 13"),
    );
}

#[test]
fn iso_2022_jp_with_delimiter_trail_bytes() {
    let raw = bytes("iso-2022-jp.hl7");
    // 宮 is 35 5C, 本 4B 5C and 慈 3B 7C in JIS X 0208: trail bytes `\` and `|`.
    assert!(raw.windows(7).any(|w| w == b"\x1b$B5\\K\\"));
    assert!(raw.windows(5).any(|w| w == b"\x1b$B;|"));
    let d = check(
        "iso-2022-jp.hl7",
        "~ISO IR87",
        "\u{5BAE}\u{672C}^\u{6148}~\u{30DF}\u{30E4}\u{30E2}\u{30C8}^\u{30E1}\u{30B0}\u{30DF}",
        Ok("\\ISO 2022 IR 87"),
    );
    assert_eq!(d.declared.msh20.as_deref(), Some("ISO 2022-1994"));
    assert_eq!(d.alternates[0].hl7, "ISO IR87");
    let m = hl7_model::parse(&raw).unwrap();
    assert_eq!(
        m.get("PID-5-1").unwrap().as_deref(),
        Some("\u{5BAE}\u{672C}")
    );
    assert_eq!(m.get("PID-5-2").unwrap().as_deref(), Some("\u{6148}"));
    assert_eq!(m.get("PID-7").unwrap().as_deref(), Some("19700101"));
    // The dcm4che table gives the lone term DICOM does not allow as value 1.
    assert_eq!(
        to_dicom(&d.declared.msh18, DicomMapping::Dcm4che)
            .unwrap()
            .to_string(),
        "ISO 2022 IR 87"
    );
    // And back: MSH-18 `~ISO IR87` with MSH-20 `ISO 2022-1994`.
    let back = from_dicom("\\ISO 2022 IR 87").unwrap();
    assert_eq!(back.field('~'), "~ISO IR87");
    assert_eq!(back.msh20, Some("ISO 2022-1994"));
}

#[test]
fn iso_2022_jp_supplementary_kanji() {
    let raw = bytes("iso-2022-jp-x0212.hl7");
    // 彅 is 3C 74 and 濵 49 26 in JIS X 0212 (ESC $ ( D); 26 is `&`.
    assert!(raw.windows(6).any(|w| w == b"\x1b$(D<t"));
    assert!(raw.windows(6).any(|w| w == b"\x1b$(DI&"));
    let d = check(
        "iso-2022-jp-x0212.hl7",
        "~ISO IR87~ISO IR159",
        "\u{8349}\u{5F45}^\u{525B}",
        Ok("\\ISO 2022 IR 87\\ISO 2022 IR 159"),
    );
    assert!(d.text.contains("NK1|1|\u{6FF5}\u{7530}^\u{525B}\r"));
}

#[test]
fn deprecated_kanji_codes_read_as_iso_2022_jp() {
    for (name, code) in [("jas2020.hl7", "JAS2020"), ("jis-x0202.hl7", "JIS X 0202")] {
        let d = check(
            name,
            code,
            "\u{7530}\u{4E2D}^\u{4E00}\u{90CE}",
            Err(DicomError::NoDicomTerm {
                code: Charset::by_hl7(code).unwrap().hl7,
            }),
        );
        assert_eq!(d.charset.hl7, code);
    }
}

#[test]
fn gb18030_four_byte_character() {
    let raw = bytes("gb18030.hl7");
    // 䶮 (U+4DAE) is FE 9F; 𠮷 (U+20BB7) takes four bytes: 95 34 B2 35.
    assert!(raw.windows(2).any(|w| w == b"\xfe\x9f"));
    assert!(raw.windows(4).any(|w| w == b"\x95\x34\xb2\x35"));
    let d = check(
        "gb18030.hl7",
        "GB 18030-2000",
        "\u{5218}^\u{4DAE}",
        Ok("GB18030"),
    );
    assert!(d.text.contains("\u{6771}\u{8208}\u{8DEF}\u{20BB7}"));
    assert_eq!(from_dicom("GB18030").unwrap().field('~'), "GB 18030-2000");
    assert_eq!(from_dicom("GBK").unwrap().field('~'), "GB 18030-2000");
}

#[test]
fn korean_ks_x_1001() {
    check(
        "korean.hl7",
        "KS X 1001",
        "\u{AE40}^\u{BBFC}\u{C900}",
        Ok("\\ISO 2022 IR 149"),
    );
    // Korean in DICOM: G1 designated by ESC $ ) C, counted in the length.
    let kr = DicomCharset {
        values: vec![String::new(), "ISO 2022 IR 149".into()],
    };
    assert_eq!(dicom_byte_len("\u{AE40}", &kr).unwrap(), 4 + 2);
}

#[test]
fn big5_trail_byte_backslash() {
    let raw = bytes("big5.hl7");
    // 許 is B3 5C: its trail byte is the escape character.
    assert!(raw.windows(2).any(|w| w == b"\xb3\\"));
    check(
        "big5.hl7",
        "BIG-5",
        "\u{8A31}^\u{5FD7}\u{660E}",
        Err(DicomError::NoDicomTerm { code: "BIG-5" }),
    );
}

#[test]
fn unicode_and_thai_utf8() {
    check(
        "unicode.hl7",
        "UNICODE",
        "Jos\u{E9}^\u{D1}u\u{F1}ez",
        Ok("ISO_IR 192"),
    );
    let d = check(
        "utf8-thai.hl7",
        "UNICODE UTF-8",
        "\u{E2A}\u{E21}\u{E0A}\u{E32}\u{E22}^\u{E43}\u{E08}\u{E14}\u{E35}",
        Ok("ISO_IR 192"),
    );
    assert!(d.findings.is_empty());
    // Thai's own DICOM set has no HL7 code.
    assert!(matches!(
        from_dicom("ISO_IR 166"),
        Err(DicomError::NoHl7Code { .. })
    ));
}

#[test]
fn utf8_stray_bom_is_reported_and_dropped() {
    let raw = bytes("utf8-bom.hl7");
    assert_eq!(&raw[..3], b"\xef\xbb\xbf");
    let d = check(
        "utf8-bom.hl7",
        "UNICODE UTF-8",
        "\u{E2A}\u{E21}\u{E0A}\u{E32}\u{E22}^\u{E43}\u{E08}\u{E14}\u{E35}",
        Ok("ISO_IR 192"),
    );
    assert_eq!(d.findings, [Finding::ByteOrderMark]);
    assert!(d.text.starts_with("MSH|"));
}

#[test]
fn utf16_and_utf32_by_byte_order_mark() {
    let d = check(
        "utf16be.hl7",
        "UNICODE UTF-16",
        "Nguy\u{1EC5}n^V\u{103}n",
        Err(DicomError::NoDicomTerm {
            code: "UNICODE UTF-16",
        }),
    );
    assert!(!d.bom && !d.little_endian);
    assert_eq!(
        d.findings,
        [Finding::ByteOrderFromHeader {
            little_endian: false
        }]
    );
    let d = check(
        "utf16le-bom.hl7",
        "UNICODE UTF-16",
        "Nguy\u{1EC5}n^V\u{103}n",
        Err(DicomError::NoDicomTerm {
            code: "UNICODE UTF-16",
        }),
    );
    assert!(d.bom && d.little_endian);
    for name in ["utf32be-bom.hl7", "utf32le-bom.hl7"] {
        let d = check(
            name,
            "UNICODE UTF-32",
            "\u{3A9}\u{3BC}\u{3AD}\u{3B3}\u{3B1}^\u{1D49C}",
            Err(DicomError::NoDicomTerm {
                code: "UNICODE UTF-32",
            }),
        );
        // FF FE 00 00 is UTF-32LE, not UTF-16LE followed by a NUL.
        assert_eq!(d.little_endian, name.contains("le"), "{name}");
    }
}

#[test]
fn cns_11643_is_refused_with_a_clear_error() {
    // EUC-TW bytes cannot be produced or read by any codec at hand: the value is refused
    // before its bytes are looked at.
    let raw = b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||CNS 11643-1992\rPID|1||7||\xc4\xa1\xc4\xa2\r";
    let err = decode(raw, &DecodeOptions::default()).unwrap_err();
    assert!(matches!(
        err,
        CharsetError::Unsupported {
            code: "CNS 11643-1992",
            ..
        }
    ));
    assert!(err.to_string().contains("EUC-TW"), "{err}");
    assert!(matches!(
        hl7_model::parse(raw),
        Err(hl7_model::ParseError::Charset(
            CharsetError::Unsupported { .. }
        ))
    ));
    // No DICOM term; dcm4che's table maps it to the Thai set, kept as the compatibility option.
    assert_eq!(
        to_dicom(&["CNS 11643-1992"], DicomMapping::Standard),
        Err(DicomError::NoDicomTerm {
            code: "CNS 11643-1992"
        })
    );
    assert_eq!(
        to_dicom(&["CNS 11643-1992"], DicomMapping::Dcm4che)
            .unwrap()
            .to_string(),
        "ISO_IR 166"
    );
    // A caller may choose a fallback: reported, not silent.
    let opts = DecodeOptions::default().with_fallback(Charset::by_hl7("BIG-5").unwrap());
    let d = decode(raw, &opts).unwrap();
    assert_eq!(
        d.findings,
        [Finding::Fallback {
            value: "CNS 11643-1992".into(),
            used: "BIG-5"
        }]
    );
}

#[test]
fn unknown_msh18_is_an_error_or_a_chosen_fallback() {
    let raw = b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||latin-1\rPID|1||7||Ren\xe9e\r";
    assert_eq!(
        hl7_model::parse(raw).unwrap_err(),
        hl7_model::ParseError::Charset(CharsetError::UnknownCharset {
            value: "latin-1".into()
        })
    );
    let opts = DecodeOptions::default().with_fallback(Charset::by_hl7("8859/1").unwrap());
    let (m, how) = hl7_model::parse_bytes(raw, &Default::default(), &opts).unwrap();
    assert_eq!(m.get("PID-5").unwrap().as_deref(), Some("Ren\u{E9}e"));
    assert!(matches!(
        &how.findings[..],
        [Finding::Fallback { used: "8859/1", .. }]
    ));
}

#[test]
fn iso_2022_state_resets_at_each_segment() {
    // ESC $ B 3B 33 (山) and no ESC ( B before the CR: the next segment is still ASCII.
    let raw = b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||~ISO IR87||ISO 2022-1994\rPID|1||7||\x1b$B;3\rPV1|1|O\r";
    let d = decode(raw, &DecodeOptions::default()).unwrap();
    assert!(
        d.text.ends_with("PID|1||7||\u{5C71}\rPV1|1|O\r"),
        "{:?}",
        d.text
    );
    assert_eq!(d.findings, [Finding::UnterminatedShift { segment: 2 }]);
    let m = hl7_model::parse(raw).unwrap();
    assert_eq!(m.get("PV1-2").unwrap().as_deref(), Some("O"));
}

#[test]
fn hl7_escapes_switch_sets_with_msh20_2_3() {
    // \M2442\ is ESC $ B (JIS X 0208), \C2842\ is ESC ( B: 山田 is 3B 33 45 44.
    let raw = b"MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||~ISO IR87||2.3\rPID|1||7||\\M2442\\;3ED\\C2842\\^Taro\r";
    let (m, how) = hl7_model::parse_bytes(raw, &Default::default(), &Default::default()).unwrap();
    assert_eq!(
        m.get("PID-5-1").unwrap().as_deref(),
        Some("\u{5C71}\u{7530}")
    );
    assert_eq!(m.get("PID-5-2").unwrap().as_deref(), Some("Taro"));
    assert!(how.findings.is_empty(), "{:?}", how.findings);
    assert_eq!(m.to_bytes().unwrap(), raw);
}

#[test]
fn every_supported_value_round_trips_its_own_text() {
    // For each table value, a text in its repertoire is written and read back the same.
    let samples = [
        ("ASCII", "Smith"),
        ("8859/1", "M\u{FC}ller"),
        ("8859/2", "\u{141}ukasz"),
        ("8859/3", "\u{120}or\u{121}"),
        ("8859/4", "J\u{101}nis"),
        ("8859/5", "\u{41F}\u{451}\u{442}\u{440}"),
        ("8859/6", "\u{639}\u{644}\u{64A}"),
        (
            "8859/7",
            "\u{393}\u{3B9}\u{3CE}\u{3C1}\u{3B3}\u{3BF}\u{3C2}",
        ),
        ("8859/8", "\u{5D3}\u{5D5}\u{5D3}"),
        ("8859/9", "\u{C7}a\u{11F}r\u{131}"),
        ("8859/15", "C\u{153}ur \u{20AC}"),
        ("ISO IR6", "Smith"),
        ("ISO IR14", "\u{FF80}\u{FF9B}\u{FF73}"),
        ("ISO IR87", "\u{5C71}\u{7530}"),
        ("ISO IR159", "\u{5F45}"),
        ("GB 18030-2000", "\u{5218}\u{4DAE}"),
        ("KS X 1001", "\u{AE40}"),
        ("BIG-5", "\u{8A31}"),
        ("UNICODE", "\u{E2A}"),
        ("UNICODE UTF-8", "\u{E2A}"),
        ("UNICODE UTF-16", "\u{1EC5}"),
        ("UNICODE UTF-32", "\u{1D49C}"),
        ("JAS2020", "\u{7530}"),
        ("JIS X 0202", "\u{7530}"),
    ];
    for c in &charset::table::TABLE {
        if !c.supported() {
            assert_eq!(c.hl7, "CNS 11643-1992");
            continue;
        }
        let (_, name) = samples
            .iter()
            .find(|(code, _)| *code == c.hl7)
            .unwrap_or_else(|| panic!("no sample for {}", c.hl7));
        let text = format!(
            "MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||{}\rPID|1||7||{name}\r",
            c.hl7
        );
        let bytes =
            encode(&text, &EncodeOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", c.hl7));
        let back =
            decode(&bytes, &DecodeOptions::default()).unwrap_or_else(|e| panic!("{}: {e}", c.hl7));
        assert_eq!(back.text, text, "{}", c.hl7);
        assert_eq!(back.charset.hl7, c.hl7);
    }
}

#[test]
fn dicom_terms_map_back() {
    for (dicom, msh18, msh20) in [
        ("ISO_IR 100", "8859/1", None),
        ("ISO_IR 148", "8859/9", None),
        ("ISO_IR 203", "8859/15", None),
        ("ISO_IR 13", "ISO IR14", None),
        ("ISO_IR 192", "UNICODE UTF-8", None),
        (
            "ISO 2022 IR 13\\ISO 2022 IR 87",
            "ISO IR14~ISO IR87",
            Some("ISO 2022-1994"),
        ),
        (
            "\\ISO 2022 IR 87\\ISO 2022 IR 159",
            "~ISO IR87~ISO IR159",
            Some("ISO 2022-1994"),
        ),
        ("\\ISO 2022 IR 149", "~KS X 1001", Some("ISO 2022-1994")),
        (
            "ISO 2022 IR 6\\ISO 2022 IR 100",
            "~8859/1",
            Some("ISO 2022-1994"),
        ),
    ] {
        let m = from_dicom(dicom).unwrap_or_else(|e| panic!("{dicom}: {e}"));
        assert_eq!(m.field('~'), msh18, "{dicom}");
        assert_eq!(m.msh20, msh20, "{dicom}");
    }
    assert!(matches!(
        from_dicom("ISO_IR 999"),
        Err(DicomError::UnknownTerm { .. })
    ));
    // Both ways for each MSH-18 with a term.
    for reps in [
        &["ISO IR14", "ISO IR87"][..],
        &["", "ISO IR87", "ISO IR159"],
        &["8859/5"],
    ] {
        let dicom = to_dicom(reps, DicomMapping::Standard).unwrap();
        let back = from_dicom(&dicom.to_string()).unwrap();
        assert_eq!(back.repetitions, reps, "{dicom}");
    }
    // ISO_IR 192 is single-valued only.
    assert_eq!(
        to_dicom(&["UNICODE UTF-8", "ISO IR87"], DicomMapping::Standard),
        Err(DicomError::NotSingleValued { term: "ISO_IR 192" })
    );
}

#[test]
fn dicom_length_counts_bytes_and_escapes() {
    let jp = from_dicom("\\ISO 2022 IR 87").unwrap();
    assert_eq!(jp.field('~'), "~ISO IR87");
    let jp = DicomCharset {
        values: vec![String::new(), "ISO 2022 IR 87".into()],
    };
    // Yamada^Taro: ASCII, then 山田^太郎 with two shifts in and out.
    assert_eq!(
        dicom_byte_len("Yamada^Taro=\u{5C71}\u{7530}^\u{592A}\u{90CE}", &jp).unwrap(),
        12 + (3 + 4 + 3) + 1 + (3 + 4 + 3)
    );
    // PN allows 64 bytes per component group: 20 kanji are 40 bytes plus 6 of escapes.
    let twenty: String = std::iter::repeat_n('\u{5C71}', 20).collect();
    assert!(fits_dicom(&twenty, 64, &jp).unwrap());
    let thirty: String = std::iter::repeat_n('\u{5C71}', 30).collect();
    assert!(!fits_dicom(&thirty, 64, &jp).unwrap());
    // UTF-8 counts bytes, not characters.
    assert_eq!(
        dicom_byte_len("\u{E2A}\u{E21}", &DicomCharset::utf8()).unwrap(),
        6
    );
    assert_eq!(
        dicom_byte_len(
            "M\u{FC}ller",
            &DicomCharset {
                values: vec!["ISO_IR 100".into()]
            }
        )
        .unwrap(),
        6
    );
    // A character the target set lacks is an error, not a count.
    assert!(
        dicom_byte_len(
            "\u{5C71}",
            &DicomCharset {
                values: vec!["ISO_IR 100".into()]
            }
        )
        .is_err()
    );
}

#[test]
fn encoding_never_writes_a_question_mark() {
    for (msh18, text) in [
        ("8859/1", "\u{141}"),
        ("8859/5", "\u{3A9}"),
        ("~ISO IR87", "\u{4DAE}"),
        ("KS X 1001", "\u{5C71}\u{7530}\u{20AC}\u{1F600}"),
        ("ISO IR14", "\u{5C71}"),
        ("8859/9", "\u{20AC}"),
    ] {
        let msg = format!(
            "MSH|^~\\&|A||||||ADT^A01|1|P|2.5||||||{msh18}||ISO 2022-1994\rPID|1||7||{text}\r"
        );
        let err = encode(&msg, &EncodeOptions::default()).unwrap_err();
        assert!(
            matches!(err, CharsetError::Unrepresentable { .. }),
            "{msh18}: {err}"
        );
    }
}

#[test]
fn corpus_messages_with_msh18_read_by_it() {
    // Every corpus message that declares a set is read by it, or refused with a typed error.
    let corpus = Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus");
    let mut read = std::collections::BTreeMap::<String, usize>::new();
    let mut refused = Vec::new();
    for path in crate::common::files_under(&corpus, None) {
        let raw = std::fs::read(&path).unwrap();
        if !raw.starts_with(b"MSH") {
            continue;
        }
        match charset::decode_all(&raw, &DecodeOptions::default()) {
            Ok(all) => {
                for d in all.iter().filter(|d| !d.declared.msh18.is_empty()) {
                    *read.entry(d.declared.msh18.join("~")).or_default() += 1;
                }
            }
            Err(e) => refused.push(format!("{}: {e}", path.display())),
        }
    }
    // The declared sets as the corpus holds them, ~ISO IR87 both in ISO 2022 and as UTF-8
    // copies that kept their MSH-18.
    assert!(read.get("8859/1").is_some_and(|n| *n >= 20), "{read:?}");
    assert_eq!(read.get("~ISO IR87"), Some(&12), "{read:?}");
    assert_eq!(read.get("UNICODE UTF-8"), Some(&7), "{read:?}");
    // Refused: values outside table 0211 (`8859`, `UTF-8`, `x`, `0`) and fuzzed bytes.
    for r in &refused {
        assert!(
            r.contains("not a table 0211 value") || r.contains("fuzz_"),
            "{r}"
        );
    }
}

/// A real SS-MIX2 message in ISO-2022-JP from the corpus: the name is the one Python's
/// iso2022_jp codec reads (患者 太郎, カンジャ タロウ).
#[test]
fn corpus_iso_2022_jp_name() {
    let path = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("corpus/edge_cases/ssmixtwins/adt_a01_L4_iso2022jp.hl7");
    let raw = std::fs::read(path).unwrap();
    let m = hl7_model::parse(&raw).unwrap();
    assert_eq!(
        m.get("PID-5-1").unwrap().as_deref(),
        Some("\u{60A3}\u{8005}")
    );
    assert_eq!(
        m.get("PID-5-2").unwrap().as_deref(),
        Some("\u{592A}\u{90CE}")
    );
    assert_eq!(
        m.get_er7("PID-5").unwrap().as_deref(),
        Some("\u{60A3}\u{8005}^\u{592A}\u{90CE}^^^^^L^I")
    );
    assert!(
        m.to_er7()
            .contains("~\u{30AB}\u{30F3}\u{30B8}\u{30E3}^\u{30BF}\u{30ED}\u{30A6}^^^^^L^P|")
    );
    // The file has no final segment terminator; the message written back ends with one.
    assert_eq!(m.to_bytes().unwrap(), [&raw[..], b"\r"].concat());
}

/// Big5, GB 18030 and KS X 1001 (read as Unified Hangul Code) end some two-byte codes in
/// bytes below 0x80, which ISO 2022 reserves for G0:
/// as the default set beside alternates reached by escapes they are refused, by the decoder
/// and the encoder alike, rather than read into text that cannot be written back.
#[test]
fn big5_gb18030_and_ks_x_1001_are_refused_as_the_default_beside_iso_2022_alternates() {
    for msh18 in [
        "BIG-5~ISO IR87",
        "GB 18030-2000~ISO IR159",
        "KS X 1001~ISO IR87",
    ] {
        let text = format!("MSH|^~\\&|A|||||||1|P|2.5||||||{msh18}||ISO 2022-1994\rPID|1\r");
        let code = msh18.split('~').next().unwrap();
        for err in [
            charset::decode(text.as_bytes(), &DecodeOptions::default()).unwrap_err(),
            charset::encode(&text, &Default::default()).unwrap_err(),
        ] {
            assert!(
                matches!(err, CharsetError::Unsupported { code: c, .. } if c == code),
                "{msh18}: {err:?}"
            );
        }
    }
    // Alone they are read.
    for file in ["big5.hl7", "gb18030.hl7", "korean.hl7"] {
        assert!(charset::decode(&bytes(file), &DecodeOptions::default()).is_ok());
    }
}
