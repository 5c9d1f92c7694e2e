//! The committed schemas: every version loads and checks clean, is in canonical layout, has
//! the counts the sources give, and holds the facts the standard states.

use std::path::{Path, PathBuf};

use hl7_codegen::schema::{Card, Item, Max, Usage, VersionSchema};
use hl7_codegen::stats::Stats;
use hl7_codegen::{check, emit_yaml, load};

fn schemas_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas")
}

fn load(version: &str) -> VersionSchema {
    let (schema, _) = load::load_version(&schemas_dir().join(version)).unwrap_or_else(|f| {
        panic!(
            "{version}: {}",
            f.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    });
    schema
}

/// (version, hl7apy message structures, hl7apy segments) as hl7apy 1.3.5 defines them; hl7apy
/// has no 2.7.1, which is built on its 2.7.
const HL7APY: &[(&str, usize, usize)] = &[
    ("v2.1", 39, 38),
    ("v2.2", 73, 63),
    ("v2.3", 114, 111),
    ("v2.3.1", 116, 111),
    ("v2.4", 192, 139),
    ("v2.5", 215, 151),
    ("v2.5.1", 213, 151),
    ("v2.6", 224, 171),
    ("v2.7", 206, 175),
    ("v2.7.1", 206, 175),
    ("v2.8", 217, 181),
    ("v2.8.1", 221, 181),
    ("v2.8.2", 222, 185),
];

#[test]
fn every_version_folder_is_present_and_checks_clean() {
    let dirs = load::version_dirs(&schemas_dir()).unwrap();
    let names: Vec<String> = dirs
        .iter()
        .map(|d| d.file_name().unwrap().to_string_lossy().into_owned())
        .collect();
    let expected: Vec<&str> = HL7APY.iter().map(|(v, ..)| *v).collect();
    assert_eq!(names, expected);
    for dir in dirs {
        let (schema, sources) = load::load_version(&dir).unwrap_or_else(|f| panic!("{f:?}"));
        let findings = check::check_version(&schema, &sources);
        assert!(
            findings.is_empty(),
            "{}: {}",
            dir.display(),
            findings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
    }
}

#[test]
fn yaml_is_in_canonical_layout() {
    for (version, ..) in HL7APY {
        let schema = load(version);
        for (file, text) in emit_yaml::version_files(&schema) {
            let on_disk = std::fs::read_to_string(schemas_dir().join(version).join(file)).unwrap();
            assert!(
                on_disk == text,
                "schemas/{version}/{file} is not in canonical layout: run `cargo xtask regenerate`"
            );
        }
    }
}

#[test]
fn structure_and_segment_counts_match_hl7apy() {
    for &(version, structures, segments) in HL7APY {
        let stats = Stats::of(&load(version));
        assert_eq!(stats.structures, structures, "{version} structures");
        // hl7apy lists its pseudo segment ANYHL7SEGMENT among the segments from 2.2 on; the
        // schema writes it as `*` in structures instead (schemas/README.md).
        let pseudo = usize::from(version != "v2.1");
        assert_eq!(stats.segments, segments - pseudo, "{version} segments");
    }
}

/// The report in schemas/README.md states the same counts as the YAML.
#[test]
fn readme_report_matches_the_yaml() {
    let readme = std::fs::read_to_string(schemas_dir().join("README.md")).unwrap();
    for (version, ..) in HL7APY {
        let stats = Stats::of(&load(version));
        let row = readme
            .lines()
            .find(|l| l.starts_with(&format!("| {version} |")))
            .unwrap_or_else(|| panic!("no report row for {version}"));
        let cells: Vec<&str> = row.split('|').map(str::trim).collect();
        // | version | structures | hl7apy | groups | hl7apy | segments | hl7apy | dict | fields | datatypes | hl7apy | events | dict | tables | hl7apy |
        let ours = [
            cells[2], cells[4], cells[6], cells[9], cells[10], cells[12], cells[14],
        ];
        let expected = [
            stats.structures,
            stats.groups,
            stats.segments,
            stats.fields,
            stats.datatypes,
            stats.events,
            stats.tables,
        ]
        .map(|n| n.to_string());
        assert_eq!(
            ours.to_vec(),
            expected.to_vec(),
            "{version}: re-run `cargo xtask import`"
        );
    }
}

fn group<'a>(items: &'a [Item], name: &str) -> &'a hl7_codegen::schema::Group {
    items
        .iter()
        .find_map(|i| match i {
            Item::Group(g) if g.name == name => Some(g),
            _ => None,
        })
        .unwrap_or_else(|| panic!("no group {name}"))
}

