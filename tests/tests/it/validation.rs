//! Validation of the lean message (`Message::validate`, `hl7_model::validate::validate`)
//! reports every departure with its HL7 table 0357 code and ERL location: hand-made messages
//! with the findings the standard calls for, and every corpus message against the findings
//! recorded in `tests/golden/validation_findings.tsv`.

use std::fmt::Write as _;

use hl7_model::message::{Message, ParseOptions};
use hl7_model::validate::{Finding, Severity};

const ORU: &str = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01^ORU_R01|42|P|2.5\rPID|1||123^^^H||Doe^John\rOBR|1||F1|GLU^Glucose\rOBX|1|NM|GLU^Glucose||5.4|mmol/L|||||F\r";

/// The one message `text`, read lean with the default options.
fn parse(text: &str) -> Message {
    Message::parse(text, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}: {text:?}"))
}

/// The findings of `text`.
fn findings(text: &str) -> Vec<Finding> {
    parse(text).validate()
}

fn codes_at(f: &[Finding]) -> Vec<(u16, String)> {
    f.iter()
        .filter(|f| f.severity == Severity::Error)
        .map(|f| (f.code, f.location.to_string()))
        .collect()
}

#[test]
fn a_well_formed_message_has_no_errors() {
    assert_eq!(codes_at(&findings(ORU)), []);
}

#[test]
fn missing_control_id_is_101_at_msh_10() {
    let f = findings(&ORU.replace("|42|P|", "||P|"));
    assert_eq!(codes_at(&f), [(101, "MSH^1^10^1^1".to_owned())]);
    assert!(f[0].message.contains("Message Control ID"), "{}", f[0]);
}

#[test]
fn obx_before_any_obr_is_100() {
    let text = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01^ORU_R01|42|P|2.5\rPID|1||123^^^H||Doe^John\rOBX|1|NM|GLU^Glucose||5.4|mmol/L|||||F\rOBR|1||F1|GLU^Glucose\r";
    let f = findings(text);
    // The OBX opens an ORDER_OBSERVATION of its own, short of its OBR (one finding, after the
    // last segment before it), rather than be kept as unexpected; the OBR opens the next.
    assert_eq!(codes_at(&f), [(100, "PID^1".to_owned())]);
    assert!(
        f.iter()
            .any(|f| f.message == "required segment OBR missing in ORDER_OBSERVATION"),
        "{f:?}"
    );
}

#[test]
fn bad_formats_are_102() {
    // OBX-1 (SI) not a number, MSH-7 (TS.1 DTM) month 13.
    let text = ORU
        .replace("OBX|1|", "OBX|A|")
        .replace("|20240101120000|", "|20241301120000|");
    assert_eq!(
        codes_at(&findings(&text)),
        [
            (102, "MSH^1^7^1^1".to_owned()),
            (102, "OBX^1^1^1".to_owned())
        ]
    );
}

#[test]
fn values_outside_hl7_tables_are_103() {
    // MSH-11.1 processing ID from table 0103 (D, P, T).
    let f = findings(&ORU.replace("|42|P|", "|42|Q|"));
    assert_eq!(codes_at(&f), [(103, "MSH^1^11^1^1".to_owned())]);
}

#[test]
fn z_segments_are_kept_and_reported_as_100() {
    let text = format!("{ORU}ZXT|1|site data\r");
    let m = parse(&text);
    assert_eq!(m.to_er7(), text);
    assert_eq!(codes_at(&m.validate()), [(100, "ZXT^1".to_owned())]);
}

/// A segment out of place is reported, and its fields are still checked by its definition.
#[test]
fn segments_out_of_place_are_100_and_their_fields_are_checked() {
    let adt = "MSH|^~\\&|ADT|HOSP|EHR|HOSP|20240101120000||ADT^A01^ADT_A01|7|P|2.5\rEVN|A01|20240101120000\rPID|1||123^^^H||Doe^John\rPV1|1|I\r";
    assert_eq!(codes_at(&findings(adt)), []);
    // A second PID, which ADT_A01 has no place for, without PID-3 and PID-5 and with a
    // PID-8 outside table 0001.
    let f = findings(&format!("{adt}PID|2|||||||Q\r"));
    assert_eq!(
        codes_at(&f),
        [
            (100, "PID^2".to_owned()),
            (101, "PID^2^3^1^1".to_owned()),
            (101, "PID^2^5^1^1".to_owned()),
        ],
        "{f:?}"
    );
    assert!(
        f.iter()
            .any(|f| f.code == 103 && f.location.to_string().starts_with("PID^2^8")),
        "{f:?}"
    );
}

