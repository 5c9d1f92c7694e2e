//! The descriptor tables hl7-model generates at build time hold exactly what the schemas say,
//! for every version.

use std::path::Path;

use hl7_codegen::stats::Stats;
use hl7_model::descriptor::{ItemDesc, VersionDesc};

const VERSIONS: &[(&str, &VersionDesc)] = &[
    ("v2.1", &hl7_model::v2_1::VERSION),
    ("v2.2", &hl7_model::v2_2::VERSION),
    ("v2.3", &hl7_model::v2_3::VERSION),
    ("v2.3.1", &hl7_model::v2_3_1::VERSION),
    ("v2.4", &hl7_model::v2_4::VERSION),
    ("v2.5", &hl7_model::v2_5::VERSION),
    ("v2.5.1", &hl7_model::v2_5_1::VERSION),
    ("v2.6", &hl7_model::v2_6::VERSION),
    ("v2.7", &hl7_model::v2_7::VERSION),
    ("v2.7.1", &hl7_model::v2_7_1::VERSION),
    ("v2.8", &hl7_model::v2_8::VERSION),
    ("v2.8.1", &hl7_model::v2_8_1::VERSION),
    ("v2.8.2", &hl7_model::v2_8_2::VERSION),
];

fn groups(items: &[ItemDesc]) -> usize {
    items
        .iter()
        .map(|i| match i {
            ItemDesc::Group { group, .. } => 1 + groups(group.items),
            ItemDesc::Segment { .. } => 0,
        })
        .sum()
}

#[test]
fn descriptors_match_the_schema_of_every_version() {
    let schemas = Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas");
    for (folder, desc) in VERSIONS {
        let (schema, _) = hl7_codegen::load::load_version(&schemas.join(folder)).unwrap();
        let stats = Stats::of(&schema);
        assert_eq!(format!("v{}", desc.version), *folder);
        assert_eq!(desc.datatypes.len(), stats.datatypes, "{folder}");
        assert_eq!(desc.segments.len(), stats.segments, "{folder}");
        assert_eq!(
            desc.segments.iter().map(|s| s.fields.len()).sum::<usize>(),
            stats.fields,
            "{folder}"
        );
        assert_eq!(desc.structures.len(), stats.structures, "{folder}");
        assert_eq!(
            desc.structures
                .iter()
                .map(|s| groups(s.items))
                .sum::<usize>(),
            stats.groups,
            "{folder}"
        );
        assert_eq!(desc.events.len(), stats.events, "{folder}");
        assert_eq!(desc.tables.len(), stats.tables, "{folder}");
        // Every id is found by the binary-search lookups.
        for id in schema.segments.keys() {
            assert_eq!(
                desc.segment(id).map(|s| s.id),
                Some(id.as_str()),
                "{folder} {id}"
            );
        }
        for id in schema.structures.keys() {
            assert_eq!(
                desc.structure(id).map(|s| s.id),
                Some(id.as_str()),
                "{folder} {id}"
            );
        }
        for (key, structure) in &schema.events {
            let (t, e) = key.split_once('^').unwrap();
            assert_eq!(
                desc.resolve_structure(t, e, None).map(|s| s.id),
                Some(structure.as_str()),
                "{folder} {key}"
            );
        }
    }
}

#[test]
fn v2_5_descriptors_hold_the_standard_facts() {
    let v = &hl7_model::v2_5::VERSION;
    assert_eq!(
        v.resolve_structure("ADT", "A04", None).unwrap().id,
        "ADT_A01"
    );
    assert_eq!(
        v.resolve_structure("ADT", "A04", Some("ADT_A01"))
            .unwrap()
            .id,
        "ADT_A01"
    );
    assert_eq!(v.resolve_structure("ACK", "A01", None).unwrap().id, "ACK");
    assert!(v.resolve_structure("ZZZ", "Z01", None).is_none());
    let msh10 = &v.segment("MSH").unwrap().fields[9];
    assert_eq!(
        (msh10.name, msh10.datatype, msh10.len),
        ("Message Control ID", "ST", Some(20))
    );
    let oru = v.structure("ORU_R01").unwrap();
    let ItemDesc::Group { group: pr, .. } = oru.items[2] else {
        panic!("{:?}", oru.items[2])
    };
    assert_eq!(pr.name, "PATIENT_RESULT");
    assert_eq!(
        v.table("0001")
            .unwrap()
            .values
            .iter()
            .find(|(c, _)| *c == "F")
            .unwrap()
            .1,
        Some("Female")
    );
    let msh18 = &hl7_model::v2_3_1::VERSION.segment("MSH").unwrap().fields[17];
    assert_eq!((msh18.datatype, msh18.table), ("ID", Some("0211")));
}

/// Table values are sorted by code in every version, so that `TableDesc::value` (a binary
/// search) finds every code the table lists.
#[test]
fn table_values_are_sorted_and_found_by_code() {
    let mut found = 0;
    for v in hl7_model::VERSIONS {
        for t in v.tables {
            assert!(
                t.values.windows(2).all(|w| w[0].0 <= w[1].0),
                "v{} table {}",
                v.version,
                t.id
            );
            for entry in t.values {
                assert_eq!(t.value(entry.0).map(|e| e.0), Some(entry.0));
                found += 1;
            }
        }
    }
    assert!(found > 10_000, "{found}");
}
