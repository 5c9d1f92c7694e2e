//! One test per checker rule: each loads a copy of `tests/fixtures/valid/v2.99` with one
//! deliberate break (`tests/fixtures/broken/<case>/v2.99`) and expects exactly the finding
//! for that break: its rule, its file, the line of the break, and a message naming the
//! offending item.

use std::path::{Path, PathBuf};

use hl7_codegen::check::check_version;
use hl7_codegen::load::{Finding, Rule, load_version};

fn fixtures() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn valid_dir() -> PathBuf {
    fixtures().join("valid/v2.99")
}

fn broken_dir(case: &str) -> PathBuf {
    fixtures().join("broken").join(case).join("v2.99")
}

fn render(findings: &[Finding]) -> String {
    findings
        .iter()
        .map(|f| format!("\n  {:?} {f}", f.rule))
        .collect()
}

/// Loads and checks `dir`, which must load.
fn check_dir(dir: &Path) -> Vec<Finding> {
    let (schema, sources) = load_version(dir)
        .unwrap_or_else(|errors| panic!("{} does not load:{}", dir.display(), render(&errors)));
    check_version(&schema, &sources)
}

/// Loads `dir`, which must fail to load, and returns the load errors.
fn load_errors(dir: &Path) -> Vec<Finding> {
    match load_version(dir) {
        Ok(_) => panic!("{} loads, but should not", dir.display()),
        Err(errors) => errors,
    }
}

/// What one finding should be.
struct Expected<'a> {
    rule: Rule,
    file: &'a str,
    line: Option<usize>,
    /// Text on that line of the fixture, to show the line is the one that was broken.
    line_has: &'a str,
    /// Items the message must name, each in backticks.
    names: &'a [&'a str],
}

/// Asserts that `findings` are exactly `expected`, in order.
fn assert_findings(dir: &Path, findings: &[Finding], expected: &[Expected]) {
    assert_eq!(
        findings.len(),
        expected.len(),
        "expected {} finding(s) in {}, got:{}",
        expected.len(),
        dir.display(),
        render(findings)
    );
    for (f, e) in findings.iter().zip(expected) {
        let all = render(findings);
        assert_eq!(f.rule, e.rule, "rule of{all}");
        assert_eq!(f.file, dir.join(e.file), "file of{all}");
        assert_eq!(f.line, e.line, "line of{all}");
        if let Some(line) = e.line {
            let text = std::fs::read_to_string(&f.file).unwrap();
            let at = text.lines().nth(line - 1).unwrap_or_default();
            assert!(
                at.contains(e.line_has),
                "{}:{line} is `{at}`, which is not the broken line (`{}`)",
                e.file,
                e.line_has
            );
        }
        for name in e.names {
            assert!(
                f.message.contains(&format!("`{name}`")),
                "message does not name `{name}`: {f}"
            );
        }
        assert!(!f.fix.is_empty(), "finding without a fix: {f}");
    }
}

fn assert_one(case: &str, expected: Expected) {
    let dir = broken_dir(case);
    assert_findings(&dir, &check_dir(&dir), &[expected]);
}

#[test]
fn valid_fixture_has_no_findings() {
    let dir = valid_dir();
    let (schema, sources) = load_version(&dir)
        .unwrap_or_else(|errors| panic!("the valid fixture does not load:{}", render(&errors)));
    assert_eq!(schema.version, "v2.99");
    assert_eq!(schema.datatypes.primitives.len(), 5);
    assert_eq!(schema.datatypes.composites.len(), 2);
    assert_eq!(
        schema.segments.keys().collect::<Vec<_>>(),
        ["MSH", "NTE", "OBR", "OBX", "PID"]
    );
    assert_eq!(schema.structures.keys().collect::<Vec<_>>(), ["ORU_R01"]);
    assert_eq!(schema.events.len(), 2);
    assert_eq!(schema.tables.len(), 5);
    let findings = check_version(&schema, &sources);
    assert!(
        findings.is_empty(),
        "the valid fixture has findings:{}",
        render(&findings)
    );
}

#[test]
fn syntax_unknown_field() {
    let dir = broken_dir("syntax");
    assert_findings(
        &dir,
        &load_errors(&dir),
        &[Expected {
            rule: Rule::Syntax,
            file: "segments.yaml",
            line: Some(35),
            line_has: "lenght: 250",
            names: &["lenght"],
        }],
    );
}

#[test]
fn syntax_invalid_yaml() {
    let dir = broken_dir("syntax_yaml");
    let errors = load_errors(&dir);
    assert_findings(
        &dir,
        &errors,
        &[Expected {
            rule: Rule::Syntax,
            file: "segments.yaml",
            line: Some(22),
            line_has: "name: Observation: Result",
            names: &[],
        }],
    );
    assert!(
        errors[0].message.contains("mapping values are not allowed"),
        "{}",
        errors[0]
    );
}

#[test]
fn syntax_missing_file() {
    let dir = broken_dir("syntax_missing_file");
    let errors = load_errors(&dir);
    assert_findings(
        &dir,
        &errors,
        &[Expected {
            rule: Rule::Syntax,
            file: "tables.yaml",
            line: None,
            line_has: "",
            names: &[],
        }],
    );
    assert!(
        errors[0].message.contains("cannot read the file"),
        "{}",
        errors[0]
    );
}

#[test]
fn unknown_datatype() {
    assert_one(
        "unknown_datatype",
        Expected {
            rule: Rule::UnknownDatatype,
            file: "segments.yaml",
            line: Some(35),
            line_has: "type: XPN",
            names: &["XPN"],
        },
    );
}

