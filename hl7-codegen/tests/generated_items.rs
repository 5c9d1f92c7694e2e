//! The generated code of representative items, pinned as insta snapshots
//! (`tests/snapshots/`), so that every generator or schema change is reviewed as a diff:
//! `cargo insta review`, or `cargo xtask regenerate` and `git diff`.

use std::path::{Path, PathBuf};

use hl7_codegen::gen_types::render_item;
use hl7_codegen::load::load_version;

const VERSIONS: &[&str] = &["v2.3.1", "v2.5.1", "v2.8"];
const ITEMS: &[&str] = &[
    "MSH", "PID", "OBX", "XPN", "CE", "CWE", "TS", "DTM", "ADT_A01", "ORU_R01", "OML_O21",
];

fn schemas() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

#[test]
fn representative_items_of_three_versions() {
    let mut settings = insta::Settings::clone_current();
    settings.set_prepend_module_to_snapshot(false);
    settings.set_snapshot_path("snapshots/generated");
    settings.bind(|| {
        for version in VERSIONS {
            let (schema, _) = load_version(&schemas().join(version)).unwrap();
            for item in ITEMS {
                let source = render_item(&schema, item)
                    .unwrap_or_else(|| format!("// {item} is not defined in {version}\n"));
                insta::assert_snapshot!(format!("{version}__{item}"), source);
            }
        }
    });
}

/// Lines that differ between two renderings of the same length.
fn changed_lines(before: &str, after: &str) -> Vec<(String, String)> {
    assert_eq!(before.lines().count(), after.lines().count());
    before
        .lines()
        .zip(after.lines())
        .filter(|(a, b)| a != b)
        .map(|(a, b)| (a.trim().to_owned(), b.trim().to_owned()))
        .collect()
}

#[test]
fn one_yaml_field_changes_exactly_its_own_lines() {
    // A copy of v2.5 with PID-5's length changed in the YAML text, as a maintainer would.
    let src = schemas().join("v2.5");
    let dir = std::env::temp_dir().join(format!("hl7-codegen-edit-{}", std::process::id()));
    let edited = dir.join("v2.5");
    std::fs::create_dir_all(&edited).unwrap();
    for entry in std::fs::read_dir(&src).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, edited.join(path.file_name().unwrap())).unwrap();
    }
    let segments = edited.join("segments.yaml");
    let yaml = std::fs::read_to_string(&segments).unwrap();
    let line = "- { seq: 5, name: Patient Name, type: XPN, usage: R, card: \"1..*\", len: 250 }";
    assert_eq!(yaml.matches(line).count(), 1, "PID-5 is one line");
    std::fs::write(&segments, yaml.replace(line, &line.replace("250", "300"))).unwrap();

    let (original, _) = load_version(&src).unwrap();
    let (changed, _) = load_version(&edited).unwrap();
    std::fs::remove_dir_all(&dir).unwrap();

    let diff = changed_lines(
        &render_item(&original, "PID").unwrap(),
        &render_item(&changed, "PID").unwrap(),
    );
    assert_eq!(
        diff,
        [
            (
                "/// PID-5 Patient Name: XPN, R, 1..*, len 250.".to_owned(),
                "/// PID-5 Patient Name: XPN, R, 1..*, len 300.".to_owned()
            ),
            ("len = 250".to_owned(), "len = 300".to_owned()),
        ]
    );
    // Nothing else in the version's generated code moves.
    let whole = |s| hl7_codegen::gen_descriptors::version_module(s);
    let diff = changed_lines(&whole(&original), &whole(&changed));
    let expected = [
        (
            "/// PID-5 Patient Name: XPN, R, 1..*, len 250.".to_owned(),
            "/// PID-5 Patient Name: XPN, R, 1..*, len 300.".to_owned(),
        ),
        ("len = 250".to_owned(), "len = 300".to_owned()),
    ];
    assert_eq!(diff, expected, "{diff:?}");
}

#[test]
fn generation_is_deterministic() {
    let (schema, _) = load_version(&schemas().join("v2.3.1")).unwrap();
    assert_eq!(
        hl7_codegen::gen_descriptors::version_module(&schema),
        hl7_codegen::gen_descriptors::version_module(&schema)
    );
}
