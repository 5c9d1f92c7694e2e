//! Terser-style path access (`hl7_model::path`) on the corpus's real messages, on messages
//! built from nothing, on Z-segments and on generic messages.

use std::path::PathBuf;

use hl7_model::er7::{self, escape::unescape};
use hl7_model::message::{Parsed, parse};
use hl7_model::path::{Path, PathAccess, PathError};
use proptest::prelude::*;

/// The corpus's message files that hold one message (batches have their own tests).
fn corpus_messages() -> Vec<(PathBuf, String)> {
    crate::common::corpus_messages()
        .into_iter()
        .filter(|(_, text)| !(text.contains("FHS|") || text.contains("BHS|")))
        .collect()
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
fn typed_paths_agree_with_the_tokenizer_on_every_corpus_message() {
    let (mut messages, mut checked, mut present) = (0, 0, 0);
    for (file, text) in corpus_messages() {
        let Ok(parsed) = parse(&text) else { continue };
        let Ok(tokens) = er7::Message::parse(&text) else {
            continue;
        };
        // The lean form (segment text and group tree) reads every path the same.
        let (lean, _, _) = hl7_model::message::parse_lean(&text, &Default::default())
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
                        let got = parsed
                            .get(&path)
                            .unwrap_or_else(|e| panic!("{}: {path}: {e}", file.display()));
                        let want = expected(seg, f, r, c);
                        assert_eq!(got, want, "{}: {path}", file.display());
                        let p: Path = path.parse().unwrap();
                        assert_eq!(
                            p.get_lean(&lean).unwrap(),
                            want,
                            "{}: {path}",
                            file.display()
                        );
                        checked += 1;
                        present += usize::from(want.is_some());
                    }
                    // The whole repetition's wire text, by its 1-based form.
                    if !(seg.is_header() && f <= 2) {
                        let path = format!("{id}[{}]-{f}[{}]", n + 1, r + 1);
                        let wire = parsed.get_er7(&path).unwrap().unwrap_or_default();
                        let sent = field.repetition(r).map_or("", |x| x.as_str());
                        assert_eq!(wire, sent, "{}: {path}", file.display());
                    }
                }
            }
        }
    }
    eprintln!("{messages} messages, {checked} paths, {present} values present");
    assert!(messages > 350, "{messages} messages");
    assert!(present > 20_000, "{present} of {checked} values present");
}

#[test]
fn values_written_by_path_read_back_after_encoding_and_parsing_again() {
    let value = "a|b^c&d~e\\f";
    let mut done = 0;
    for (file, text) in corpus_messages() {
        let Ok(mut parsed) = parse(&text) else {
            continue;
        };
        let before = parsed.to_er7();
        for path in ["PID-5-2", "PID-3(1)-1", "MSH-10", "OBX(1)-5-2", "NTE-3"] {
            let Ok(Some(_)) = parsed.get(path) else {
                continue;
            };
            parsed.set(path, value).unwrap();
            assert_eq!(parsed.get(path).unwrap().as_deref(), Some(value), "{path}");
            let again = parse(&parsed.to_er7()).unwrap();
            assert_eq!(
                again.get(path).unwrap().as_deref(),
                Some(value),
                "{}: {path}",
                file.display()
            );
            done += 1;
        }
        // Only the segments written to changed.
        let after = parsed.to_er7();
        let changed = before
            .split('\r')
            .zip(after.split('\r'))
            .filter(|(a, b)| a != b)
            .count();
        assert!(changed <= 5, "{}", file.display());
        assert_eq!(before.split('\r').count(), after.split('\r').count());
    }
    assert!(done > 300, "{done} values written");
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
    let p = parse(ORU).unwrap();
    let (lean, _, _) = hl7_model::message::parse_lean(ORU, &Default::default()).unwrap();
    // Every read is made on the typed message and on the lean form, which must agree.
    let get = |path: &str| {
        let typed = p.get(path).unwrap();
        let parsed: Path = path.parse().unwrap();
        assert_eq!(parsed.get_lean(&lean).unwrap(), typed, "{path}");
        typed
    };
    assert_eq!(get("PID-5-1").as_deref(), Some("Doe"));
    assert_eq!(get("PID-5").as_deref(), Some("Doe"));
    assert_eq!(p.get_er7("PID-5").unwrap().as_deref(), Some("Doe^John"));
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
        p.get_er7("/.ORDER_OBSERVATION(1)").unwrap().as_deref(),
        Some("OBR|2||A2|NA^Sodium\rOBX|1|NM|NA||140|mmol/L\r")
    );
    assert_eq!(
        p.get_er7("OBX(1)").unwrap().as_deref(),
        Some("OBX|2|CE|TXT||POS^Positive^L|")
    );
}

