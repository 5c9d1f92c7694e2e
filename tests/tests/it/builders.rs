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