#[test]
fn unknown_segment() {
    assert_one(
        "unknown_segment",
        Expected {
            rule: Rule::UnknownSegment,
            file: "structures.yaml",
            line: Some(23),
            line_has: "- OBZ",
            names: &["OBZ", "ORU_R01"],
        },
    );
}

#[test]
fn unknown_table() {
    assert_one(
        "unknown_table",
        Expected {
            rule: Rule::UnknownTable,
            file: "segments.yaml",
            line: Some(37),
            line_has: "table: \"0002\"",
            names: &["0002"],
        },
    );
}

#[test]
fn unknown_structure() {
    assert_one(
        "unknown_structure",
        Expected {
            rule: Rule::UnknownStructure,
            file: "events.yaml",
            line: Some(4),
            line_has: "ORU_W01",
            names: &["ORU_W01", "ORU^W01"],
        },
    );
}

#[test]
fn duplicate_name_mapping_key() {
    assert_one(
        "duplicate_name",
        Expected {
            rule: Rule::DuplicateName,
            file: "segments.yaml",
            line: Some(38),
            line_has: "NTE:",
            names: &["NTE"],
        },
    );
}

#[test]
fn duplicate_name_primitive_and_composite() {
    assert_one(
        "duplicate_name_datatype",
        Expected {
            rule: Rule::DuplicateName,
            file: "datatypes.yaml",
            line: Some(21),
            line_has: "  ID:",
            names: &["ID"],
        },
    );
}

#[test]
fn duplicate_name_group_in_structure() {
    assert_one(
        "duplicate_name_group",
        Expected {
            rule: Rule::DuplicateName,
            file: "structures.yaml",
            line: Some(20),
            line_has: "- group: PATIENT",
            names: &["PATIENT", "ORU_R01"],
        },
    );
}

#[test]
fn duplicate_name_table_code() {
    assert_one(
        "duplicate_name_table_code",
        Expected {
            rule: Rule::DuplicateName,
            file: "tables.yaml",
            line: Some(9),
            line_has: "code: F",
            names: &["F"],
        },
    );
}

/// serde keeps the second of two definitions with the same key, so a finding inside the
/// second must point into the second, not at the same path of the first.
#[test]
fn duplicate_key_findings_point_into_the_kept_definition() {
    let dir = broken_dir("duplicate_name_then_unknown_datatype");
    assert_findings(
        &dir,
        &check_dir(&dir),
        &[
            Expected {
                rule: Rule::DuplicateName,
                file: "segments.yaml",
                line: Some(38),
                line_has: "NTE:",
                names: &["NTE"],
            },
            Expected {
                rule: Rule::UnknownDatatype,
                file: "segments.yaml",
                line: Some(42),
                line_has: "type: XPN",
                names: &["XPN"],
            },
        ],
    );
}

#[test]
fn empty_group() {
    assert_one(
        "empty_group",
        Expected {
            rule: Rule::EmptyGroup,
            file: "structures.yaml",
            line: Some(10),
            line_has: "- group: PATIENT",
            names: &["PATIENT", "ORU_R01"],
        },
    );
}

#[test]
fn min_above_max() {
    let dir = broken_dir("min_above_max");
    let findings = check_dir(&dir);
    assert_findings(
        &dir,
        &findings,
        &[Expected {
            rule: Rule::MinAboveMax,
            file: "segments.yaml",
            line: Some(14),
            line_has: "card: \"3..2\"",
            names: &[],
        }],
    );
    assert!(
        findings[0].message.contains("NTE-2") && findings[0].message.contains("3..2"),
        "{}",
        findings[0]
    );
}

#[test]
fn bad_position() {
    let dir = broken_dir("bad_position");
    let findings = check_dir(&dir);
    assert_findings(
        &dir,
        &findings,
        &[Expected {
            rule: Rule::BadPosition,
            file: "segments.yaml",
            line: Some(27),
            line_has: "seq: 14,",
            names: &["OBX"],
        }],
    );
    assert!(findings[0].message.contains("14"), "{}", findings[0]);
}

#[test]
fn bad_event_key() {
    assert_one(
        "bad_event_key",
        Expected {
            rule: Rule::BadEventKey,
            file: "events.yaml",
            line: Some(4),
            line_has: "\"ORU-W01\"",
            names: &["ORU-W01"],
        },
    );
}

#[test]
fn not_an_identifier() {
    assert_one(
        "not_an_identifier",
        Expected {
            rule: Rule::NotAnIdentifier,
            file: "structures.yaml",
            line: Some(15),
            line_has: "- group: ORDER OBSERVATION",
            names: &["ORDER OBSERVATION", "ORU_R01"],
        },
    );
}

#[test]
fn finding_display_reads_path_line_message_fix() {
    let dir = broken_dir("unknown_datatype");
    let findings = check_dir(&dir);
    assert_eq!(findings.len(), 1, "{}", render(&findings));
    let f = &findings[0];
    let path = dir.join("segments.yaml");
    assert_eq!(
        f.to_string(),
        format!("{}:35: {}; fix: {}", path.display(), f.message, f.fix)
    );
    assert!(
        f.to_string().contains(": PID-2 names datatype `XPN`"),
        "{f}"
    );

    let unlocated = Finding {
        line: None,
        ..f.clone()
    };
    assert_eq!(
        unlocated.to_string(),
        format!("{}: {}; fix: {}", path.display(), f.message, f.fix)
    );
}