fn segments(items: &[Item]) -> Vec<&str> {
    items
        .iter()
        .filter_map(|i| match i {
            Item::Segment(s) => Some(s.segment.as_str()),
            Item::Group(_) => None,
        })
        .collect()
}

#[test]
fn v2_5_oru_r01_nests_groups_as_the_standard() {
    let s = load("v2.5");
    let oru = &s.structures["ORU_R01"];
    assert_eq!(segments(&oru.body), ["MSH", "SFT", "DSC"]);
    let pr = group(&oru.body, "PATIENT_RESULT");
    assert_eq!(pr.card, Card::MANY);
    let patient = group(&pr.body, "PATIENT");
    assert_eq!(patient.card, Card::OPTIONAL);
    assert_eq!(segments(&patient.body), ["PID", "PD1", "NTE", "NK1"]);
    let visit = group(&patient.body, "VISIT");
    assert_eq!(segments(&visit.body), ["PV1", "PV2"]);
    let oo = group(&pr.body, "ORDER_OBSERVATION");
    assert_eq!(oo.card, Card::MANY);
    assert_eq!(
        segments(&oo.body),
        ["ORC", "OBR", "NTE", "CTD", "FT1", "CTI"]
    );
    let obs = group(&oo.body, "OBSERVATION");
    assert_eq!(obs.card, Card::ANY);
    assert_eq!(segments(&obs.body), ["OBX", "NTE"]);
    match &obs.body[1] {
        Item::Segment(nte) => assert_eq!(nte.card, Card::ANY),
        Item::Group(_) => unreachable!(),
    }
}

#[test]
fn v2_3_1_msh_18_is_id_with_table_0211() {
    let s = load("v2.3.1");
    let f = &s.segments["MSH"].fields[17];
    assert_eq!(
        (f.seq, f.datatype.as_str(), f.table.as_deref()),
        (18, "ID", Some("0211"))
    );
    assert!(s.tables["0211"].values.iter().any(|v| v.code == "8859/1"));
}

#[test]
fn v2_5_1_msh_has_21_fields_and_msh_21_is_repeating_ei() {
    let s = load("v2.5.1");
    let msh = &s.segments["MSH"];
    assert_eq!(msh.fields.len(), 21);
    let f21 = &msh.fields[20];
    assert_eq!(f21.datatype, "EI");
    assert_eq!(f21.card.max, Max::Unbounded);
    let f10 = &msh.fields[9];
    assert_eq!(
        (f10.name.as_str(), f10.usage, f10.len),
        ("Message Control ID", Usage::R, Some(20))
    );
}

#[test]
fn v2_5_adt_a04_maps_to_adt_a01() {
    let s = load("v2.5");
    assert_eq!(s.events["ADT^A04"], "ADT_A01");
    assert_eq!(s.events["ORU^R01"], "ORU_R01");
    // 2.1 and 2.2 define one structure per trigger event.
    assert_eq!(load("v2.1").events["ADT^A04"], "ADT_A04");
}

/// Lengths for 2.1 – 2.7.1 come from hl7-dictionary. Its 2.7 and 2.7.1 give lengths for few
/// fields (the standard gives none to composite fields from 2.7 on, and the package lacks most
/// primitive ones): those versions carry the lengths it has, and schemas/README.md says so.
#[test]
fn lengths_are_present_for_v2_1_to_v2_7_1() {
    for (version, ..) in &HL7APY[..10] {
        let s = load(version);
        let fields: Vec<_> = s
            .segments
            .values()
            .flat_map(|seg| &seg.fields)
            .filter(|f| f.usage != Usage::X)
            .collect();
        let with_len = fields.iter().filter(|f| f.len.is_some()).count();
        if load::version_key(version) >= load::version_key("v2.7") {
            assert!(
                with_len >= 250,
                "{version}: only {with_len} fields have a length"
            );
        } else {
            assert!(
                with_len * 10 >= fields.len() * 9,
                "{version}: only {with_len} of {} fields have a length",
                fields.len()
            );
        }
    }
    assert_eq!(load("v2.7.1").segments["MSH"].fields[9].len, Some(199));
    assert_eq!(load("v2.3.1").segments["PID"].fields[4].len, Some(48));
    // hl7-dictionary has no data past 2.7.1.
    assert!(
        load("v2.8")
            .segments
            .values()
            .flat_map(|s| &s.fields)
            .all(|f| f.len.is_none())
    );
}

#[test]
fn site_defined_segment_positions_are_kept_as_any_segment() {
    // MFN_M01: MSH [{SFT}] MFI {MFE [Zxx]}: the standard's site-defined segment after MFE.
    let s = load("v2.5");
    let mf = group(&s.structures["MFN_M01"].body, "MF");
    assert_eq!(segments(&mf.body), ["MFE", "*"]);
}

