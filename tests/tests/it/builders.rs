//! Messages built from nothing (`MessageBuilder::build_lean`) in every compiled version: their
//! headers carry what a receiver needs, written as the standard lays MSH out; they parse back
//! into the structure they were built as; paths write the same header on an empty message, and
//! write a body that reads back; validation finds nothing wrong with the header.

use hl7_model::build::{BuildError, MessageBuilder};
use hl7_model::delimiters::Delimiters;
use hl7_model::descriptor::VersionDesc;
use hl7_model::message::{Message, ParseOptions};
use hl7_model::path::PathError;

/// The versions compiled in, oldest first.
const VERSIONS: [&str; 13] = [
    "2.1", "2.2", "2.3", "2.3.1", "2.4", "2.5", "2.5.1", "2.6", "2.7", "2.7.1", "2.8", "2.8.1",
    "2.8.2",
];

/// Whether MSH-9 of `version` has its third component, the message structure: added in
/// v2.3.1 (MSG.3); before, the message type (CM) is the type and the trigger event alone.
fn defines_structure_component(version: &str) -> bool {
    !matches!(version, "2.1" | "2.2" | "2.3")
}

/// Delimiters other than the standard ones, each declared in MSH-1 and MSH-2.
const CUSTOM: Delimiters = Delimiters {
    field: '#',
    component: '$',
    repetition: '*',
    escape: '!',
    subcomponent: '%',
    truncation: None,
};

/// The text `text`, as the lean parser reads it with the default options.
fn reparse(text: &str) -> Message {
    Message::parse(text, &ParseOptions::default()).unwrap_or_else(|e| panic!("{e}\n{text}"))
}

/// The MSH segment (with its terminator) the builder is to write: fields 3 to 12 as MSH lays
/// them out, separated by `d.field`, the components of MSH-9 by `d.component`; MSH-8 (security)
/// empty.
#[allow(clippy::too_many_arguments)]
fn expected_header(
    d: &Delimiters,
    sending: [&str; 2],
    receiving: [&str; 2],
    timestamp: &str,
    msh9: [&str; 3],
    control_id: &str,
    version: &str,
) -> String {
    let c = d.component.to_string();
    let msh9 = if defines_structure_component(version) {
        msh9.join(&c)
    } else {
        msh9[..2].join(&c)
    };
    let fields = [
        sending[0],
        sending[1],
        receiving[0],
        receiving[1],
        timestamp,
        "",
        &msh9,
        control_id,
        "P",
        version,
    ];
    format!(
        "MSH{}{}{}{}\r",
        d.field,
        d.encoding_characters(),
        d.field,
        fields.join(&d.field.to_string())
    )
}

#[test]
fn every_compiled_version_is_built() {
    let compiled: Vec<&str> = hl7_model::VERSIONS.iter().map(|v| v.version).collect();
    assert_eq!(compiled, VERSIONS);
}

