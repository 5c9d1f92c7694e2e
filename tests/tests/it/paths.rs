//! Terser-style path access (`hl7_model::path`) on the corpus's real messages, on messages
//! built from nothing, on Z-segments and on generic messages.

use std::path::PathBuf;

use hl7_model::er7::{self, escape::unescape};
use hl7_model::message::{Parsed, parse};
use hl7_model::path::{Path, PathAccess, PathError};
use hl7_model::tree::Lean;
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
    let (mut messages, mut checked, mut present, mut er7_checked) = (0, 0, 0, 0);
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
                        let p: Path = path.parse().unwrap();
                        assert_eq!(
                            p.get_er7_lean(&lean).unwrap().unwrap_or_default(),
                            sent,
                            "{}: {path}",
                            file.display()
                        );
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
    assert!(er7_checked > 20_000, "{er7_checked} wire texts");
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
    for path in [
        "PID-5",
        "PID",
        "/PATIENT_RESULT/ORDER_OBSERVATION(1)",
        "/PATIENT_RESULT",
        "ZXT",
        "OBX(2)-5-1",
        "PV1-2",
    ] {
        let parsed: Path = path.parse().unwrap();
        assert_eq!(
            parsed.get_er7_lean(&lean).unwrap(),
            p.get_er7(path).unwrap(),
            "{path}"
        );
    }
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

    /// Any path writes the lean message as it writes the typed one (same result, text and
    /// tree), and ER7 text of any kind written to it never makes it panic.
    #[test]
    fn arbitrary_paths_write_the_lean_message_as_the_typed_one(path in "[/.]?([.]?(PATIENT_RESULT|ORDER_OBSERVATION|OBSERVATION|PATIENT|VISIT|[A-Z_]{1,12})([(\\[][0-9]{1,2}[)\\]])?/){0,3}[.]?(PID|OBX|OBR|ZXT|ZZZ|MSH|PV1|NTE|PATIENT_RESULT|ORDER_OBSERVATION|OBSERVATION|PATIENT|VISIT|[A-Z0-9]{2,4})([(\\[][0-9]{1,2}[)\\]])?([-.][0-9]{1,2}([(\\[][0-9]{1,2}[)\\]])?){0,3}", value in "[a-z|^~&\\\\]{0,6}", er7: bool, any in "\\PC{0,12}") {
        let mut both = Both::parse(ORU).unwrap();
        let mut tally = Tally::default();
        // One write: ER7 text with any separators gives the same text on both forms.
        both.write("ORU", &path, &value, er7, &mut tally);
        prop_assert!(tally.mismatches.is_empty(), "{:?}", tally.mismatches);
        if let Ok(p) = path.parse::<Path>() {
            let _ = p.set_er7_lean(&mut both.lean, &any);
            let _ = both.lean.to_er7();
            let _ = both.lean.tree_lines();
        }
        if let Ok(p) = any.parse::<Path>() {
            let _ = p.set_er7_lean(&mut both.lean, &any);
        }
    }
}

/// A typed message and its lean form (`hl7_model::tree::Lean`, with the version it was read
/// as), written to by the same paths: every write must give the same result, the same text
/// and the same group tree on both.
pub(crate) struct Both {
    pub(crate) typed: Parsed,
    pub(crate) lean: Lean,
}

/// How a write went on both forms, for counting.
#[derive(Default, Debug)]
pub(crate) struct Tally {
    pub(crate) writes: usize,
    pub(crate) ok: usize,
    pub(crate) errors: std::collections::BTreeMap<String, usize>,
    /// The writes whose results differed, described.
    mismatches: Vec<String>,
}

