//! Messages built from nothing (`hl7_model::build`) in every compiled version: their headers
//! carry what a receiver needs, they parse back into the structure they were built as, and
//! validation finds nothing wrong with the header.

use hl7_model::build::{BuildError, MessageBuilder};
use hl7_model::message::parse;

#[test]
fn every_event_of_every_version_builds_and_parses_back() {
    let mut built = 0;
    for v in hl7_model::VERSIONS {
        for (key, structure) in v.events {
            let (msg_type, event) = key.split_once('^').unwrap();
            let msg = MessageBuilder::new(v.version, msg_type, event)
                .sending("APP", "FAC")
                .build()
                .unwrap_or_else(|e| panic!("{} {key}: {e}", v.version));
            assert_eq!(msg.message.structure().id, *structure);
            let text = msg.to_er7();
            let back = parse(&text).unwrap_or_else(|e| panic!("{} {key}: {e}\n{text}", v.version));
            assert_eq!(back.message.version().version, v.version, "{text}");
            assert_eq!(back.message.structure().id, *structure, "{text}");
            assert_eq!(back.structure_fallback, None, "{text}");
            assert_eq!(back.to_er7(), text);
            assert_eq!(back.get("MSH-9-1").unwrap().as_deref(), Some(msg_type));
            assert_eq!(back.get("MSH-9-2").unwrap().as_deref(), Some(event));
            assert_eq!(back.get("MSH-12").unwrap().as_deref(), Some(v.version));
            assert_eq!(back.get("MSH-11").unwrap().as_deref(), Some("P"));
            assert_eq!(back.get("MSH-10").unwrap().map(|s| s.len()), Some(20));
            let ts = back.get("MSH-7").unwrap().unwrap();
            assert!(ts.len() == 19 && ts.ends_with("+0000"), "{ts}");
            let header_findings: Vec<_> = back
                .validate()
                .into_iter()
                .filter(|f| f.location.segment == "MSH" && f.location.field.is_some())
                .collect();
            assert!(
                header_findings.is_empty(),
                "{} {key}: {header_findings:?}",
                v.version
            );
            built += 1;
        }
    }
    assert!(built > 2_000, "{built} messages built");
}

#[test]
fn the_structure_component_is_written_where_the_version_defines_it() {
    let old = MessageBuilder::new("2.3", "ADT", "A04").build().unwrap();
    assert_eq!(old.get_er7("MSH-9").unwrap().as_deref(), Some("ADT^A04"));
    let new = MessageBuilder::new("2.5", "ADT", "A04").build().unwrap();
    assert_eq!(
        new.get_er7("MSH-9").unwrap().as_deref(),
        Some("ADT^A04^ADT_A01")
    );
}

#[test]
fn custom_delimiters_are_declared_and_used() {
    let d = hl7_model::delimiters::Delimiters {
        field: '#',
        component: '$',
        repetition: '*',
        escape: '!',
        subcomponent: '%',
        truncation: None,
    };
    let mut msg = MessageBuilder::new("2.5.1", "ORU", "R01")
        .delimiters(d)
        .control_id("C1")
        .timestamp("20240101")
        .build()
        .unwrap();
    msg.set("PID-5-1", "A#B").unwrap();
    msg.set("OBX-5", "5$6").unwrap();
    let text = msg.to_er7();
    assert!(text.starts_with("MSH#$*!%###"), "{text}");
    assert!(text.contains("PID#####A!F!B\r"), "{text}");
    let back = parse(&text).unwrap();
    assert_eq!(back.delimiters, d);
    assert_eq!(back.get("PID-5-1").unwrap().as_deref(), Some("A#B"));
    assert_eq!(back.get("OBX-5").unwrap().as_deref(), Some("5$6"));
}