#[test]
fn every_event_of_every_version_builds_and_parses_back() {
    let mut built = 0;
    for v in hl7_model::VERSIONS {
        for (key, structure) in v.events {
            let (msg_type, event) = key.split_once('^').unwrap();
            let label = format!("{} {key}", v.version);
            let msg = MessageBuilder::new(v.version, msg_type, event)
                .sending("APP", "FAC")
                .build()
                .unwrap_or_else(|e| panic!("{label}: {e}"));
            assert_eq!(msg.structure().id, *structure, "{label}");
            assert_eq!(msg.version().version, v.version, "{label}");
            // The header alone, in the structure's body.
            assert_eq!(
                msg.tree_lines(),
                [msg.lean().root().name.to_owned(), "  MSH".to_owned()],
                "{label}"
            );
            let text = msg.to_er7();
            assert!(text.starts_with("MSH|^~\\&|APP|FAC|||"), "{label}: {text}");
            assert!(
                text.ends_with(&format!("|P|{}\r", v.version)),
                "{label}: {text}"
            );
            let back = reparse(&text);
            assert_eq!(back.version().version, v.version, "{text}");
            assert_eq!(back.version_fallback(), None, "{text}");
            assert_eq!(back.structure().id, *structure, "{text}");
            assert_eq!(back.structure_fallback(), None, "{text}");
            assert_eq!(back.to_er7(), text);
            assert_eq!(back.tree_lines(), msg.tree_lines(), "{text}");
            assert_eq!(back, msg, "{text}");
            assert_eq!(back.get("MSH-9-1").unwrap().as_deref(), Some(msg_type));
            assert_eq!(back.get("MSH-9-2").unwrap().as_deref(), Some(event));
            let structure_component = back.get("MSH-9-3").unwrap();
            if defines_structure_component(v.version) {
                assert_eq!(structure_component.as_deref(), Some(*structure), "{text}");
            } else {
                assert_eq!(structure_component, None, "{text}");
            }
            assert_eq!(back.get("MSH-12").unwrap().as_deref(), Some(v.version));
            assert_eq!(back.get("MSH-11").unwrap().as_deref(), Some("P"));
            let id = back.get("MSH-10").unwrap().unwrap();
            assert!(
                id.len() == 20 && id.bytes().all(|b| b.is_ascii_digit()),
                "{id}"
            );
            let ts = back.get("MSH-7").unwrap().unwrap();
            assert!(ts.len() == 19 && ts.ends_with("+0000"), "{ts}");
            let header_findings: Vec<_> = back
                .validate()
                .into_iter()
                .filter(|f| f.location.segment == "MSH" && f.location.field.is_some())
                .collect();
            assert!(header_findings.is_empty(), "{label}: {header_findings:?}");
            built += 1;
        }
    }
    assert!(built > 2_000, "{built} messages built");
}

#[test]
fn the_structure_component_is_written_where_the_version_defines_it() {
    for version in VERSIONS {
        let msg = MessageBuilder::new(version, "ADT", "A04")
            .build()
            .unwrap_or_else(|e| panic!("{version}: {e}"));
        let want = if defines_structure_component(version) {
            "ADT^A04^ADT_A01"
        } else {
            "ADT^A04"
        };
        assert_eq!(
            msg.get_er7("MSH-9").unwrap().as_deref(),
            Some(want),
            "{version}"
        );
    }
    let oru = MessageBuilder::new("2.3.1", "ORU", "R01").build().unwrap();
    assert_eq!(
        oru.get_er7("MSH-9").unwrap().as_deref(),
        Some("ORU^R01^ORU_R01")
    );
    // A04 shares A01's structure from 2.3.1 on; the structure is the event map's, not the
    // event's name.
    let a08 = MessageBuilder::new("2.8", "ADT", "A08").build().unwrap();
    assert_eq!(
        a08.get_er7("MSH-9").unwrap().as_deref(),
        Some("ADT^A08^ADT_A01")
    );
}

#[test]
fn custom_delimiters_are_declared_and_used() {
    let mut msg = MessageBuilder::new("2.5.1", "ORU", "R01")
        .delimiters(CUSTOM)
        .control_id("C1")
        .timestamp("20240101")
        .build()
        .unwrap();
    msg.set("PID-5-1", "A#B").unwrap();
    msg.set("OBX-5", "5$6").unwrap();
    let text = msg.to_er7();
    // `#` and `$` in values are escaped with `!`: `!F!` and `!S!`.
    assert_eq!(
        text,
        "MSH#$*!%#####20240101##ORU$R01$ORU_R01#C1#P#2.5.1\rPID#####A!F!B\rOBX#####5!S!6\r"
    );
    let back = reparse(&text);
    assert_eq!(back.lean().delimiters(), &CUSTOM);
    assert_eq!(back.get("PID-5-1").unwrap().as_deref(), Some("A#B"));
    assert_eq!(back.get("OBX-5").unwrap().as_deref(), Some("5$6"));
    assert_eq!(back.get("MSH-1").unwrap().as_deref(), Some("#"));
    assert_eq!(back.get("MSH-9-3").unwrap().as_deref(), Some("ORU_R01"));
    assert_eq!(back.to_er7(), text);
}

