//! Validation reports every departure with its HL7 table 0357 code and ERL location.

use hl7_model::validate::{Finding, Severity};

const ORU: &str = "MSH|^~\\&|LAB|HOSP|EHR|HOSP|20240101120000||ORU^R01^ORU_R01|42|P|2.5\rPID|1||123^^^H||Doe^John\rOBR|1||F1|GLU^Glucose\rOBX|1|NM|GLU^Glucose||5.4|mmol/L|||||F\r";

/// The findings of `text`, which the typed and the lean forms must agree on.
fn findings(text: &str) -> Vec<Finding> {
    let typed = hl7_model::message::parse(text).unwrap().validate();
    let (lean, version, _) = hl7_model::message::parse_lean(text, &Default::default()).unwrap();
    assert_eq!(hl7_model::validate::validate_lean(&lean, version), typed);
    typed
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
    let codes = codes_at(&f);
    assert!(codes.contains(&(100, "OBX^1".to_owned())), "{codes:?}");
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
    let f = findings(&format!("{ORU}ZXT|1|site data\r"));
    assert_eq!(codes_at(&f), [(100, "ZXT^1".to_owned())]);
}

#[test]
fn strict_mode_turns_errors_into_an_error() {
    let parsed = hl7_model::message::parse(&ORU.replace("|42|P|", "||P|")).unwrap();
    let err = hl7_model::validate::validate_strict(
        parsed.message.as_group(),
        parsed.message.version(),
        &parsed.delimiters,
    )
    .unwrap_err();
    assert_eq!(err.0.len(), 1);
    assert!(
        hl7_model::validate::validate_strict(
            hl7_model::message::parse(ORU).unwrap().message.as_group(),
            &hl7_model::v2_5::VERSION,
            &Default::default()
        )
        .is_ok()
    );
}

#[test]
fn every_corpus_message_validates_without_panicking() {
    let mut validated = 0;
    for (p, text) in crate::common::corpus_messages() {
        if let Ok(parsed) = hl7_model::message::parse(&text) {
            for f in parsed.validate() {
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

/// Validation of the lean form (segment text and group tree) gives, on every corpus message,
/// the findings validation of the typed structs gives, in the same order.
#[test]
fn lean_validation_equals_typed_validation_on_every_corpus_message() {
    let opts = hl7_model::message::ParseOptions::default();
    let (mut compared, mut total) = (0, 0);
    let mut codes = std::collections::BTreeMap::<u16, usize>::new();
    for (file, text) in crate::common::corpus_messages() {
        let Ok(parsed) = hl7_model::message::parse(&text) else {
            continue;
        };
        let (lean, version, _) = hl7_model::message::parse_lean(&text, &opts)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let typed = parsed.validate();
        let lean = hl7_model::validate::validate_lean(&lean, version);
        assert_eq!(lean, typed, "{}", file.display());
        for f in &typed {
            *codes.entry(f.code).or_default() += 1;
        }
        total += typed.len();
        compared += 1;
    }
    assert!(compared >= 380, "{compared}");
    // Each code occurs on the corpus, so each rule is compared on real messages.
    for code in [100, 101, 102, 103] {
        assert!(codes.get(&code).is_some_and(|n| *n >= 10), "{codes:?}");
    }
    eprintln!("{compared} messages, {total} findings: {codes:?}");
}