#[test]
fn unknown_versions_and_events_are_refused() {
    assert_eq!(
        MessageBuilder::new("2.9", "ADT", "A01")
            .build()
            .unwrap_err(),
        BuildError::UnknownVersion("2.9".into())
    );
    assert!(matches!(
        MessageBuilder::new("2.5", "ZZZ", "Z01").build(),
        Err(BuildError::UnknownStructure { .. })
    ));
    let bad = hl7_model::delimiters::Delimiters {
        component: '|',
        ..Default::default()
    };
    assert!(matches!(
        MessageBuilder::new("2.5", "ADT", "A01")
            .delimiters(bad)
            .build(),
        Err(BuildError::Delimiters(_))
    ));
}

#[test]
fn typed_structures_are_built_with_their_own_structure_id() {
    use hl7_model::path::PathAccess;
    let mut oru: hl7_model::v2_8::structures::OruR01 = MessageBuilder::new("2.8", "ORU", "R01")
        .control_id("X")
        .timestamp("20240101")
        .build_as()
        .unwrap();
    oru.set_path("OBX-5", "1").unwrap();
    let mut out = String::new();
    hl7_model::group::encode_group(&oru, &mut out, &Default::default());
    assert_eq!(
        out,
        "MSH|^~\\&|||||20240101||ORU^R01^ORU_R01|X|P|2.8\rOBX|||||1\r"
    );
}

/// The header [`MessageBuilder`] writes, written by the same paths on an empty lean message of
/// the same structure; then the same body writes on both.
#[test]
fn lean_messages_built_by_paths_match_the_builder_for_every_event_of_every_version() {
    use crate::paths::{Both, Tally};
    use hl7_model::path::Path;
    use hl7_model::tree::Lean;
    let mut tally = Tally::default();
    let mut built = 0;
    for v in hl7_model::VERSIONS {
        for (key, structure) in v.events {
            let (msg_type, event) = key.split_once('^').unwrap();
            let typed = MessageBuilder::new(v.version, msg_type, event)
                .sending("APP", "FAC")
                .control_id("C1")
                .timestamp("20240101120000")
                .build()
                .unwrap_or_else(|e| panic!("{} {key}: {e}", v.version));
            let body = v.structure(structure).unwrap().body;
            let mut lean = Lean::from_lines(body, &[], Default::default()).with_version(v);
            let structure_component = typed.get("MSH-9-3").unwrap();
            for (path, value) in [
                ("MSH-2", Some("^~\\&")),
                ("MSH-3", Some("APP")),
                ("MSH-4", Some("FAC")),
                ("MSH-7", Some("20240101120000")),
                ("MSH-9-1", Some(msg_type)),
                ("MSH-9-2", Some(event)),
                ("MSH-9-3", structure_component.as_deref()),
                ("MSH-10", Some("C1")),
                ("MSH-11", Some("P")),
                ("MSH-12", Some(v.version)),
            ] {
                let Some(value) = value else { continue };
                let p: Path = path.parse().unwrap();
                p.set_lean(&mut lean, value)
                    .unwrap_or_else(|e| panic!("{} {key}: {path}: {e}", v.version));
            }
            let mut both = Both { typed, lean };
            let label = format!("{} {key}", v.version);
            both.same_text_and_tree()
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            for (path, value, er7) in [
                ("PID-5-1", "Doe", false),
                ("PID-3(1)-4", "H&X", true),
                ("EVN-2", "20240101", false),
                ("PV1-2", "I", false),
                ("PV1(1)-2", "O", false),
                ("OBR-4-1", "GLU", false),
                ("OBX-5", "5.4", false),
                ("OBX(1)-5", "6.1", false),
                ("/.ORDER_OBSERVATION(1)/OBR-4-1", "NA", false),
                ("OBX(2)-5", "140", false),
                ("NTE-3", "note", false),
                ("NTE(1)", "NTE|2|L|more", true),
                ("MSA-1", "AA", false),
                ("ERR-1-1", "x", false),
                ("ZZZ-1", "z", false),
                ("IN1-2", "i", false),
                ("/PATIENT/PID-1", "1", false),
            ] {
                both.write(&label, path, value, er7, &mut tally);
            }
            built += 1;
        }
    }
    eprintln!(
        "{built} messages, {} writes, {} written, refused: {:?}",
        tally.writes, tally.ok, tally.errors
    );
    tally.assert_none_differ();
    assert!(built > 2_000, "{built} messages built");
    assert!(tally.ok > 15_000, "{} writes made", tally.ok);
}

