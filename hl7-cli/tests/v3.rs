//! `hl7 v3` on a corpus message: the XML of each path and its losses.

use std::path::{Path, PathBuf};
use std::process::Command;

fn realm_cj() -> PathBuf {
    // The HL7 realm ELR sample (Campylobacter jejuni), as vendored from node-hl7-complete.
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus/messages/node-hl7-complete/realm-cj.hl7")
}

fn hl7_v3(paths: &[&str]) -> (String, String, Option<i32>) {
    let file = realm_cj();
    let out = Command::new(env!("CARGO_BIN_EXE_hl7"))
        .arg("v3")
        .arg(&file)
        .args(paths)
        .output()
        .expect("the hl7 binary runs");
    (
        String::from_utf8(out.stdout).unwrap(),
        String::from_utf8(out.stderr).unwrap(),
        out.status.code(),
    )
}

#[test]
fn patient_identifier_name_and_observation() {
    let (out, err, code) = hl7_v3(&["PID-3", "PID-5", "PID-7", "OBX(0)-5"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "# PID-3: CX → II");
    assert!(
        lines[1].contains(
            r#"root="2.16.840.1.113883.19.3.2.1" extension="36363636" assigningAuthorityName="MPI""#
        ),
        "{out}"
    );
    assert!(
        out.contains("loss: CX.5: CX.5 Identifier Type Code not carried: \"MR\""),
        "{out}"
    );
    assert!(out.contains("# PID-5: XPN → PN"), "{out}");
    assert!(
        out.contains(r#"use="L"><given>Adam</given><given>A</given><family>Everyman</family>"#),
        "{out}"
    );
    assert!(out.contains("# PID-7: TS → TS"), "{out}");
    assert!(out.contains("# OBX(0)-5: CWE → CD"), "{out}");
    assert!(
        out.contains(r#"code="66543000" codeSystem="2.16.840.1.113883.6.96" codeSystemName="SCT""#),
        "{out}"
    );
}

#[test]
fn bad_paths_are_errors() {
    let (_, err, code) = hl7_v3(&["PID"]);
    assert_eq!(code, Some(2));
    assert!(err.contains("not a field or component path"), "{err}");
}

#[test]
fn numeric_observation_with_its_units_is_one_quantity() {
    let file = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../tests/corpus/messages/ruby-hl7/realm-lead-laboratory-result.hl7");
    let out = Command::new(env!("CARGO_BIN_EXE_hl7"))
        .arg("v3")
        .arg(&file)
        .arg("OBX(0)-5")
        .output()
        .expect("the hl7 binary runs");
    let out = String::from_utf8(out.stdout).unwrap();
    assert!(
        out.starts_with("# OBX(0)-5: NM → PQ (with OBX-6)\n"),
        "{out}"
    );
    assert!(
        out.contains(r#"xsi:type="PQ" value="3" unit="a"/>"#),
        "{out}"
    );
    assert!(
        out.contains("loss: CE.2: unit text \"year\" not carried"),
        "{out}"
    );
}

#[test]
fn ordering_provider_name_and_identifier() {
    // ORC-12 is an XCN: its name and, beside it, its identifier. This sample sends the
    // assigning authority as `&OID^ISO`, the type in the next component: the OID has no
    // declared type, so it is reported rather than taken as the root.
    let (out, err, code) = hl7_v3(&["ORC-12"]);
    assert_eq!(code, Some(0), "{err}");
    let lines: Vec<&str> = out.lines().collect();
    assert_eq!(lines[0], "# ORC-12: XCN → PN + II", "{out}");
    assert_eq!(
        lines[1],
        r#"<name xmlns="urn:hl7-org:v3"><prefix>Dr</prefix><given>Alan</given><given>A</given><family>Admit</family><suffix>III</suffix></name>"#,
        "{out}"
    );
    assert_eq!(
        lines[2], r#"<id xmlns="urn:hl7-org:v3" extension="1234"/>"#,
        "{out}"
    );
    assert!(
        out.contains(r#"loss: XCN.9.2: universal ID "2.16.840.1.113883.19.4.6" of type """#),
        "{out}"
    );
}