impl Tally {
    pub(crate) fn assert_none_differ(&self) {
        assert!(
            self.mismatches.is_empty(),
            "{} of {} writes differ; the first:\n{}",
            self.mismatches.len(),
            self.writes,
            self.mismatches
                .iter()
                .take(15)
                .cloned()
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

impl Both {
    /// Both forms of `text`, when the typed parse reads it.
    fn parse(text: &str) -> Option<Both> {
        let typed = parse(text).ok()?;
        let (lean, version, _) = hl7_model::message::parse_lean(text, &Default::default()).ok()?;
        Some(Both {
            typed,
            lean: lean.with_version(version),
        })
    }

    pub(crate) fn same_text_and_tree(&self) -> Result<(), String> {
        let (lean, typed) = (self.lean.to_er7(), self.typed.to_er7());
        if lean != typed {
            // The first segment that differs.
            let (l, t) = lean
                .split('\r')
                .zip(typed.split('\r'))
                .find(|(l, t)| l != t)
                .unwrap_or(("(segment count)", "(segment count)"));
            return Err(format!("text:\n  lean  {l:?}\n  typed {t:?}"));
        }
        let (lean, typed) = (
            self.lean.tree_lines(),
            hl7_model::grammar::tree(self.typed.message.as_group()),
        );
        if lean != typed {
            return Err(format!("tree:\n  lean  {lean:?}\n  typed {typed:?}"));
        }
        Ok(())
    }

    /// Writes `value` at `path` on both forms (as ER7 text when `er7`), and records whether
    /// they agree.
    pub(crate) fn write(
        &mut self,
        label: &str,
        path: &str,
        value: &str,
        er7: bool,
        tally: &mut Tally,
    ) {
        let typed = if er7 {
            self.typed.set_er7(path, value)
        } else {
            self.typed.set(path, value)
        };
        let lean = path.parse::<Path>().and_then(|p| {
            if er7 {
                p.set_er7_lean(&mut self.lean, value)
            } else {
                p.set_lean(&mut self.lean, value)
            }
        });
        tally.writes += 1;
        match &typed {
            Ok(()) => tally.ok += 1,
            Err(e) => {
                let kind = format!("{e:?}");
                let kind = kind.split([' ', '{', '(']).next().unwrap_or("").to_owned();
                *tally.errors.entry(kind).or_default() += 1;
            }
        }
        let how = if er7 { "set_er7" } else { "set" };
        if lean != typed {
            tally.mismatches.push(format!(
                "{label}: {how} {path} = {value:?}: lean {lean:?}, typed {typed:?}"
            ));
        } else if let Err(diff) = self.same_text_and_tree() {
            tally
                .mismatches
                .push(format!("{label}: {how} {path} = {value:?}: {diff}"));
            // Go on from the typed message's text, so one divergence is reported once.
            if let Some(again) = Both::parse(&self.typed.to_er7()) {
                *self = again;
            }
        }
    }
}

/// The writes made on a message of segments `tokens`: for each segment, fields, a repetition
/// beyond those sent, subcomponents, ER7 text, empty values beyond the fields sent, the whole
/// segment, and refused writes; then new occurrences of each segment and group, Z-segments
/// and path errors.
fn writes_for(
    tokens: &er7::Message<'_>,
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

/// The groups of a typed tree (as `grammar::tree` prints it): each group name, how many
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
fn lean_writes_agree_with_typed_writes_on_every_corpus_message() {
    let mut tally = Tally::default();
    let mut messages = 0;
    for (file, text) in corpus_messages() {
        let Some(mut both) = Both::parse(&text) else {
            continue;
        };
        let Ok(tokens) = er7::Message::parse(&text) else {
            continue;
        };
        let label = file.display().to_string();
        both.same_text_and_tree()
            .unwrap_or_else(|e| panic!("{label} as read: {e}"));
        messages += 1;
        let groups = groups_of(&hl7_model::grammar::tree(both.typed.message.as_group()));
        for (path, value, er7) in writes_for(&tokens, &groups) {
            both.write(&label, &path, &value, er7, &mut tally);
        }
    }
    eprintln!(
        "{messages} messages, {} writes, {} written, refused: {:?}",
        tally.writes, tally.ok, tally.errors
    );
    tally.assert_none_differ();
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

#[test]
fn lean_writes_agree_with_typed_writes_on_the_examples() {
    // The writes of `writing_creates_what_is_missing_where_the_structure_puts_it`, on both.
    let mut both = Both::parse(ORU).unwrap();
    let mut tally = Tally::default();
    for (path, value, er7) in [
        ("PID-3(3)-1", "789", false),
        ("PID-5-3", "Q", false),
        ("OBX(3)-5", "99", false),
        ("OBX(3)-3", "K", false),
        ("/.ORDER_OBSERVATION(1)/OBR-4", "NA^Natrium", true),
        ("ZXT-3", "more", false),
        ("ZZZ-1", "new", false),
        ("OBX(2)", "OBX|1|NM|NA||140|mmol/L", true),
        ("PID-40-2", "beyond", false),
        ("OBX(1)-5-4", "x&y", false),
    ] {
        both.write("ORU", path, value, er7, &mut tally);
    }
    tally.assert_none_differ();
    assert_eq!(tally.ok, 10);
    let pid_tail = format!("{}^beyond", "|".repeat(32));
    assert_eq!(
        both.lean.to_er7(),
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
    );
    let get = |p: &str| p.parse::<Path>().unwrap().get_lean(&both.lean).unwrap();
    assert_eq!(get("PID-40-2").as_deref(), Some("beyond"));
    assert_eq!(get("OBX(1)-5-4").as_deref(), Some("x&y"));
    assert_eq!(
        get("/.ORDER_OBSERVATION(1)/OBSERVATION(1)/OBX-3").as_deref(),
        Some("K")
    );

    // The refused writes of `path_errors_are_typed`: the same errors, nothing changed.
    let mut both = Both::parse(ORU).unwrap();
    let mut tally = Tally::default();
    let lean_set = |lean: &mut Lean, p: &str, v: &str| p.parse::<Path>().unwrap().set_lean(lean, v);
    for (path, value, er7, refused) in [
        ("MSH-1", "#", false, "FieldSeparator"),
        ("MSH-10(1)", "x", false, "NotRepeating"),
        ("/MSH(1)-10", "x", false, "CannotCreate"),
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
    ] {
        both.write("ORU", path, value, er7, &mut tally);
        assert_eq!(
            tally.errors.get(refused),
            Some(&1),
            "{path}: {:?}",
            tally.errors
        );
        tally.errors.clear();
    }
    tally.assert_none_differ();
    assert_eq!(tally.ok, 0);
    assert_eq!(both.lean.to_er7(), ORU);
    assert!(matches!(
        lean_set(&mut both.lean, "MSH-1", "#"),
        Err(PathError::FieldSeparator { .. })
    ));
}

#[test]
fn a_write_that_fails_after_creating_leaves_what_it_created_on_both() {
    // A new VISIT group and PV1 are created before PV1-2 is found not to repeat, and a new
    // PATIENT_RESULT, PATIENT and PID before a second PID is refused: the typed message keeps
    // them, and so does the lean one.
    let mut both = Both::parse(ORU).unwrap();
    let mut tally = Tally::default();
    both.write("ORU", "PV1-2(1)", "x", false, &mut tally);
    both.write(
        "ORU",
        "/PATIENT_RESULT(1)/PATIENT/PID(1)-1",
        "x",
        false,
        &mut tally,
    );
    both.write(
        "ORU",
        "/.ORDER_OBSERVATION(2)/OBX(1)",
        "PID|1",
        true,
        &mut tally,
    );
    tally.assert_none_differ();
    assert_eq!(tally.ok, 0);
    assert_eq!(
        both.lean.tree_lines(),
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
    assert!(
        both.lean
            .to_er7()
            .ends_with("OBX|1|NM|NA||140|mmol/L\rPID\r")
    );
}

#[test]
fn er7_text_with_higher_separators_is_read_back_as_structure_on_the_lean_message() {
    // ER7 text holding a separator above the position written (a repetition separator in a
    // repetition, a field separator in a field) is kept whole by the typed message until it
    // is encoded, while the lean message holds only text: its next write sees the structure
    // the text has, as the typed message does once its text is read again.
    let mut typed = parse(ORU).unwrap();
    let (lean, version, _) = hl7_model::message::parse_lean(ORU, &Default::default()).unwrap();
    let mut lean = lean.with_version(version);
    let set_er7 = |lean: &mut Lean, p: &str, v: &str| {
        p.parse::<Path>().unwrap().set_er7_lean(lean, v).unwrap()
    };
    let set =
        |lean: &mut Lean, p: &str, v: &str| p.parse::<Path>().unwrap().set_lean(lean, v).unwrap();
    typed.set_er7("PID-3", "a~b").unwrap();
    set_er7(&mut lean, "PID-3", "a~b");
    assert_eq!(lean.to_er7(), typed.to_er7());
    typed.set("PID-3(1)-1", "c").unwrap();
    set(&mut lean, "PID-3(1)-1", "c");
    // The typed PID-3 still has two repetitions, the first holding `a~b`.
    assert!(typed.to_er7().contains("PID|1||a~b~c^^^X|"));
    assert!(lean.to_er7().contains("PID|1||a~c~456^^^X|"));
    let mut again = parse(
        &parse(ORU)
            .map(|mut p| {
                p.set_er7("PID-3", "a~b").unwrap();
                p.to_er7()
            })
            .unwrap(),
    )
    .unwrap();
    again.set("PID-3(1)-1", "c").unwrap();
    assert_eq!(lean.to_er7(), again.to_er7());
}

#[test]
fn lean_messages_without_a_version_are_written_as_text() {
    // Without the version's definitions every field may repeat and a value goes where the
    // text's separators put it, as in a segment the structure does not define.
    let (read, _, structure) = hl7_model::message::parse_lean(ORU, &Default::default()).unwrap();
    assert!(read.version().is_some(), "parse_lean attaches the version");
    let mut lean = hl7_model::tree::Lean::parse(structure.body, ORU, &Default::default()).unwrap();
    assert!(lean.version().is_none());
    let p = |s: &str| s.parse::<Path>().unwrap();
    p("MSH-10(1)").set_lean(&mut lean, "x").unwrap();
    p("PID-7-2").set_lean(&mut lean, "y").unwrap();
    let text = lean.to_er7();
    assert!(text.contains("|ORU^R01^ORU_R01|42~x|P|"), "{text}");
    assert!(text.contains("|19700101^y|"), "{text}");
    // With the version, MSH-10 does not repeat.
    let (lean, version, _) = hl7_model::message::parse_lean(ORU, &Default::default()).unwrap();
    let mut lean = lean.with_version(version);
    assert!(matches!(
        p("MSH-10(1)").set_lean(&mut lean, "x"),
        Err(PathError::NotRepeating { .. })
    ));
}

#[test]
fn lean_messages_built_from_nothing_by_paths() {
    let v = hl7_model::VERSIONS
        .iter()
        .find(|v| v.version == "2.5.1")
        .unwrap();
    let body = v.structure("ORU_R01").unwrap().body;
    let mut lean = Lean::from_lines(body, &[], Default::default()).with_version(v);
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
        let p: Path = path.parse().unwrap();
        p.set_lean(&mut lean, value)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    // What the typed structure gives for the same paths (`a_message_built_from_nothing_by_paths`).
    let text = "MSH|^~\\&|LAB||||||ORU^R01|1||2.5.1\rPID|||||Doe\rOBR||||GLU\rOBX|||||5.4\rOBX|||||6.1\rOBR||||NA\rOBX|||||140\r";
    assert_eq!(lean.to_er7(), text);
    let parsed = parse(text).unwrap();
    assert_eq!(
        lean.tree_lines(),
        hl7_model::grammar::tree(parsed.message.as_group())
    );
}

#[test]
fn generic_messages_are_written_alike_on_both_forms() {
    let text = "MSH|^~\\&|A|B|||||ZZZ^Z99|7|P|2.5\rZAA|1|x^y~z\rZAA|2\r";
    let mut both = Both::parse(text).unwrap();
    assert!(matches!(
        both.typed.message,
        hl7_model::Message::Generic { .. }
    ));
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
        both.write("generic", path, value, er7, &mut tally);
    }
    tally.assert_none_differ();
    assert_eq!(tally.ok, 9, "{:?}", tally.errors);
    assert_eq!(
        both.lean.to_er7(),
        "MSH|^~\\&|A|B|||||ZZZ^Z99|8~9|P|2.5\rZAA|1|x^y~z~^^r\rZAA|anchored|^w\rZAA|third\rZAA|4\rZAB|b\rPID|p\r"
    );
}