#[test]
fn path_errors_are_typed() {
    let (lean, _, _) = hl7_model::message::parse_lean(ORU, &Default::default()).unwrap();
    let lean_get = |path: &str| path.parse::<Path>().unwrap().get_lean(&lean);
    assert!(matches!(
        lean_get("/NOPE/PID-1"),
        Err(PathError::NoSuchItem { .. })
    ));
    assert!(matches!(
        lean_get("PID/OBX-1"),
        Err(PathError::SegmentNotLast { .. })
    ));
    assert!(matches!(
        lean_get("PATIENT_RESULT-1"),
        Err(PathError::FieldOfGroup { .. })
    ));
    let mut p = parse(ORU).unwrap();
    assert!(matches!(p.get("PID-0"), Err(PathError::Syntax { .. })));
    assert!(matches!(
        p.get("/NOPE/PID-1"),
        Err(PathError::NoSuchItem { .. })
    ));
    assert!(matches!(
        p.get("PID/OBX-1"),
        Err(PathError::SegmentNotLast { .. })
    ));
    assert!(matches!(
        p.get("PATIENT_RESULT-1"),
        Err(PathError::FieldOfGroup { .. })
    ));
    assert!(matches!(
        p.set("MSH-1", "#"),
        Err(PathError::FieldSeparator { .. })
    ));
    assert!(matches!(
        p.set("MSH-10(1)", "x"),
        Err(PathError::NotRepeating { .. })
    ));
    assert!(matches!(
        p.set("/MSH(1)-10", "x"),
        Err(PathError::CannotCreate { .. })
    ));
    assert!(matches!(
        p.set("PID-3(10000)", "x"),
        Err(PathError::IndexTooLarge { .. })
    ));
    assert!(matches!(p.set("PID", "x"), Err(PathError::NoField { .. })));
    assert!(matches!(
        p.set_er7("/PATIENT_RESULT", "PID|1"),
        Err(PathError::NoField { .. })
    ));
    assert!(matches!(
        p.set_er7("PID", "PV1|1"),
        Err(PathError::WrongSegment { .. })
    ));
    assert!(matches!(
        p.set("PID-4000000000", "x"),
        Err(PathError::IndexTooLarge { .. })
    ));
    // Nothing was changed by the refused writes.
    assert_eq!(p.to_er7(), ORU);
}

#[test]
fn writing_creates_what_is_missing_where_the_structure_puts_it() {
    let mut p = parse(ORU).unwrap();
    p.set("PID-3(3)-1", "789").unwrap();
    p.set("PID-5-3", "Q").unwrap();
    p.set("OBX(3)-5", "99").unwrap(); // a fourth OBX: in a new OBSERVATION of the last order
    p.set("OBX(3)-3", "K").unwrap();
    p.set_er7("/.ORDER_OBSERVATION(1)/OBR-4", "NA^Natrium")
        .unwrap();
    p.set("ZXT-3", "more").unwrap();
    p.set("ZZZ-1", "new").unwrap(); // not in the structure: added at the end
    p.set_er7("OBX(2)", "OBX|1|NM|NA||140|mmol/L").unwrap(); // a whole segment, as ER7
    p.set("PID-40-2", "beyond").unwrap(); // beyond PID's definition: kept as text
    p.set("OBX(1)-5-4", "x&y").unwrap(); // inside a varies value
    // PID has 39 fields in 2.5: field 40 follows 31 empty ones.
    let pid_tail = format!("{}^beyond", "|".repeat(32));
    let expected = format!(
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
    );
    assert_eq!(p.to_er7(), expected);
    assert_eq!(p.get("PID-40-2").unwrap().as_deref(), Some("beyond"));
    assert_eq!(p.get("OBX(1)-5-4").unwrap().as_deref(), Some("x&y"));
    let again = parse(&p.to_er7()).unwrap();
    assert_eq!(again.to_er7(), p.to_er7());
}