#[test]
fn strict_mode_turns_errors_into_an_error() {
    let bad = parse(&ORU.replace("|42|P|", "||P|"));
    let err = hl7_model::validate::validate_strict(bad.lean(), bad.version()).unwrap_err();
    assert_eq!(codes_at(&err.0), [(101, "MSH^1^10^1^1".to_owned())]);
    assert_eq!(err.0.len(), 1);
    let good = parse(ORU);
    assert!(hl7_model::validate::validate_strict(good.lean(), &hl7_model::v2_5::VERSION).is_ok());
}

#[test]
fn every_corpus_message_validates_without_panicking() {
    let mut validated = 0;
    for (p, text) in crate::common::corpus_messages() {
        if let Ok(m) = Message::parse(&text, &ParseOptions::default()) {
            for f in m.validate() {
                assert!(matches!(f.code, 100..=103), "{}: {f}", p.display());
            }
            validated += 1;
        }
    }
    assert!(validated > 300, "{validated}");
}

/// Table 0003 of 2.5 lacks `Q31`, which 2.5's own event map defines: a
/// message of that event is not wrong; a type no table or map knows still is.
#[test]
fn events_and_structures_of_the_version_are_table_values() {
    let q31 =
        "MSH|^~\\&|A|B|||20240101||QBP^Q31^QBP_Q11|1|P|2.5\rQPD|Q31^Dispense History|1\rRCP|I\r";
    assert_eq!(codes_at(&findings(q31)), []);
    let unknown =
        "MSH|^~\\&|A|B|||20240101||ZZZ^Q31^QBP_Q11|1|P|2.5\rQPD|Q31^Dispense History|1\rRCP|I\r";
    assert_eq!(
        codes_at(&findings(unknown)),
        [(103, "MSH^1^9^1^1".to_owned())]
    );
}

const GOLDEN_HEADER: &str = "\
# The findings of validation on every message of the corpus (tests/corpus/messages), one line
# per finding, in the order validation gives them: file (under messages/), message number in
# the file (from 1), severity, code (HL7 table 0357), ERL location, text (tabs, line ends and
# backslashes escaped as \\t, \\n, \\r, \\\\). A message without findings has the one line
# `no findings`, one that does not parse `not parsed`.
# Checked by validation::lean_validation_reproduces_the_recorded_findings_on_every_corpus_message;
# rewritten from Message::validate by running that test with UPDATE_GOLDEN=1.
";

/// `s` on one line of the table.
fn escape_cell(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '\\' => out.push_str("\\\\"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            c => out.push(c),
        }
    }
    out
}

/// How many messages were validated and how many findings each code had.
#[derive(Debug, Default)]
struct FindingCounts {
    validated: usize,
    codes: std::collections::BTreeMap<u16, usize>,
}

/// The table of findings on every corpus message (the golden file's content, header
/// included), each message's findings given by `validate` (`None` when it does not parse).
fn findings_table(validate: impl Fn(&str) -> Option<Vec<Finding>>) -> (String, FindingCounts) {
    let root = crate::common::corpus().join("messages");
    let mut out = GOLDEN_HEADER.to_owned();
    let mut counts = FindingCounts::default();
    for (file, text) in crate::common::corpus_messages() {
        let rel = crate::golden::relative(&file, &root);
        let Ok(batch) = hl7_model::er7::Batch::parse(&text) else {
            writeln!(out, "{rel}\t1\tnot parsed").unwrap();
            continue;
        };
        for (i, m) in batch.messages().enumerate() {
            let n = i + 1;
            let Some(findings) = validate(m.as_str()) else {
                writeln!(out, "{rel}\t{n}\tnot parsed").unwrap();
                continue;
            };
            counts.validated += 1;
            if findings.is_empty() {
                writeln!(out, "{rel}\t{n}\tno findings").unwrap();
            }
            for f in findings {
                *counts.codes.entry(f.code).or_default() += 1;
                writeln!(
                    out,
                    "{rel}\t{n}\t{}\t{}\t{}\t{}",
                    f.severity.code(),
                    f.code,
                    f.location,
                    escape_cell(&f.message)
                )
                .unwrap();
            }
        }
    }
    (out, counts)
}

/// The findings of lean validation on the one message `text`, when it parses.
fn lean_findings(text: &str) -> Option<Vec<Finding>> {
    Some(
        Message::parse(text, &ParseOptions::default())
            .ok()?
            .validate(),
    )
}

/// Lean validation gives, on every message of the corpus, the findings recorded in the golden
/// file, in the same order (first recorded from validation of the typed structs).
#[test]
fn lean_validation_reproduces_the_recorded_findings_on_every_corpus_message() {
    let (table, counts) = findings_table(lean_findings);
    crate::golden::check("validation_findings.tsv", &table);
    assert!(counts.validated >= 380, "{counts:?}");
    // Each code occurs on the corpus, so each rule is checked on real messages.
    for code in [100, 101, 102, 103] {
        assert!(
            counts.codes.get(&code).is_some_and(|n| *n >= 10),
            "{counts:?}"
        );
    }
    eprintln!("{counts:?}");
}
