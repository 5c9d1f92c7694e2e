//! Terser-style path access (`hl7_model::path`) on the lean message (`Message`): reads on
//! every corpus message checked against the ER7 tokenizer; writes checked for what a write
//! must do (the value reads back, the text reads again into the same tree, nothing but the
//! segment written changes); and worked examples on messages built from nothing, Z-segments
//! and generic messages.

use std::path::PathBuf;

use hl7_model::er7::{self, escape::unescape};
use hl7_model::message::{Message, ParseOptions};
use hl7_model::path::{PathError, TerserPath};
use hl7_model::tree::{EntryKind, Lean};
use proptest::prelude::*;

/// The corpus's message files that hold one message (batches have their own tests).
fn corpus_messages() -> Vec<(PathBuf, String)> {
    crate::common::corpus_messages()
        .into_iter()
        .filter(|(_, text)| !(text.contains("FHS|") || text.contains("BHS|")))
        .collect()
}

/// `text` read as one lean message with the default options.
fn read(text: &str) -> Message {
    Message::parse(text, &ParseOptions::default()).unwrap()
}

/// What `SEG(n)-f(r)-c` holds according to the tokenizer alone: the first subcomponent of the
/// component, escapes decoded; header fields 1 and 2 verbatim.
fn expected(seg: &er7::Segment<'_>, f: usize, r: usize, c: usize) -> Option<String> {
    let field = seg.field(f)?;
    if seg.is_header() && f <= 2 {
        return (r == 0 && c == 1)
            .then(|| field.as_str().to_owned())
            .filter(|s| !s.is_empty());
    }
    let rep = field.repetition(r)?;
    let comp = rep.component(c)?;
    let first = comp.subcomponent(1)?;
    (!first.is_empty()).then(|| unescape(first, seg.delimiters()).into_owned())
}

#[test]
fn paths_agree_with_the_tokenizer_on_every_corpus_message() {
    let (mut messages, mut checked, mut present, mut er7_checked) = (0, 0, 0, 0);
    for (file, text) in corpus_messages() {
        let Ok(tokens) = er7::Tokenized::parse(&text) else {
            continue;
        };
        let m = Message::parse(&text, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        messages += 1;
        let mut seen: std::collections::HashMap<&str, usize> = Default::default();
        for seg in tokens.segments() {
            let id = seg.id();
            let n = *seen.entry(id).and_modify(|n| *n += 1).or_insert(0);
            if id.len() != 3 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
                continue;
            }
            for f in 1..=seg.field_count().min(40) {
                let field = seg.field(f).unwrap();
                let reps = field.repetition_count().clamp(1, 4);
                for r in 0..reps {
                    let comps = field
                        .repetition(r)
                        .map_or(1, |x| x.component_count().clamp(1, 8));
                    for c in 1..=comps {
                        let path = format!("{id}({n})-{f}({r})-{c}");
                        let got = m
                            .get(&path)
                            .unwrap_or_else(|e| panic!("{}: {path}: {e}", file.display()));
                        let want = expected(seg, f, r, c);
                        assert_eq!(got, want, "{}: {path}", file.display());
                        checked += 1;
                        present += usize::from(want.is_some());
                    }
                    // The whole repetition's wire text, by its 1-based form.
                    if !(seg.is_header() && f <= 2) {
                        let path = format!("{id}[{}]-{f}[{}]", n + 1, r + 1);
                        let wire = m
                            .get_er7(&path)
                            .unwrap_or_else(|e| panic!("{}: {path}: {e}", file.display()))
                            .unwrap_or_default();
                        let sent = field.repetition(r).map_or("", |x| x.as_str());
                        assert_eq!(wire, sent, "{}: {path}", file.display());
                        er7_checked += 1;
                    }
                }
            }
        }
    }
    eprintln!(
        "{messages} messages, {checked} paths, {present} values present, {er7_checked} wire texts"
    );
    assert!(messages > 350, "{messages} messages");
    // Every field, repetition and component the corpus sends (within the bounds above).
    assert_eq!(checked, 99_419, "paths read");
    assert!(er7_checked > 20_000, "{er7_checked} wire texts");
    assert!(present > 20_000, "{present} of {checked} values present");
}

#[test]
fn values_written_by_path_read_back_after_encoding_and_parsing_again() {
    let value = "a|b^c&d~e\\f";
    let mut tally = Tally::default();
    for (file, text) in corpus_messages() {
        let Ok(mut m) = Message::parse(&text, &ParseOptions::default()) else {
            continue;
        };
        let label = file.display().to_string();
        let before = m.to_er7();
        for path in ["PID-5-2", "PID-3(1)-1", "MSH-10", "OBX(1)-5-2", "NTE-3"] {
            let Ok(Some(_)) = m.get(path) else {
                continue;
            };
            checked_write(&mut m, &label, path, value, false, &mut tally);
            assert_eq!(m.get(path).unwrap().as_deref(), Some(value), "{path}");
            let again = read(&m.to_er7());
            assert_eq!(
                again.get(path).unwrap().as_deref(),
                Some(value),
                "{label}: {path}"
            );
        }
        // Only the segments written to changed.
        let after = m.to_er7();
        let changed = before
            .split('\r')
            .zip(after.split('\r'))
            .filter(|(a, b)| a != b)
            .count();
        assert!(changed <= 5, "{label}");
        assert_eq!(before.split('\r').count(), after.split('\r').count());
    }
    tally.assert_none_differ();
    assert_eq!(tally.ok, tally.writes, "{:?}", tally.errors);
    assert!(tally.ok > 300, "{} values written", tally.ok);
}

const ORU: &str = "MSH|^~\\&|LAB|HOSP|||20240101120000||ORU^R01^ORU_R01|42|P|2.5\r\
PID|1||123^^^H~456^^^X||Doe^John||19700101|M\r\
OBR|1||A1|GLU^Glucose\r\
OBX|1|NM|GLU||5.4|mmol/L\r\
OBX|2|CE|TXT||POS^Positive^L|\r\
ZXT|site|data\r\
OBR|2||A2|NA^Sodium\r\
OBX|1|NM|NA||140|mmol/L\r";