#[test]
fn unknown_versions_and_events_are_refused() {
    assert_eq!(
        MessageBuilder::new("2.9", "ADT", "A01")
            .build()
            .unwrap_err(),
        BuildError::UnknownVersion("2.9".into())
    );
    assert_eq!(
        MessageBuilder::new("2.5", "ZZZ", "Z01")
            .build()
            .unwrap_err(),
        BuildError::UnknownStructure {
            version: "2.5",
            msg_type: "ZZZ".into(),
            event: "Z01".into()
        }
    );
    let bad = Delimiters {
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

/// A message built for a structure is read through that structure's typed view, of its version
/// only.
#[test]
fn built_messages_are_read_by_the_typed_view_of_their_structure() {
    let mut oru = MessageBuilder::new("2.8", "ORU", "R01")
        .control_id("X")
        .timestamp("20240101")
        .build()
        .unwrap();
    oru.set("OBX-5", "1").unwrap();
    assert_eq!(
        oru.to_er7(),
        "MSH|^~\\&|||||20240101||ORU^R01^ORU_R01|X|P|2.8\rOBX|||||1\r"
    );
    let view: hl7_model::v2_8::OruR01 = oru.typed().expect("a 2.8 ORU_R01");
    let msh = view.msh().unwrap();
    assert_eq!(msh.message_control_id().unwrap().as_str(), "X");
    // The first OBX of 2.8's ORU_R01 is the patient's observation.
    let obx = view
        .patient_result()
        .first()
        .unwrap()
        .patient()
        .unwrap()
        .patient_observation()
        .first()
        .unwrap()
        .obx()
        .unwrap();
    assert_eq!(obx.observation_value().first().unwrap().as_str(), "1");
    assert!(
        oru.typed::<hl7_model::v2_5::OruR01>().is_none(),
        "a 2.8 message is not read by 2.5's view"
    );
    assert!(oru.typed::<hl7_model::v2_8::AdtA01>().is_none());
}

/// The body written after the header: paths, values, whether as ER7 text.
const BODY_WRITES: &[(&str, &str, bool)] = &[
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
];

/// What `path` reads in `m`: the value, or the wire text for a write made as ER7 text.
fn read(m: &Message, path: &str, er7: bool) -> Option<String> {
    if er7 { m.get_er7(path) } else { m.get(path) }.unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// How a write went, in one letter: `w` written, else the refusal: `c` no room for another
/// occurrence, `r` a repetition of what does not repeat, `i` no such item, `g` a field of a
/// group, `s` ER7 text of another segment, `e` the tree refused the edit, `?` another.
fn outcome(r: &Result<(), PathError>) -> char {
    match r {
        Ok(()) => 'w',
        Err(PathError::CannotCreate { .. }) => 'c',
        Err(PathError::NotRepeating { .. }) => 'r',
        Err(PathError::NoSuchItem { .. }) => 'i',
        Err(PathError::FieldOfGroup { .. }) => 'g',
        Err(PathError::WrongSegment { .. }) => 's',
        Err(PathError::Edit { .. }) => 'e',
        Err(_) => '?',
    }
}

const BODIES_HEADER: &str = "\
# Messages built for every event of every version (MessageBuilder::build_lean), then written by
# the paths of builders::BODY_WRITES in order; one line per version and structure (the events
# of a structure write the same): version, structure, how each write went (`w` written, else
# the refusal, see builders::outcome), segments in the message, 64-bit FNV-1a digest in hex of
# the ER7 text after the MSH segment, a line feed, and the group tree (tree_lines, one per
# line).
# Checked by builders::built_headers_are_those_paths_write_and_bodies_written_by_paths_read_back;
# rewritten from the lean message by running that test with UPDATE_GOLDEN=1.
";

/// The record of message `m`, of `structure` in `version`, after the body writes went as
/// `outcomes` says.
fn body_record(version: &str, structure: &str, outcomes: &str, m: &Message) -> String {
    let text = m.to_er7();
    let body = text.split_once('\r').map_or("", |(_, body)| body);
    let digest =
        crate::golden::fnv1a64(format!("{body}\n{}", m.tree_lines().join("\n")).as_bytes());
    let segments = text.matches('\r').count();
    format!("{version}\t{structure}\t{outcomes}\t{segments}\t{digest:016x}")
}

/// The records of every event of every version, each given by `build_and_write` (a message
/// of that version, type, event and structure, built and written), one per version and
/// structure: the golden file's content, header included; and how many messages were built.
fn body_table(
    mut build_and_write: impl FnMut(&'static VersionDesc, &str, &str, &str) -> String,
) -> (String, usize) {
    let mut out = BODIES_HEADER.to_owned();
    let mut built = 0;
    for v in hl7_model::VERSIONS {
        let mut records = std::collections::BTreeMap::<&str, (String, &str)>::new();
        for (key, structure) in v.events {
            let (msg_type, event) = key.split_once('^').unwrap();
            let record = build_and_write(v, msg_type, event, structure);
            built += 1;
            match records.get(structure) {
                Some((first, by)) => assert_eq!(
                    &record, first,
                    "{} {key} and {by}, of the same structure, are written differently",
                    v.version
                ),
                None => {
                    records.insert(structure, (record, key));
                }
            }
        }
        for (record, _) in records.values() {
            out.push_str(record);
            out.push('\n');
        }
    }
    (out, built)
}

/// The header [`MessageBuilder`] writes is the MSH the standard lays out, and the one paths
/// write on an empty message of the same structure, for every event of every version. Then a
/// body written by paths reads back, value by value, also once the message is parsed again,
/// and writes the text and group tree recorded in `tests/golden/built_messages.tsv` (first
/// recorded from writes on the typed structs).
#[test]
fn built_headers_are_those_paths_write_and_bodies_written_by_paths_read_back() {
    let (mut writes, mut ok, mut same_tree) = (0, 0, 0);
    let (table, built) = body_table(|v, msg_type, event, structure| {
        let label = format!("{} {msg_type}^{event}", v.version);
        let mut msg = MessageBuilder::new(v.version, msg_type, event)
            .sending("APP", "FAC")
            .control_id("C1")
            .timestamp("20240101120000")
            .build()
            .unwrap_or_else(|e| panic!("{label}: {e}"));
        assert_eq!(
            msg.to_er7(),
            expected_header(
                &Delimiters::default(),
                ["APP", "FAC"],
                ["", ""],
                "20240101120000",
                [msg_type, event, structure],
                "C1",
                v.version
            ),
            "{label}"
        );
        let desc = v.structure(structure).unwrap();
        let mut by_paths = Message::new(v, desc, Delimiters::default());
        by_paths.set_er7("MSH", "MSH|^~\\&").unwrap();
        for (path, value) in [
            ("MSH-3", "APP"),
            ("MSH-4", "FAC"),
            ("MSH-7", "20240101120000"),
            ("MSH-9-1", msg_type),
            ("MSH-9-2", event),
            ("MSH-9-3", structure),
            ("MSH-10", "C1"),
            ("MSH-11", "P"),
            ("MSH-12", v.version),
        ] {
            if path == "MSH-9-3" && !defines_structure_component(v.version) {
                continue;
            }
            by_paths
                .set(path, value)
                .unwrap_or_else(|e| panic!("{label}: {path}: {e}"));
        }
        assert_eq!(by_paths, msg, "{label}");

        let mut outcomes = String::new();
        let mut written = Vec::new();
        for &(path, value, er7) in BODY_WRITES {
            let result = if er7 {
                msg.set_er7(path, value)
            } else {
                msg.set(path, value)
            };
            writes += 1;
            outcomes.push(outcome(&result));
            if result.is_ok() {
                ok += 1;
                assert_eq!(
                    read(&msg, path, er7).as_deref(),
                    Some(value),
                    "{label}: {path} written"
                );
                written.push((path, value, er7));
            }
        }
        // Later writes left earlier ones alone.
        for &(path, value, er7) in &written {
            assert_eq!(
                read(&msg, path, er7).as_deref(),
                Some(value),
                "{label}: {path} after the body\n{}",
                msg.to_er7()
            );
        }
        // Read again, the text is the same and the values are found by search (the parser
        // may group the segments otherwise: a segment written where its group has no room is
        // kept at the end of that group, where the parser may open another occurrence).
        let text = msg.to_er7();
        let back = reparse(&text);
        assert_eq!(back.to_er7(), text, "{label}");
        for &(path, value, er7) in written.iter().filter(|(p, ..)| !p.starts_with('/')) {
            assert_eq!(
                read(&back, path, er7).as_deref(),
                Some(value),
                "{label}: {path} parsed again\n{text}"
            );
        }
        if back.tree_lines() == msg.tree_lines() {
            same_tree += 1;
        }
        body_record(v.version, structure, &outcomes, &msg)
    });
    crate::golden::check("built_messages.tsv", &table);
    eprintln!(
        "{built} messages, {writes} writes, {ok} written, {same_tree} grouped alike when parsed again"
    );
    assert!(built > 2_000, "{built} messages built");
    assert!(ok > 15_000, "{ok} writes made");
}

/// With delimiters of its own, the builder writes the header paths write on an empty message
/// of the same structure, and values are escaped with the message's escape character.
#[test]
fn built_messages_with_custom_delimiters_are_those_paths_write() {
    let mut msg = MessageBuilder::new("2.5.1", "ORU", "R01")
        .delimiters(CUSTOM)
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
    let mut lean = Message::new(v, v.structure("ORU_R01").unwrap(), CUSTOM);
    lean.set_er7("MSH", "MSH#$*!%").unwrap();
    for (path, value) in [
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
        lean.set(path, value)
            .unwrap_or_else(|e| panic!("{path}: {e}"));
    }
    assert_eq!(lean.to_er7(), msg.to_er7());
    assert_eq!(lean, msg);
    assert!(lean.to_er7().contains("PID#####A!F!B\r"));
}

/// For every event of every version, with the standard delimiters and others: the header is
/// the MSH the standard lays out, and values written after it are escaped by the message's
/// delimiters and read back, also once the message is parsed again.
#[test]
fn build_lean_writes_the_standard_header_for_every_event_of_every_version() {
    let mut built = 0;
    for v in hl7_model::VERSIONS {
        for (key, structure) in v.events {
            let (msg_type, event) = key.split_once('^').unwrap();
            for d in [Delimiters::default(), CUSTOM] {
                let label = format!("{} {key} {}", v.version, d.encoding_characters());
                let mut msg = MessageBuilder::new(v.version, msg_type, event)
                    .sending("APP", "FAC")
                    .receiving("LAB", "")
                    .control_id("C1")
                    .timestamp("20240101")
                    .delimiters(d)
                    .build()
                    .unwrap_or_else(|e| panic!("{label}: {e}"));
                let header = expected_header(
                    &d,
                    ["APP", "FAC"],
                    ["LAB", ""],
                    "20240101",
                    [msg_type, event, structure],
                    "C1",
                    v.version,
                );
                assert_eq!(msg.to_er7(), header, "{label}");
                assert_eq!(msg.structure().id, *structure, "{label}");
                msg.set("PID-5-1", "A#B|C")
                    .unwrap_or_else(|e| panic!("{label}: {e}"));
                msg.set("EVN-2", "20240101")
                    .unwrap_or_else(|e| panic!("{label}: {e}"));
                let text = msg.to_er7();
                let f = d.field;
                // `#` is the field separator of one set, `|` of the other: each escaped where
                // it is one.
                let pid = if f == '|' {
                    "PID|||||A#B\\F\\C\r"
                } else {
                    "PID#####A!F!B|C\r"
                };
                assert!(text.starts_with(&header), "{label}: {text}");
                assert!(text.contains(pid), "{label}: {text}");
                assert!(
                    text.contains(&format!("EVN{f}{f}20240101\r")),
                    "{label}: {text}"
                );
                assert_eq!(text.matches('\r').count(), 3, "{label}: {text}");
                let back = reparse(&text);
                assert_eq!(back.lean().delimiters(), &d, "{label}");
                assert_eq!(back.to_er7(), text, "{label}");
                assert_eq!(back.get("PID-5-1").unwrap().as_deref(), Some("A#B|C"));
                assert_eq!(back.get("EVN-2").unwrap().as_deref(), Some("20240101"));
                built += 1;
            }
        }
    }
    assert!(built > 4_000, "{built} messages built");
}