/// What `cargo xtask stats` prints, pinned: a schema change that moves a count shows here.
#[test]
fn stats_are_pinned() {
    let expected = "\
v2.1 datatypes=16 segments=38 fields=435 structures=39 groups=18 events=38 tables=76\n\
v2.2 datatypes=60 segments=62 fields=767 structures=73 groups=43 events=72 tables=148\n\
v2.3 datatypes=86 segments=110 fields=1468 structures=114 groups=366 events=192 tables=233\n\
v2.3.1 datatypes=91 segments=110 fields=1485 structures=116 groups=384 events=201 tables=293\n\
v2.4 datatypes=93 segments=138 fields=1811 structures=192 groups=570 events=243 tables=398\n\
v2.5 datatypes=91 segments=150 fields=2095 structures=215 groups=762 events=310 tables=476\n\
v2.5.1 datatypes=91 segments=150 fields=2103 structures=213 groups=761 events=311 tables=475\n\
v2.6 datatypes=89 segments=170 fields=2466 structures=224 groups=840 events=325 tables=540\n\
v2.7 datatypes=86 segments=174 fields=2558 structures=206 groups=973 events=311 tables=546\n\
v2.7.1 datatypes=86 segments=174 fields=2558 structures=206 groups=973 events=181 tables=546\n\
v2.8 datatypes=83 segments=180 fields=2626 structures=217 groups=1009 events=305 tables=562\n\
v2.8.1 datatypes=83 segments=180 fields=2631 structures=221 groups=1040 events=305 tables=563\n\
v2.8.2 datatypes=84 segments=184 fields=2690 structures=222 groups=1042 events=305 tables=567\n\
";
    let actual: String = HL7APY
        .iter()
        .map(|(v, ..)| format!("{v} {}\n", Stats::of(&load(v))))
        .collect();
    assert_eq!(actual, expected);
}

/// Every segment's fields and every composite's components get distinct Rust names, and every
/// type name is unique within a version.
#[test]
fn rust_names_are_distinct_in_every_version() {
    use hl7_codegen::names::{member_names, type_name};
    use std::collections::{BTreeMap, BTreeSet};
    let mut collisions = 0;
    for (version, ..) in HL7APY {
        let s = load(version);
        let mut types: BTreeMap<String, String> = BTreeMap::new();
        let ids = s
            .datatypes
            .primitives
            .keys()
            .chain(s.datatypes.composites.keys())
            .chain(s.segments.keys());
        for id in ids.chain(s.structures.keys()) {
            if let Some(prev) = types.insert(type_name(id), id.clone()) {
                panic!("{version}: {id} and {prev} both become {}", type_name(id));
            }
        }
        let lists = s
            .segments
            .values()
            .map(|seg| {
                seg.fields
                    .iter()
                    .map(|f| (f.seq, f.name.as_str()))
                    .collect::<Vec<_>>()
            })
            .chain(s.datatypes.composites.values().map(|c| {
                c.components
                    .iter()
                    .map(|c| (c.seq, c.name.as_str()))
                    .collect()
            }));
        for list in lists {
            let names = member_names(list.iter().copied());
            let distinct: BTreeSet<&String> = names.iter().collect();
            assert_eq!(distinct.len(), names.len(), "{version}: {names:?}");
            collisions += names
                .iter()
                .zip(&list)
                .filter(|(n, (seq, _))| n.ends_with(&format!("_{seq}")))
                .count();
        }
        let pid = &s.segments["PID"];
        if pid.fields.len() >= 5 {
            let names = member_names(pid.fields.iter().map(|f| (f.seq, f.name.as_str())));
            assert_eq!(names[4], "patient_name", "{version}");
        }
    }
    // Collisions are rare; a jump means names in the YAML went wrong.
    assert!(
        collisions < 120,
        "{collisions} names needed a position suffix"
    );
}

/// Table 0104 (Version ID) of each version lists that version itself (the published tables do;
/// without it every message of the version fails MSH-12's table check). 2.1 has no table 0104.
#[test]
fn table_0104_lists_its_own_version() {
    for (v, ..) in HL7APY {
        let schema = load(v);
        let Some(table) = schema.tables.get("0104") else {
            assert_eq!(*v, "v2.1");
            continue;
        };
        let version = v.trim_start_matches('v');
        assert!(
            table.values.iter().any(|x| x.code == version),
            "{v}: table 0104 lacks {version}"
        );
    }
}