#[test]
fn paths_through_groups_repetitions_and_searches() {
    let m = read(ORU);
    let get = |path: &str| m.get(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    let get_er7 = |path: &str| m.get_er7(path).unwrap_or_else(|e| panic!("{path}: {e}"));
    assert_eq!(get("PID-5-1").as_deref(), Some("Doe"));
    assert_eq!(get("PID-5").as_deref(), Some("Doe"));
    assert_eq!(get_er7("PID-5").as_deref(), Some("Doe^John"));
    // A segment without its terminator, a group's segments each with theirs.
    assert_eq!(
        get_er7("PID").as_deref(),
        Some("PID|1||123^^^H~456^^^X||Doe^John||19700101|M")
    );
    assert_eq!(
        get_er7("/PATIENT_RESULT/ORDER_OBSERVATION(1)").as_deref(),
        Some("OBR|2||A2|NA^Sodium\rOBX|1|NM|NA||140|mmol/L\r")
    );
    // The whole message but its header.
    assert_eq!(
        get_er7("/PATIENT_RESULT").as_deref(),
        ORU.split_once('\r').map(|(_, rest)| rest)
    );
    assert_eq!(get_er7("ZXT").as_deref(), Some("ZXT|site|data"));
    assert_eq!(get_er7("OBX(2)-5-1").as_deref(), Some("140"));
    assert_eq!(get_er7("PV1-2"), None);
    assert_eq!(get("PID-3(1)-4").as_deref(), Some("X"));
    assert_eq!(get("PID-3[2]-4").as_deref(), Some("X"));
    assert_eq!(
        get("/PATIENT_RESULT/PATIENT/PID-7").as_deref(),
        Some("19700101")
    );
    // Search counts in message order; anchored steps count within their group.
    assert_eq!(get("OBX(2)-5").as_deref(), Some("140"));
    assert_eq!(
        get("/PATIENT_RESULT/ORDER_OBSERVATION(1)/OBX(0)-5").as_deref(),
        Some("140")
    );
    assert_eq!(
        get("/PATIENT_RESULT/ORDER_OBSERVATION(0)/OBSERVATION(1)/OBX-5-2").as_deref(),
        Some("Positive")
    );
    assert_eq!(
        get("/.ORDER_OBSERVATION(1)/OBR-4-2").as_deref(),
        Some("Sodium")
    );
    assert_eq!(get("OBX(3)-5"), None);
    assert_eq!(get("PID-30"), None);
    // The Z-segment is reached where it was kept.
    assert_eq!(get("ZXT-2").as_deref(), Some("data"));
    // Header fields are verbatim.
    assert_eq!(get("MSH-1").as_deref(), Some("|"));
    assert_eq!(get("MSH-2").as_deref(), Some("^~\\&"));
    assert_eq!(get("MSH-9-3").as_deref(), Some("ORU_R01"));
    // Groups and segments as wire text.
    assert_eq!(
        get_er7("/.ORDER_OBSERVATION(1)").as_deref(),
        Some("OBR|2||A2|NA^Sodium\rOBX|1|NM|NA||140|mmol/L\r")
    );
    assert_eq!(
        get_er7("OBX(1)").as_deref(),
        Some("OBX|2|CE|TXT||POS^Positive^L|")
    );
}

#[test]
fn path_errors_are_typed() {
    let mut m = read(ORU);
    assert!(matches!(m.get("PID-0"), Err(PathError::Syntax { .. })));
    assert!(matches!(
        m.get("/NOPE/PID-1"),
        Err(PathError::NoSuchItem { .. })
    ));
    assert!(matches!(
        m.get("PID/OBX-1"),
        Err(PathError::SegmentNotLast { .. })
    ));
    assert!(matches!(
        m.get("PATIENT_RESULT-1"),
        Err(PathError::FieldOfGroup { .. })
    ));
    assert!(matches!(
        m.set("MSH-1", "#"),
        Err(PathError::FieldSeparator { .. })
    ));
    assert!(matches!(
        m.set("MSH-10(1)", "x"),
        Err(PathError::NotRepeating { .. })
    ));
    assert!(matches!(
        m.set("/MSH(1)-10", "x"),
        Err(PathError::CannotCreate { .. })
    ));
    assert!(matches!(
        m.set("PID-3(10000)", "x"),
        Err(PathError::IndexTooLarge { .. })
    ));
    assert!(matches!(m.set("PID", "x"), Err(PathError::NoField { .. })));
    assert!(matches!(
        m.set_er7("/PATIENT_RESULT", "PID|1"),
        Err(PathError::NoField { .. })
    ));
    assert!(matches!(
        m.set_er7("PID", "PV1|1"),
        Err(PathError::WrongSegment { .. })
    ));
    assert!(matches!(
        m.set("PID-4000000000", "x"),
        Err(PathError::IndexTooLarge { .. })
    ));
    // Nothing was changed by the refused writes.
    assert_eq!(m.to_er7(), ORU);
    assert_eq!(m, read(ORU));
}

/// The writes of `writing_creates_what_is_missing_where_the_structure_puts_it`, and the text
/// they give.
const ORU_WRITES: [(&str, &str, bool); 10] = [
    ("PID-3(3)-1", "789", false),
    ("PID-5-3", "Q", false),
    ("OBX(3)-5", "99", false), // a fourth OBX: in a new OBSERVATION of the last order
    ("OBX(3)-3", "K", false),
    ("/.ORDER_OBSERVATION(1)/OBR-4", "NA^Natrium", true),
    ("ZXT-3", "more", false),
    ("ZZZ-1", "new", false), // not in the structure: added at the end
    ("OBX(2)", "OBX|1|NM|NA||140|mmol/L", true), // a whole segment, as ER7
    ("PID-40-2", "beyond", false), // beyond PID's definition: kept as text
    ("OBX(1)-5-4", "x&y", false), // inside a varies value
];

/// ORU after [`ORU_WRITES`]. PID has 39 fields in 2.5: field 40 follows 31 empty ones.
fn oru_written() -> String {
    let pid_tail = format!("{}^beyond", "|".repeat(32));
    format!(
        "MSH|^~\\&|LAB|HOSP|||20240101120000||ORU^R01^ORU_R01|42|P|2.5\r\
PID|1||123^^^H~456^^^X~~789||Doe^John^Q||19700101|M{pid_tail}\r\
OBR|1||A1|GLU^Glucose\r\
OBX|1|NM|GLU||5.4|mmol/L\r\
OBX|2|CE|TXT||POS^Positive^L^x\\T\\y|\r\
ZXT|site|data|more\r\
OBR|2||A2|NA^Natrium\r\
OBX|1|NM|NA||140|mmol/L\r\
OBX|||K||99\r\
ZZZ|new\r",
    )
}

#[test]
fn writing_creates_what_is_missing_where_the_structure_puts_it() {
    let mut m = read(ORU);
    for (path, value, er7) in ORU_WRITES {
        if er7 {
            m.set_er7(path, value)
        } else {
            m.set(path, value)
        }
        .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    assert_eq!(m.to_er7(), oru_written());
    assert_eq!(m.get("PID-40-2").unwrap().as_deref(), Some("beyond"));
    assert_eq!(m.get("OBX(1)-5-4").unwrap().as_deref(), Some("x&y"));
    assert_eq!(
        m.get("/.ORDER_OBSERVATION(1)/OBSERVATION(1)/OBX-3")
            .unwrap()
            .as_deref(),
        Some("K")
    );
    let again = read(&m.to_er7());
    assert_eq!(again.to_er7(), m.to_er7());
    assert_eq!(again.get("OBX(3)-3").unwrap().as_deref(), Some("K"));
}

/// A write two occurrences past the end creates the ones before it empty, as a field
/// repetition past the end does (`PID-3(3)` above): `NTE[3]` of an order with no NTE is the
/// third of three.
#[test]
fn writing_past_the_last_occurrence_creates_the_ones_between() {
    for value in ["a", ""] {
        let mut m = read(ORU);
        let mut tally = Tally::default();
        checked_write(
            &mut m,
            "ORU",
            "ORDER_OBSERVATION/NTE[3]-1",
            value,
            false,
            &mut tally,
        );
        tally.assert_none_differ();
        assert_eq!(tally.ok, 1, "{:?}", tally.errors);
        let nte = format!("NTE\rNTE\rNTE{}", if value.is_empty() { "" } else { "|a" });
        assert!(
            m.to_er7()
                .contains(&format!("OBR|1||A1|GLU^Glucose\r{nte}\rOBX|1")),
            "{:?}",
            m.to_er7()
        );
        assert_eq!(m.get("ORDER_OBSERVATION/NTE(1)-1").unwrap(), None);
        let want = Some(value.to_owned()).filter(|v| !v.is_empty());
        assert_eq!(m.get("ORDER_OBSERVATION/NTE(2)-1").unwrap(), want);
    }
}

#[test]
fn the_example_writes_keep_what_they_do_not_touch() {
    let mut m = read(ORU);
    let mut tally = Tally::default();
    for (path, value, er7) in ORU_WRITES {
        checked_write(&mut m, "ORU", path, value, er7, &mut tally);
    }
    tally.assert_none_differ();
    assert_eq!(tally.ok, 10, "{:?}", tally.errors);
    assert_eq!(m.to_er7(), oru_written());

    // Refused writes (those of `path_errors_are_typed` and more): each its error, nothing
    // changed.
    let mut m = read(ORU);
    let mut tally = Tally::default();
    expect_refused(
        &mut m,
        &mut tally,
        &[
            ("MSH-1", "#", false, "FieldSeparator"),
            // The delimiters the message is written with stay (found by fuzzing: other
            // encoding characters made a text that does not read).
            ("MSH-2", "0x^y&z", false, "EncodingCharacters"),
            ("MSH-2", "#~\\&", false, "EncodingCharacters"),
            ("MSH-2-1", "c1", false, "EncodingCharacters"),
            ("MSH", "MSH#^~\\&#LAB", true, "WrongSegment"),
            ("MSH", "MSH|^~\\|LAB", true, "EncodingCharacters"),
            ("MSH-10(1)", "x", false, "NotRepeating"),
            ("/MSH(1)-10", "x", false, "CannotCreate"),
            // A message holds no batch envelope (found by fuzzing: the text no longer read
            // as one message).
            ("FHS-5-1", "x", false, "CannotCreate"),
            ("BTS-1", "1", false, "CannotCreate"),
            ("MSH(1)-10", "x", false, "CannotCreate"),
            ("PID", "x", false, "NoField"),
            ("/PATIENT_RESULT", "PID|1", true, "NoField"),
            ("PID", "PV1|1", true, "WrongSegment"),
            ("/NOPE/PID-1", "x", false, "NoSuchItem"),
            ("PID/OBX-1", "x", false, "SegmentNotLast"),
            ("PATIENT_RESULT-1", "x", false, "FieldOfGroup"),
            ("OBX(7)-1", "x", false, "FieldOfGroup"),
            (
                "/PATIENT_RESULT/PATIENT/PID(1)-1",
                "x",
                false,
                "CannotCreate",
            ),
        ],
    );
    tally.assert_none_differ();
    assert_eq!(tally.ok, 0);
    assert_eq!(m.to_er7(), ORU);
}

#[test]
fn a_write_that_fails_after_creating_leaves_what_it_created() {
    // A new VISIT group and PV1 are created before PV1-2 (not repeating in 2.5) is found to
    // have no second repetition, and a new PATIENT_RESULT, PATIENT and PID before a second
    // PID in one PATIENT is refused; they stay. A segment of another id is refused before
    // anything is created.
    let mut m = read(ORU);
    let mut tally = Tally::default();
    expect_refused(
        &mut m,
        &mut tally,
        &[
            ("PV1-2(1)", "x", false, "NotRepeating"),
            (
                "/PATIENT_RESULT(1)/PATIENT/PID(1)-1",
                "x",
                false,
                "CannotCreate",
            ),
            (
                "/.ORDER_OBSERVATION(2)/OBX(1)",
                "PID|1",
                true,
                "WrongSegment",
            ),
        ],
    );
    tally.assert_none_differ();
    assert_eq!(tally.ok, 0);
    assert_eq!(
        m.tree_lines(),
        [
            "ORU_R01",
            "  MSH",
            "  PATIENT_RESULT",
            "    PATIENT",
            "      PID",
            "      VISIT",
            "        PV1",
            "    ORDER_OBSERVATION",
            "      OBR",
            "      OBSERVATION",
            "        OBX",
            "      OBSERVATION",
            "        OBX",
            "        ZXT",
            "    ORDER_OBSERVATION",
            "      OBR",
            "      OBSERVATION",
            "        OBX",
            "  PATIENT_RESULT",
            "    PATIENT",
            "      PID",
        ]
    );
    let (head, rest) = ORU.split_at(ORU.find("OBR|1").unwrap());
    assert_eq!(m.to_er7(), format!("{head}PV1\r{rest}PID\r"));
}

#[test]
fn er7_text_with_higher_separators_is_read_back_as_structure() {
    // ER7 text holding a separator above the position written (a repetition separator in a
    // repetition) is at once the structure it spells: the next write sees two repetitions
    // there, as it would in the text read again.
    let mut m = read(ORU);
    m.set_er7("PID-3", "a~b").unwrap();
    assert!(m.to_er7().contains("\rPID|1||a~b~456^^^X||Doe^John||"));
    assert_eq!(m.get("PID-3(1)").unwrap().as_deref(), Some("b"));
    assert_eq!(m.get("PID-3(2)-4").unwrap().as_deref(), Some("X"));
    let mut again = read(&m.to_er7());
    m.set("PID-3(1)-1", "c").unwrap();
    assert!(m.to_er7().contains("\rPID|1||a~c~456^^^X||Doe^John||"));
    again.set("PID-3(1)-1", "c").unwrap();
    assert_eq!(m.to_er7(), again.to_er7());
}

#[test]
fn lean_messages_without_a_version_are_written_as_text() {
    // Without the version's definitions every field may repeat and a value goes where the
    // text's separators put it, as in a segment the structure does not define.
    let read = hl7_model::message::parse(ORU).unwrap();
    let structure = read.structure();
    assert!(
        read.lean().version().is_some(),
        "parsing attaches the version"
    );
    let mut lean = Lean::parse(structure.body, ORU, &Default::default()).unwrap();
    assert!(lean.version().is_none());
    let p = |s: &str| s.parse::<TerserPath>().unwrap();
    p("MSH-10(1)").set(&mut lean, "x").unwrap();
    p("PID-7-2").set(&mut lean, "y").unwrap();
    let text = lean.to_er7();
    assert!(text.contains("|ORU^R01^ORU_R01|42~x|P|"), "{text}");
    assert!(text.contains("|19700101^y|"), "{text}");
    // With the version, MSH-10 does not repeat.
    let mut lean = hl7_model::message::parse(ORU).unwrap().lean().clone();
    assert!(matches!(
        p("MSH-10(1)").set(&mut lean, "x"),
        Err(PathError::NotRepeating { .. })
    ));
}

#[test]
fn a_message_built_from_nothing_by_paths() {
    let v = hl7_model::VERSIONS
        .iter()
        .find(|v| v.version == "2.5.1")
        .unwrap();
    let mut m = Message::new(v, v.structure("ORU_R01").unwrap(), Default::default());
    let mut tally = Tally::default();
    // MSH-1 is the message's field separator, given with it; paths never write it.
    for (path, value) in [
        ("MSH-2", "^~\\&"),
        ("MSH-3", "LAB"),
        ("MSH-9-1", "ORU"),
        ("MSH-9-2", "R01"),
        ("MSH-10", "1"),
        ("MSH-12", "2.5.1"),
        ("PID-5-1", "Doe"),
        ("OBR-4-1", "GLU"),
        ("OBX-5", "5.4"),
        ("OBX(1)-5", "6.1"),
        ("/.ORDER_OBSERVATION(1)/OBR-4-1", "NA"),
        ("OBX(2)-5", "140"),
    ] {
        checked_write(&mut m, "ORU_R01", path, value, false, &mut tally);
    }
    tally.assert_none_differ();
    assert_eq!(tally.ok, 12, "{:?}", tally.errors);
    let text = "MSH|^~\\&|LAB||||||ORU^R01|1||2.5.1\rPID|||||Doe\rOBR||||GLU\rOBX|||||5.4\rOBX|||||6.1\rOBR||||NA\rOBX|||||140\r";
    assert_eq!(m.to_er7(), text);
    // The tree ORU_R01 gives these segments, built and read again alike.
    let tree = [
        "ORU_R01",
        "  MSH",
        "  PATIENT_RESULT",
        "    PATIENT",
        "      PID",
        "    ORDER_OBSERVATION",
        "      OBR",
        "      OBSERVATION",
        "        OBX",
        "      OBSERVATION",
        "        OBX",
        "    ORDER_OBSERVATION",
        "      OBR",
        "      OBSERVATION",
        "        OBX",
    ];
    assert_eq!(m.tree_lines(), tree);
    let again = read(text);
    assert_eq!(again.structure().id, "ORU_R01");
    assert_eq!(again.version().version, "2.5.1");
    assert_eq!(again.tree_lines(), tree);
    assert_eq!(
        again
            .get("/.ORDER_OBSERVATION(1)/OBX-5")
            .unwrap()
            .as_deref(),
        Some("140")
    );
}

#[test]
fn generic_messages_and_tokenized_messages_have_paths_too() {
    let text = "MSH|^~\\&|A|B|||||ZZZ^Z99|7|P|2.5\rZAA|1|x^y~z\rZAA|2\r";
    let mut m = read(text);
    assert_eq!(m.structure().id, "GENERIC");
    assert!(m.structure_fallback().is_some());
    assert_eq!(m.tree_lines(), ["GENERIC", "  MSH", "  ZAA", "  ZAA"]);
    assert_eq!(m.get("ZAA-2(1)").unwrap().as_deref(), Some("z"));
    assert_eq!(m.get("ZAA(1)-1").unwrap().as_deref(), Some("2"));
    assert_eq!(m.get("MSH-10").unwrap().as_deref(), Some("7"));
    m.set("ZAA(1)-2-2", "w").unwrap();
    m.set("MSH-10", "8").unwrap();
    assert_eq!(
        m.to_er7(),
        "MSH|^~\\&|A|B|||||ZZZ^Z99|8|P|2.5\rZAA|1|x^y~z\rZAA|2|^w\r"
    );
    let tokens = er7::Tokenized::parse(text).unwrap();
    let path: TerserPath = "ZAA-2-2".parse().unwrap();
    assert_eq!(path.get_tokenized(&tokens).unwrap().as_deref(), Some("y"));
    let group: TerserPath = "/PATIENT/PID-1".parse().unwrap();
    assert!(matches!(
        group.get_tokenized(&tokens),
        Err(PathError::NoGroups { .. })
    ));
}

#[test]
fn generic_messages_are_written_by_paths() {
    let text = "MSH|^~\\&|A|B|||||ZZZ^Z99|7|P|2.5\rZAA|1|x^y~z\rZAA|2\r";
    let mut m = read(text);
    let mut tally = Tally::default();
    for (path, value, er7) in [
        ("ZAA(1)-2-2", "w", false),
        ("MSH-10", "8", false),
        ("ZAA-2(2)-3", "r", false),
        ("ZAA(2)-1", "third", false),
        ("ZAA(3)", "ZAA|4", true),
        ("ZAB-1", "b", false),
        ("/ZAA(1)-1", "anchored", false),
        ("MSH-10(1)", "9", false),
        ("PID-1", "p", false),
    ] {
        checked_write(&mut m, "generic", path, value, er7, &mut tally);
    }
    // A segment added to a generic message is held as one the grammar has no place for
    // (validation reports it, code 100), where reading the text again puts it at the
    // structure's `*` item: a known divergence of the writer, listed so that a change shows.
    let placed_on_reading: Vec<String> = tally
        .take(Fault::PlacedOnReading)
        .iter()
        .map(|f| f.split('\t').nth(1).unwrap_or("").to_owned())
        .collect();
    assert_eq!(
        placed_on_reading,
        [
            "set ZAA(2)-1 = \"third\"",
            "set_er7 ZAA(3) = \"ZAA|4\"",
            "set ZAB-1 = \"b\"",
            "set PID-1 = \"p\""
        ],
        "{:?}",
        tally.faults
    );
    tally.assert_none_differ();
    assert_eq!(tally.ok, 9, "{:?}", tally.errors);
    // A generic message defines no fields: every field may repeat.
    assert_eq!(
        m.to_er7(),
        "MSH|^~\\&|A|B|||||ZZZ^Z99|8~9|P|2.5\rZAA|1|x^y~z~^^r\rZAA|anchored|^w\rZAA|third\rZAA|4\rZAB|b\rPID|p\r"
    );
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No path, well-formed or not, makes reading or writing panic, and a write either fails
    /// with a typed error or leaves a message that parses to the same text.
    #[test]
    fn arbitrary_paths_never_panic(path in "[/.]?([A-Z_]{1,12}([(\\[][0-9]{1,3}[)\\]])?/){0,3}[.]?[A-Z0-9]{2,4}([(\\[][0-9]{1,2}[)\\]])?([-.][0-9]{1,2}([(\\[][0-9]{1,2}[)\\]])?){0,3}", any in "\\PC{0,12}") {
        let mut m = read(ORU);
        let _ = m.get(&path);
        let _ = m.get_er7(&path);
        let _ = m.get(&any);
        if m.set(&path, "v|^").is_ok() {
            let text = m.to_er7();
            let again = read(&text);
            prop_assert_eq!(again.to_er7(), text);
        }
        let _ = m.set_er7(&any, &any);
    }

    /// Any write keeps what a write must (see [`checked_write`]), whatever ER7 text it
    /// writes, and ER7 text of any kind never makes the message panic.
    #[test]
    fn arbitrary_path_writes_keep_what_they_do_not_touch(path in "[/.]?([.]?(PATIENT_RESULT|ORDER_OBSERVATION|OBSERVATION|PATIENT|VISIT|[A-Z_]{1,12})([(\\[][0-9]{1,2}[)\\]])?/){0,3}[.]?(PID|OBX|OBR|ZXT|ZZZ|MSH|PV1|NTE|PATIENT_RESULT|ORDER_OBSERVATION|OBSERVATION|PATIENT|VISIT|[A-Z0-9]{2,4})([(\\[][0-9]{1,2}[)\\]])?([-.][0-9]{1,2}([(\\[][0-9]{1,2}[)\\]])?){0,3}", value in "[a-z|^~&\\\\]{0,6}", er7: bool, any in "\\PC{0,12}") {
        let mut m = read(ORU);
        let mut tally = Tally::default();
        checked_write(&mut m, "ORU", &path, &value, er7, &mut tally);
        // The kinds of fault the corpus writes find, listed in
        // tests/golden/path-write-faults.tsv, are known; no other may occur.
        for kind in [
            Fault::PlacedOnReading,
            Fault::UnplacedOnReading,
            Fault::Regrouped,
            Fault::ReadsAnotherSegment,
            Fault::SecondHeader,
        ] {
            tally.take(kind);
        }
        prop_assert!(tally.faults.is_empty(), "{:?}", tally.faults);
        let _ = m.set_er7(&path, &any);
        let _ = m.to_er7();
        let _ = m.tree_lines();
        let _ = m.set_er7(&any, &any);
    }
}

/// How path writes went, for counting: made, refused by kind, and the writes that broke what
/// a write must keep, described, by kind.
#[derive(Default, Debug)]
pub(crate) struct Tally {
    pub(crate) writes: usize,
    pub(crate) ok: usize,
    pub(crate) errors: std::collections::BTreeMap<String, usize>,
    faults: Vec<(Fault, String)>,
}

/// Why a write did not keep to [`write_holds`].
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Fault {
    /// It wrote other encoding characters into MSH-2: the message goes on reading with the
    /// delimiters it was read with, while its text declares others (or none that are usable).
    EncodingCharacters,
    /// It added a segment as one the grammar has no place for, where reading the text again
    /// places it at an item: the `*` item of a generic message, or an item that opens a new
    /// group (an OBR written into an OBSERVATION begins a new ORDER_OBSERVATION when read).
    PlacedOnReading,
    /// It placed a segment at an item where reading the text again has no place for it: a
    /// group occurrence created without the segment that must begin it.
    UnplacedOnReading,
    /// Reading the text again gives the same segments unexpected but other groups.
    Regrouped,
    /// It created a segment by a search (`NTE(3)`) at a place of the structure that is not
    /// that occurrence in message order: the path then names another segment.
    ReadsAnotherSegment,
    /// It put a segment terminator into the text: ER7 text holding CR, or a subcomponent
    /// written where MSH-2 declares no subcomponent separator (the delimiters then hold CR
    /// as the subcomponent separator, which never splits, until it is written).
    SplitsSegment,
    /// It added a second MSH (at the `*` item of a generic message, or as a segment the
    /// grammar has no place for): the text is two messages.
    SecondHeader,
    /// It wrote a whole segment whose id, up to the message's field separator, is not the
    /// one the path names (`ZSC|whole` where the field separator is not `|`).
    SegmentId,
    /// Anything else.
    Other,
}

impl Tally {
    /// Counts one write's result.
    pub(crate) fn count(&mut self, result: &Result<(), PathError>) {
        self.writes += 1;
        match result {
            Ok(()) => self.ok += 1,
            Err(e) => {
                let kind = format!("{e:?}");
                let kind = kind.split([' ', '{', '(']).next().unwrap_or("").to_owned();
                *self.errors.entry(kind).or_default() += 1;
            }
        }
    }

    /// Records a write that did not do what it must.
    pub(crate) fn fault(&mut self, kind: Fault, what: String) {
        self.faults.push((kind, what));
    }

    /// Takes out the faults of `kind`, to be checked by the caller.
    fn take(&mut self, kind: Fault) -> Vec<String> {
        let (taken, kept) = std::mem::take(&mut self.faults)
            .into_iter()
            .partition(|(k, _)| *k == kind);
        self.faults = kept;
        taken.into_iter().map(|(_, what)| what).collect()
    }

    /// Fails with the first faults, when there are any.
    pub(crate) fn assert_none_differ(&self) {
        assert!(
            self.faults.is_empty(),
            "{} of {} writes are faulty; the first:\n{}",
            self.faults.len(),
            self.writes,
            self.faults
                .iter()
                .take(15)
                .map(|(kind, what)| format!("{kind:?}: {what}"))
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

/// Writes `value` at `path` in `m` (as ER7 text when `er7`), counts the result in `tally`,
/// and records a fault when the write did not keep to [`write_holds`]. After a fault the
/// message goes on as its text reads again, when only the tree was at fault, or else as it
/// was before the write, so that one fault is reported once.
/// Each write `(path, value, er7, error)` of `cases` is refused with `error` (a
/// `PathError` variant's name), the message unchanged.
fn expect_refused(m: &mut Message, tally: &mut Tally, cases: &[(&str, &str, bool, &str)]) {
    for &(path, value, er7, refused) in cases {
        checked_write(m, "ORU", path, value, er7, tally);
        assert_eq!(
            tally.errors.get(refused),
            Some(&1),
            "{path}: {:?}",
            tally.errors
        );
        tally.errors.clear();
    }
}

pub(crate) fn checked_write(
    m: &mut Message,
    label: &str,
    path: &str,
    value: &str,
    er7: bool,
    tally: &mut Tally,
) {
    let before = m.clone();
    let result = if er7 {
        m.set_er7(path, value)
    } else {
        m.set(path, value)
    };
    tally.count(&result);
    if let Err((kind, fault)) = write_holds(&before, m, path, value, er7, result.is_ok()) {
        let how = if er7 { "set_er7" } else { "set" };
        tally.fault(
            kind,
            format!(
                "{label}\t{how} {path} = {}\t{result:?}: {fault}",
                short(value)
            ),
        );
        let text_kept = matches!(
            kind,
            Fault::PlacedOnReading
                | Fault::UnplacedOnReading
                | Fault::Regrouped
                | Fault::ReadsAnotherSegment
        );
        *m = match Message::parse(&m.to_er7(), &ParseOptions::default()) {
            Ok(again) if text_kept && again.structure().id == m.structure().id => again,
            _ => before,
        };
    }
}

/// `value` quoted, cut after 40 characters.
fn short(value: &str) -> String {
    let quoted = format!("{value:?}");
    match quoted.char_indices().nth(40) {
        Some((at, _)) => format!("{}…", &quoted[..at]),
        None => quoted,
    }
}

/// The position a path's text names, read from the text alone: the path to its segment (the
/// path without its field part), the segment id, and the field, component and subcomponent
/// numbers it gives.
#[derive(Debug)]
struct Target<'p> {
    segment_path: &'p str,
    id: &'p str,
    field: Option<usize>,
    component: Option<usize>,
    subcomponent: Option<usize>,
}

impl<'p> Target<'p> {
    /// `None` for text this reading does not follow (the path parser decides what is a
    /// path; this only reads the ones a write accepted).
    fn of(path: &'p str) -> Option<Target<'p>> {
        let last = path.rsplit('/').next()?;
        let step = last.strip_prefix('.').unwrap_or(last);
        let name_len = step
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(step.len());
        let id = &step[..name_len];
        let mut rest = &step[name_len..];
        if rest.starts_with(['(', '[']) {
            rest = &rest[rest.find([')', ']'])? + 1..];
        }
        let segment_path = &path[..path.len() - rest.len()];
        let mut t = Target {
            segment_path,
            id,
            field: None,
            component: None,
            subcomponent: None,
        };
        if rest.is_empty() {
            return Some(t);
        }
        let mut parts = rest.strip_prefix(['-', '.'])?.split(['-', '.']);
        let field = parts.next()?;
        let field = field.split(['(', '[']).next()?;
        t.field = Some(field.parse().ok()?);
        t.component = parts.next().map(str::parse).transpose().ok()?;
        t.subcomponent = parts.next().map(str::parse).transpose().ok()?;
        parts.next().is_none().then_some(t)
    }

    /// Whether the path names MSH-1 or MSH-2 (FHS, BHS), the delimiters, read verbatim.
    fn is_delimiter_field(&self) -> bool {
        ["MSH", "FHS", "BHS"].contains(&self.id) && self.field.is_some_and(|f| f <= 2)
    }

    /// The separators above the position named, which ER7 text written there spells as
    /// structure rather than holds as its value.
    fn separators_above(&self, d: &hl7_model::delimiters::Delimiters) -> Vec<char> {
        let mut above = vec!['\r', '\n'];
        if self.field.is_some() {
            above.extend([d.field, d.repetition]);
        }
        if self.component.is_some() {
            above.push(d.component);
        }
        if self.subcomponent.is_some() {
            above.push(d.subcomponent);
        }
        above
    }
}

/// How the segments after a write differ from those before.
enum Change {
    None,
    /// The segment at this position (the same in both) has other text.
    Replaced(usize),
    /// Segments were inserted at this position: the last is the one written, those before it
    /// the empty occurrences a write past the end creates on the way (`NTE(2)` where there is
    /// no NTE creates three).
    Inserted(usize, usize),
}

/// How segments `after` differ from `before`: nothing, one segment's text, or segments
/// inserted in one place, all but the last of them empty occurrences of the last's id;
/// anything else is a fault.
fn change(before: &[&str], after: &[&str], field: char) -> Result<Change, String> {
    let same = before.iter().zip(after).take_while(|(a, b)| a == b).count();
    let added = after.len() as isize - before.len() as isize;
    let inserted = |n: usize| {
        let block = &after[same..same + n];
        let id = block[n - 1].split(field).next().unwrap_or("");
        before[same..] == after[same + n..] && block[..n - 1].iter().all(|s| *s == id)
    };
    match added {
        0 if same == before.len() => Ok(Change::None),
        0 if before[same + 1..] == after[same + 1..] => Ok(Change::Replaced(same)),
        n if n > 0 && inserted(n as usize) => Ok(Change::Inserted(same, n as usize)),
        _ => Err(format!(
            "more than one segment changed:\n  before {before:?}\n  after  {after:?}"
        )),
    }
}

/// The group tree as [`Message::tree_lines`] prints it, each line with, for a segment,
/// whether the grammar had no place for it.
fn tree_with_kinds(m: &Lean) -> Vec<(String, Option<bool>)> {
    fn lines_of(
        m: &Lean,
        g: &'static hl7_model::descriptor::GroupDesc,
        range: std::ops::Range<usize>,
        depth: usize,
        out: &mut Vec<(String, Option<bool>)>,
    ) {
        let pad = "  ".repeat(depth);
        for (i, e) in m.tree().children(range) {
            match e.kind {
                EntryKind::Group => {
                    let name = match g.items.get(e.item as usize) {
                        Some(hl7_model::descriptor::ItemDesc::Group { group, .. }) => group,
                        _ => {
                            out.push((format!("{pad}(group at item {})", e.item), None));
                            continue;
                        }
                    };
                    out.push((format!("{pad}{}", name.name), None));
                    lines_of(m, name, i + 1..e.value as usize, depth + 1, out);
                }
                kind => {
                    let text = m.segment(e.value);
                    let id = text.split(m.delimiters().field).next().unwrap_or("");
                    out.push((format!("{pad}{id}"), Some(kind == EntryKind::Unexpected)));
                }
            }
        }
    }
    let mut out = vec![(m.root().name.to_owned(), None)];
    lines_of(m, m.root(), 0..m.tree().entries.len(), 1, &mut out);
    out
}

/// Compares the tree of a message as written with the tree of its text read again: the same
/// groups and segments at the same items. A segment the grammar has no place for is added by
/// a write at the end of its group (`hl7_model::path`), while reading keeps it in the group
/// it follows: such segments (unexpected both as written and as read) may hang elsewhere.
fn same_tree(written: &Lean, read: &Lean) -> Result<(), (Fault, String)> {
    let (w, r) = (tree_with_kinds(written), tree_with_kinds(read));
    let unexpected =
        |t: &[(String, Option<bool>)]| -> Vec<bool> { t.iter().filter_map(|(_, k)| *k).collect() };
    let (uw, ur) = (unexpected(&w), unexpected(&r));
    let show = |t: &[(String, Option<bool>)]| {
        t.iter()
            .map(|(l, k)| format!("{l}{}", if *k == Some(true) { "?" } else { "" }))
            .collect::<Vec<_>>()
    };
    let aside = |t: &[(String, Option<bool>)]| -> Vec<String> {
        let mut n = 0;
        let mut out = Vec::new();
        for (line, kind) in t {
            if kind.is_some() {
                n += 1;
                if uw.get(n - 1) == Some(&true) && ur.get(n - 1) == Some(&true) {
                    continue;
                }
            }
            out.push(line.clone());
        }
        out
    };
    if uw == ur && aside(&w) == aside(&r) {
        return Ok(());
    }
    let kind = if uw.iter().zip(&ur).any(|(w, r)| *w && !*r) {
        Fault::PlacedOnReading
    } else if uw.iter().zip(&ur).any(|(w, r)| !*w && *r) {
        Fault::UnplacedOnReading
    } else {
        Fault::Regrouped
    };
    // From a little before the first line that differs.
    let (w, r) = (show(&w), show(&r));
    let first = w.iter().zip(&r).take_while(|(a, b)| a == b).count();
    let from = first.saturating_sub(3);
    Err((
        kind,
        format!(
            "read again into another tree, from line {from}:\n  written {:?}\n  read    {:?}",
            &w[from..w.len().min(from + 14)],
            &r[from..r.len().min(from + 14)]
        ),
    ))
}

/// The segments of a message in message order, as its text holds them.
fn segments_of(m: &Lean) -> Vec<&str> {
    m.tree()
        .entries
        .iter()
        .filter(|e| e.kind != EntryKind::Group)
        .map(|e| m.segment(e.value))
        .collect()
}

/// The header of segments `segs`: what precedes it (a sender's noise lines) is kept as
/// sent.
fn header_of<'a>(segs: &[&'a str]) -> Option<&'a str> {
    segs.iter().copied().find(|s| s.starts_with("MSH"))
}

/// A segment as the tokenizer reads it, with the delimiters header line `msh` declares: its
/// id and its fields from field 1 (MSH-1 and MSH-2 verbatim), or why it does not read.
fn tokenized(msh: &str, segment: &str) -> Result<(String, Vec<String>), String> {
    let text = if segment == msh {
        format!("{msh}\r")
    } else {
        format!("{msh}\r{segment}\r")
    };
    let m = er7::Tokenized::parse(&text).map_err(|e| e.to_string())?;
    let seg = m.segments().last().ok_or("no segment")?;
    let fields = (1..=seg.field_count())
        .map(|i| seg.field(i).map_or("", |f| f.as_str()).to_owned())
        .collect();
    Ok((seg.id().to_owned(), fields))
}

/// The text of `after` read again, as a new message; into the structure and version the
/// message has when its header now names others.
fn read_again_as(after: &Message) -> Result<Lean, (Fault, String)> {
    let other = |s: String| (Fault::Other, s);
    let lean = after.lean();
    let new = after.to_er7();
    let opts = ParseOptions::default();
    let again = match Message::parse(&new, &opts) {
        Ok(m)
            if m.structure().id == after.structure().id
                && m.version().version == after.version().version =>
        {
            m.lean().clone()
        }
        Err(hl7_model::message::ParseError::Er7(e @ er7::Er7Error::SecondMessage { .. })) => {
            return Err((
                Fault::SecondHeader,
                format!("the text written does not read as one message: {e}"),
            ));
        }
        _ => Lean::parse(lean.root(), &new, &opts)
            .map_err(|e| other(format!("the text written does not read again: {e}")))?
            .with_version(after.version()),
    };
    if again.to_er7() != new {
        return Err(other(format!("read again as {:?}", again.to_er7())));
    }
    Ok(again)
}

/// What a path write must keep, checked on the message `before` it and `after` it, by
/// reading the text again and with the tokenizer:
///
/// - the write changes one segment, inserts one, or changes nothing; a refused write inserts
///   at most one empty segment (one created before the refusal);
/// - MSH-2, the encoding characters the message is read with, stays as it is;
/// - the text reads again as one message, into the same tree (see [`same_tree`]); into the
///   structure and version the message has when a write to MSH-9 or MSH-12 changed them;
/// - a segment changed keeps every field but the one written (and those after it, when ER7
///   text holding field separators was written there; all of them for a whole segment), a
///   segment inserted holds only what was written, and either is the segment the path names;
/// - the value reads back at the path: as given by `set` (`None` for `""`), as ER7 text by
///   `set_er7` unless the text holds separators above the position written; and it reads the
///   same in the text read again.
fn write_holds(
    before: &Message,
    after: &Message,
    path: &str,
    value: &str,
    er7: bool,
    ok: bool,
) -> Result<(), (Fault, String)> {
    let other = |s: String| (Fault::Other, s);
    let lean = after.lean();
    let d = *lean.delimiters();
    let (old_segs, new_segs) = (segments_of(before.lean()), segments_of(lean));

    // MSH-2 as the message's own field separator finds it.
    let msh2 = |segs: &[&str]| {
        header_of(segs)
            .and_then(|h| h.get(4..))
            .map(|rest| rest.split(d.field).next().unwrap_or("").to_owned())
    };
    // A header read with a repair (a doubled escape character) may be written with the
    // delimiters it is read with.
    if !old_segs.is_empty()
        && msh2(&old_segs) != msh2(&new_segs)
        && msh2(&new_segs) != Some(d.encoding_characters())
    {
        return Err((
            Fault::EncodingCharacters,
            format!(
                "MSH-2 is now {:?}, the message reads with {:?}",
                msh2(&new_segs).unwrap_or_default(),
                d.encoding_characters()
            ),
        ));
    }
    if let Some(split) = new_segs.iter().find(|s| s.contains(['\r', '\n'])) {
        return Err((
            Fault::SplitsSegment,
            format!("a segment holds a terminator: {split:?}"),
        ));
    }
    let change = change(&old_segs, &new_segs, d.field).map_err(other)?;
    // When nothing changed (a refused write, or one that wrote what was there), the message
    // is the one read, or checked, before.
    let unchanged = matches!(change, Change::None) && before.lean() == lean;

    // The text read again, as a new message; into the structure and version the message has
    // when its header now names others.
    let read_again;
    let again = if unchanged {
        lean
    } else {
        read_again = read_again_as(after)?;
        same_tree(lean, &read_again)?;
        &read_again
    };

    if !ok {
        return match change {
            Change::None => Ok(()),
            Change::Inserted(k, n) if !new_segs[k + n - 1].contains(d.field) => Ok(()),
            _ => Err(other("a refused write changed the message".to_owned())),
        };
    }
    let Some(t) = Target::of(path) else {
        return Err(other(
            "a write accepted a path this test does not read".to_owned(),
        ));
    };

    // Nothing but the segment written changed, and only where it was written.
    let field_sep_in_value = er7 && value.contains(d.field);
    let kept = |i: usize| match t.field {
        None => false,
        Some(f) => i != f && !(field_sep_in_value && i > f),
    };
    let (old_header, header) = (
        header_of(&old_segs).unwrap_or(""),
        header_of(&new_segs).unwrap_or(""),
    );
    let read_segment = |header: &str, segment: &str| {
        tokenized(header, segment).map_err(|e| other(format!("{segment:?} does not read: {e}")))
    };
    let written = match change {
        Change::None => None,
        Change::Replaced(k) => {
            let (_, was) = read_segment(old_header, old_segs[k])?;
            let (id, is) = read_segment(header, new_segs[k])?;
            fn field(f: &[String], i: usize) -> &str {
                f.get(i - 1).map_or("", String::as_str)
            }
            if let Some(i) = (1..=was.len().max(is.len()))
                .filter(|&i| kept(i))
                .find(|&i| field(&was, i) != field(&is, i))
            {
                return Err(other(format!(
                    "field {i} of the segment written changed: {:?} → {:?}",
                    old_segs[k], new_segs[k]
                )));
            }
            Some((new_segs[k], id))
        }
        Change::Inserted(k, n) => {
            let k = k + n - 1;
            let (id, is) = read_segment(header, new_segs[k])?;
            let delimiters = if id == "MSH" { 2 } else { 0 };
            if let Some(i) = (delimiters + 1..=is.len())
                .filter(|&i| kept(i))
                .find(|&i| !is[i - 1].is_empty())
            {
                return Err(other(format!(
                    "field {i} of the segment inserted is not empty: {:?}",
                    new_segs[k]
                )));
            }
            Some((new_segs[k], id))
        }
    };
    let read = |p: &str, m: &Lean| TerserPath::parse(p).and_then(|p| p.get(m));
    let read_er7 = |p: &str, m: &Lean| TerserPath::parse(p).and_then(|p| p.get_er7(m));
    if let Some((text, id)) = written {
        if t.field.is_none() && text != value {
            return Err(other(format!("the segment written is {text:?}")));
        }
        if id != t.id {
            return Err((
                Fault::SegmentId,
                format!("a segment of id {id:?} was written for {}", t.id),
            ));
        }
        let named = read_er7(t.segment_path, lean);
        if named != Ok(Some(text.to_owned())) {
            return Err((
                Fault::ReadsAnotherSegment,
                format!(
                    "{} names {named:?}, the segment written is {text:?}",
                    t.segment_path
                ),
            ));
        }
    }

    // The value reads back, and reads the same in the text read again.
    let back = read(path, lean);
    let want = Some(value.to_owned()).filter(|v| !v.is_empty());
    if t.is_delimiter_field() || !er7 {
        if back != Ok(want.clone()) {
            return Err(other(format!("reads back as {back:?}")));
        }
    } else if !value.contains(&t.separators_above(&d)[..]) {
        let back = read_er7(path, lean);
        if back != Ok(want.clone()) && back != Ok(Some(value.to_owned())) {
            return Err(other(format!("reads back as ER7 {back:?}")));
        }
    }
    if read(path, again) != back || read_er7(path, again) != read_er7(path, lean) {
        return Err(other(format!(
            "reads {:?} in the text read again, {back:?} as written",
            read(path, again)
        )));
    }
    Ok(())
}

/// The groups of a tree (as [`Message::tree_lines`] prints it): each group name, how many
/// occurrences the message holds, and the first segment below its first occurrence.
fn groups_of(tree: &[String]) -> Vec<(String, usize, String)> {
    let depth = |l: &str| l.len() - l.trim_start().len();
    let mut out: Vec<(String, usize, String)> = Vec::new();
    for (i, line) in tree.iter().enumerate().skip(1) {
        let name = line.trim_start();
        let is_segment = name.len() == 3;
        if is_segment {
            continue;
        }
        if let Some(g) = out.iter_mut().find(|(n, _, _)| n == name) {
            g.1 += 1;
            continue;
        }
        let first = tree[i + 1..]
            .iter()
            .take_while(|l| depth(l) > depth(line))
            .map(|l| l.trim_start())
            .find(|l| l.len() == 3);
        if let Some(first) = first {
            out.push((name.to_owned(), 1, first.to_owned()));
        }
    }
    out
}

#[test]
fn path_writes_keep_what_they_do_not_touch_on_every_corpus_message() {
    let mut tally = Tally::default();
    let mut messages = 0;
    let mut no_subcomponent = std::collections::BTreeSet::new();
    for (file, text) in corpus_messages() {
        let Ok(tokens) = er7::Tokenized::parse(&text) else {
            continue;
        };
        let mut m = Message::parse(&text, &ParseOptions::default())
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let label = file
            .strip_prefix(crate::common::corpus().join("messages"))
            .unwrap_or(&file)
            .display()
            .to_string();
        // As read: the segments the tokenizer gives, byte for byte.
        let sent: String = tokens
            .segments()
            .iter()
            .flat_map(|s| [s.as_str(), "\r"])
            .collect();
        assert_eq!(m.to_er7(), sent, "{label}");
        messages += 1;
        if !m.lean().delimiters().has_subcomponent() {
            no_subcomponent.insert(label.clone());
        }
        let groups = groups_of(&m.tree_lines());
        for (path, value, er7) in writes_for(&tokens, &groups) {
            checked_write(&mut m, &label, &path, &value, er7, &mut tally);
        }
    }
    eprintln!(
        "{messages} messages, {} writes, {} written, refused: {:?}",
        tally.writes, tally.ok, tally.errors
    );
    // Every fault, to help update the list below.
    if let Ok(out) = std::env::var("PATH_WRITE_FAULTS_OUT") {
        let all: Vec<String> = tally
            .faults
            .iter()
            .map(|(k, w)| format!("{k:?}\t{}", w.replace('\n', " / ")))
            .collect();
        std::fs::write(out, all.join("\n") + "\n").unwrap();
    }
    // Other encoding characters written to MSH-2 (or to one of its components) are refused:
    // the message would go on with the delimiters it was read with while its text declares
    // others. Every message's MSH-2 is written so three times (`""`, `c1`, `s&t`).
    let encoding = tally.take(Fault::EncodingCharacters);
    assert!(encoding.is_empty(), "{encoding:?}");
    assert!(
        tally
            .errors
            .get("EncodingCharacters")
            .is_some_and(|&n| n >= 3 * messages),
        "{:?}",
        tally.errors
    );
    // A subcomponent written where MSH-2 declares no subcomponent separator (and ER7 text
    // holding CR, which the writes above make of such a message's subcomponent separator)
    // would put a segment terminator into the segment: the writer refuses it instead
    // (`EditError::LineEnd`), so no write splits a segment.
    let splits = tally.take(Fault::SplitsSegment);
    assert!(splits.is_empty(), "writes that split a segment: {splits:?}");
    assert!(
        !no_subcomponent.is_empty(),
        "the corpus has messages without one"
    );
    // The other faults, each listed with its kind in tests/golden/path-write-faults.tsv: a
    // change either way (a fix or a regression) must update that reviewed list.
    let found: Vec<(String, &str)> = tally
        .faults
        .iter()
        .map(|(kind, what)| {
            let mut parts = what.splitn(3, '\t');
            let (label, write) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
            (format!("{kind:?}\t{label}\t{write}"), what.as_str())
        })
        .collect();
    let golden =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("golden/path-write-faults.tsv");
    let listed = std::fs::read_to_string(&golden).unwrap();
    let listed: Vec<&str> = listed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .collect();
    let same = found
        .iter()
        .map(|(key, _)| key.as_str())
        .eq(listed.iter().copied());
    if !same && std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        // The reviewed list rewritten from what the writes do: its header kept, the
        // difference to be reviewed before committing.
        let text = std::fs::read_to_string(&golden).unwrap();
        let mut out: String = text
            .lines()
            .take_while(|l| l.starts_with('#') || l.is_empty())
            .flat_map(|l| [l, "\n"])
            .collect();
        for (key, _) in &found {
            out.push_str(key);
            out.push('\n');
        }
        std::fs::write(&golden, out).unwrap();
        eprintln!("rewrote {}", golden.display());
    } else if !same {
        let changes: Vec<String> = found
            .iter()
            .filter(|(key, _)| !listed.contains(&key.as_str()))
            .map(|(key, what)| {
                format!(
                    "now faulty: {}: {what}",
                    &key[..key.find('\t').unwrap_or(0)]
                )
            })
            .chain(
                listed
                    .iter()
                    .filter(|l| !found.iter().any(|(key, _)| key == *l))
                    .map(|l| format!("no longer faulty: {l}")),
            )
            .collect();
        panic!(
            "the faulty writes changed ({} listed, {} found); the first changes:\n{}",
            listed.len(),
            found.len(),
            changes
                .iter()
                .take(15)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
    assert!(messages > 350, "{messages} messages");
    assert!(tally.ok > 50_000, "{} writes made", tally.ok);
    for kind in [
        "CannotCreate",
        "WrongSegment",
        "NoField",
        "FieldOfGroup",
        "NotRepeating",
        "FieldSeparator",
        "NoSuchItem",
        "SegmentNotLast",
    ] {
        assert!(
            tally.errors.get(kind).is_some_and(|n| *n > 100),
            "{kind}: {:?}",
            tally.errors
        );
    }
}

/// The writes made on a message of segments `tokens`: for each segment, fields, a repetition
/// beyond those sent, subcomponents, ER7 text, empty values beyond the fields sent, the whole
/// segment, and refused writes; then new occurrences of each segment and group, Z-segments
/// and path errors.
fn writes_for(
    tokens: &er7::Tokenized<'_>,
    groups: &[(String, usize, String)],
) -> Vec<(String, String, bool)> {
    let mut out: Vec<(String, String, bool)> = Vec::new();
    let mut w = |path: String, value: &str, er7: bool| out.push((path, value.to_owned(), er7));
    let d = tokens.delimiters();
    let (c, s) = (d.component, d.subcomponent);
    let mut seen: std::collections::BTreeMap<&str, usize> = Default::default();
    for seg in tokens.segments() {
        let id = seg.id();
        let n = *seen.entry(id).and_modify(|n| *n += 1).or_insert(0);
        if id.len() != 3 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        let at = |rest: &str| format!("{id}({n}){rest}");
        let fields = seg.field_count();
        w(at("-1"), "v|^&~\\x", false);
        for f in [2, 3, 4, 5, 7, 9, 11].into_iter().filter(|f| *f <= fields) {
            let reps = seg.field(f).map_or(0, |x| x.repetition_count());
            w(at(&format!("-{f}({reps})-2")), "rep", false);
            w(at(&format!("-{f}-2-2")), "s&t", false);
            w(at(&format!("-{f}-1")), "c1", false);
            w(at(&format!("-{f}")), "", false);
        }
        // ER7 text with the separators below the position written (text holding a higher
        // one is another structure once written; see `er7_text_with_higher_separators`).
        if let Some(f) = (3..=fields).last() {
            w(at(&format!("-{f}")), &format!("A{c}B{s}C{c}{c}"), true);
            w(at(&format!("-{f}-4")), &format!("x{s}y"), true);
            w(at(&format!("-{f}-6-2")), "sub", true);
            w(at(&format!("-{f}(1)")), "second", false);
        }
        w(at(&format!("-{}", fields + 2)), "", false);
        w(at(&format!("-{}-3", fields + 3)), "", false);
        w(at(&format!("-{}", fields + 4)), "beyond", false);
        w(at(&format!("-{}-2", fields + 1)), "comp", false);
        w(at(""), seg.as_str(), true);
        w(at(""), "XYZ|1", true);
        w(at(""), "whole", false);
    }
    for (id, count) in seen {
        if id.len() != 3 || !id.bytes().all(|b| b.is_ascii_alphanumeric()) {
            continue;
        }
        w(format!("{id}({count})-1"), "new", false);
        w(format!("{id}({})", count + 1), &format!("{id}|whole"), true);
        w(format!("{id}({})-2", count + 3), "none", false);
        w(format!("/{id}(1)-2"), "anchored", false);
    }
    for (group, count, first) in groups {
        w(
            format!("/.{group}({count})/{first}-2"),
            "in a new group",
            false,
        );
        w(format!("/.{group}({})/{first}-3", count + 2), "far", false);
        w(format!("{group}-1"), "x", false);
        w(format!("/.{group}"), "MSH|x", true);
        w(format!("/.{group}({count})/.ZZZ-1"), "z", false);
    }
    for (path, value, er7) in [
        ("ZZZ-2", "z^1", false),
        ("ZZZ(1)-1", "z2", false),
        ("ZZZ(5)-1", "z5", false),
        ("ZZZ(2)", "ZZZ|whole", true),
        ("/NOPE/PID-1", "x", false),
        ("MSH/PID-1", "x", false),
        ("/MSH(1)-10", "x", false),
        ("MSH-10(1)", "x", false),
        ("MSH-1", "|", false),
    ] {
        w(path.to_owned(), value, er7);
    }
    w("MSH-2".into(), &d.encoding_characters(), false);
    w("MSH-4-2".into(), &format!("a{s}b"), true);
    let header = tokens.segments().first().map_or("", |h| h.as_str());
    w("MSH".into(), header, true);
    out
}