#[test]
fn lean_messages_built_with_custom_delimiters_match_the_builder() {
    use hl7_model::path::Path;
    use hl7_model::tree::Lean;
    let d = hl7_model::delimiters::Delimiters {
        field: '#',
        component: '$',
        repetition: '*',
        escape: '!',
        subcomponent: '%',
        truncation: None,
    };
    let mut msg = MessageBuilder::new("2.5.1", "ORU", "R01")
        .delimiters(d)
        .control_id("C1")
        .timestamp("20240101")
        .build()
        .unwrap();
    msg.set("PID-5-1", "A#B").unwrap();
    msg.set("OBX-5", "5$6").unwrap();
    let v = hl7_model::VERSIONS
        .iter()
        .find(|v| v.version == "2.5.1")
        .unwrap();
    let body = v.structure("ORU_R01").unwrap().body;
    let mut lean = Lean::from_lines(body, &[], d).with_version(v);
    for (path, value) in [
        ("MSH-2", "$*!%"),
        ("MSH-7", "20240101"),
        ("MSH-9-1", "ORU"),
        ("MSH-9-2", "R01"),
        ("MSH-9-3", "ORU_R01"),
        ("MSH-10", "C1"),
        ("MSH-11", "P"),
        ("MSH-12", "2.5.1"),
        ("PID-5-1", "A#B"),
        ("OBX-5", "5$6"),
    ] {
        let p: Path = path.parse().unwrap();
        p.set_lean(&mut lean, value)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    assert_eq!(lean.to_er7(), msg.to_er7());
    assert!(lean.to_er7().contains("PID#####A!F!B\r"));
}

/// `build_lean` writes the header `build` writes, for every event of every version and with
/// custom delimiters; what follows is written the same on both.
#[test]
fn build_lean_gives_what_build_gives_for_every_event_of_every_version() {
    let d = hl7_model::delimiters::Delimiters {
        field: '#',
        component: '$',
        repetition: '*',
        escape: '!',
        subcomponent: '%',
        truncation: None,
    };
    let mut built = 0;
    for v in hl7_model::VERSIONS {
        for (key, _) in v.events {
            let (msg_type, event) = key.split_once('^').unwrap();
            for delimiters in [Default::default(), d] {
                let builder = MessageBuilder::new(v.version, msg_type, event)
                    .sending("APP", "FAC")
                    .receiving("LAB", "")
                    .control_id("C1")
                    .timestamp("20240101")
                    .delimiters(delimiters);
                let mut typed = builder.clone().build().unwrap();
                let mut lean = builder.build_lean().unwrap();
                assert_eq!(lean.to_er7(), typed.to_er7(), "{} {key}", v.version);
                assert_eq!(lean.structure().id, typed.message.structure().id);
                for (path, value) in [("PID-5-1", "A#B|C"), ("EVN-2", "20240101")] {
                    assert_eq!(lean.set(path, value), typed.set(path, value), "{path}");
                }
                assert_eq!(lean.to_er7(), typed.to_er7(), "{} {key}", v.version);
                assert_eq!(
                    lean.tree_lines(),
                    hl7_model::grammar::tree(typed.message.as_group())
                );
                built += 1;
            }
        }
    }
    assert!(built > 4_000, "{built} messages built");
    assert!(matches!(
        MessageBuilder::new("2.5", "ZZZ", "Z01").build_lean(),
        Err(BuildError::UnknownStructure { .. })
    ));
}