#[test]
fn a_message_built_from_nothing_by_paths() {
    let mut oru = hl7_model::v2_5_1::structures::OruR01::default();
    for (path, value) in [
        ("MSH-1", "|"),
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
        // MSH-1 is read from MSH-1 itself, so the first write goes through the typed field.
        if path == "MSH-1" {
            oru.msh.field_separator = "|".into();
            continue;
        }
        oru.set_path(path, value)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    let mut out = String::new();
    hl7_model::group::encode_group(&oru, &mut out, &Default::default());
    assert_eq!(
        out,
        "MSH|^~\\&|LAB||||||ORU^R01|1||2.5.1\rPID|||||Doe\rOBR||||GLU\rOBX|||||5.4\rOBX|||||6.1\rOBR||||NA\rOBX|||||140\r"
    );
    // It parses back into the same tree.
    let parsed = parse(&out).unwrap();
    assert_eq!(
        parsed
            .get("/.ORDER_OBSERVATION(1)/OBX-5")
            .unwrap()
            .as_deref(),
        Some("140")
    );
}

#[test]
fn generic_messages_and_tokenized_messages_have_paths_too() {
    let text = "MSH|^~\\&|A|B|||||ZZZ^Z99|7|P|2.5\rZAA|1|x^y~z\rZAA|2\r";
    let mut p = parse(text).unwrap();
    assert!(matches!(p.message, hl7_model::Message::Generic { .. }));
    assert_eq!(p.get("ZAA-2(1)").unwrap().as_deref(), Some("z"));
    assert_eq!(p.get("ZAA(1)-1").unwrap().as_deref(), Some("2"));
    assert_eq!(p.get("MSH-10").unwrap().as_deref(), Some("7"));
    p.set("ZAA(1)-2-2", "w").unwrap();
    p.set("MSH-10", "8").unwrap();
    assert_eq!(
        p.to_er7(),
        "MSH|^~\\&|A|B|||||ZZZ^Z99|8|P|2.5\rZAA|1|x^y~z\rZAA|2|^w\r"
    );
    let m = er7::Message::parse(text).unwrap();
    let path: Path = "ZAA-2-2".parse().unwrap();
    assert_eq!(path.get_tokenized(&m).unwrap().as_deref(), Some("y"));
    let group: Path = "/PATIENT/PID-1".parse().unwrap();
    assert!(matches!(
        group.get_tokenized(&m),
        Err(PathError::NoGroups { .. })
    ));
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    /// No path, well-formed or not, makes reading or writing panic, and a write either fails
    /// with a typed error or leaves a message that parses to the same text.
    #[test]
    fn arbitrary_paths_never_panic(path in "[/.]?([A-Z_]{1,12}([(\\[][0-9]{1,3}[)\\]])?/){0,3}[.]?[A-Z0-9]{2,4}([(\\[][0-9]{1,2}[)\\]])?([-.][0-9]{1,2}([(\\[][0-9]{1,2}[)\\]])?){0,3}", any in "\\PC{0,12}") {
        let mut p: Parsed = parse(ORU).unwrap();
        let _ = p.get(&path);
        let _ = p.get_er7(&path);
        let _ = p.get(&any);
        if p.set(&path, "v|^").is_ok() {
            let text = p.to_er7();
            let again = parse(&text).unwrap();
            prop_assert_eq!(again.to_er7(), text);
        }
        let _ = p.set_er7(&any, &any);
    }
}
