//! A user's own composite and Z-segment, declared with the public derives, parse and encode
//! back byte for byte, keeping everything the definition does not cover.

use hl7_model::delimiters::Delimiters;
use hl7_model::descriptor::{Card, Usage};
use hl7_model::element::{SegmentType, Tail};
use hl7_model::value::{Id, Si, St, Value};

#[derive(Debug, Clone, Default, PartialEq, hl7_model::Composite)]
#[hl7(datatype = "ZPT", name = "Pet")]
pub struct Pet {
    #[hl7(seq = 1, datatype = "ST", usage = "R", len = 40)]
    pub name: St,
    #[hl7(seq = 2, datatype = "ID", table = "9001")]
    pub species: Id,
    #[hl7(tail)]
    pub tail: Tail,
}

#[derive(Debug, Clone, Default, PartialEq, hl7_model::Segment)]
#[hl7(segment = "ZPI", name = "Patient pets")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "SI", card = "0..1")]
    pub set_id: Si,
    #[hl7(seq = 2, datatype = "ZPT", usage = "R", card = "1..*")]
    pub pets: Vec<Pet>,
    #[hl7(seq = 3, datatype = "ST", card = "0..1", len = 200)]
    pub remark: St,
    #[hl7(tail)]
    pub tail: Tail,
}

fn round_trip(line: &str, d: &Delimiters) -> Zpi {
    let z = Zpi::parse(line, d).unwrap_or_else(|e| panic!("{line}: {e}"));
    assert_eq!(z.to_er7(d), line, "round trip of {line:?}");
    z
}

#[test]
fn typed_access_after_parse() {
    let z = round_trip("ZPI|1|Rex^DOG~Tom^CAT|\"\"", &Delimiters::default());
    assert_eq!(z.set_id.as_str(), Some("1"));
    assert_eq!(z.pets.len(), 2);
    assert_eq!(
        (z.pets[1].name.as_str(), z.pets[1].species.as_str()),
        (Some("Tom"), Some("CAT"))
    );
    assert_eq!(z.remark.value(), &Value::Null);
}

#[test]
fn nothing_sent_is_lost() {
    let d = Delimiters::default();
    for line in [
        "ZPI",
        "ZPI|",
        "ZPI|||",
        "ZPI|1||||",
        "ZPI|1|Rex^^|x",
        "ZPI|1|Rex^DOG^extra^more|x|beyond|the|end",
        "ZPI|1~2|Rex||",
        "ZPI|1|Rex&sub^DOG",
        "ZPI|1|~~Tom|",
        "ZPI|1|\"\"|\\F\\escaped\\T\\",
    ] {
        round_trip(line, &d);
    }
    let z = round_trip("ZPI|1~2|Rex^DOG^extra|x|beyond", &d);
    assert_eq!(z.tail.extra(), [Box::from("beyond")]);
    assert_eq!(z.tail.extra_repetitions(), [(1, Box::from("2"))]);
    assert_eq!(z.pets[0].tail.extra(), [Box::from("extra")]);
}

#[test]
fn delimiters_come_from_the_caller() {
    let d = Delimiters {
        field: '$',
        component: '%',
        repetition: '#',
        escape: '!',
        subcomponent: '(',
        truncation: None,
    };
    let z = round_trip("ZPI$1$Rex%DOG#Tom%CAT$note", &d);
    assert_eq!(z.pets[1].species.as_str(), Some("CAT"));
}

#[test]
fn edits_are_encoded() {
    let d = Delimiters::default();
    let mut z = Zpi::parse("ZPI|1|Rex", &d).unwrap();
    z.remark = St::from("likes walks");
    z.pets.push(Pet {
        name: St::from("Tom"),
        ..Default::default()
    });
    assert_eq!(z.to_er7(&d), "ZPI|1|Rex~Tom|likes walks");
}

#[test]
fn descriptor_comes_from_the_attributes() {
    let desc = <Zpi as SegmentType>::DESC;
    assert_eq!(
        (desc.id, desc.name, desc.fields.len()),
        ("ZPI", "Patient pets", 3)
    );
    let pets = &desc.fields[1];
    assert_eq!((pets.seq, pets.datatype, pets.usage), (2, "ZPT", Usage::R));
    assert_eq!(pets.card, Card { min: 1, max: None });
    assert_eq!(desc.fields[2].len, Some(200));
}

#[test]
fn wrong_segment_is_an_error_not_a_panic() {
    assert!(Zpi::parse("PID|1", &Delimiters::default()).is_err());
    assert!(Zpi::parse("", &Delimiters::default()).is_err());
}

/// A site's ADT^A01 profile with its Z-segment in place: declared with the same `Group`
/// derive as the generated structures, parsed with the same grammar matcher.
#[derive(Debug, Clone, Default, PartialEq, hl7_model::Group)]
#[hl7(structure = "ADT_A01", name = "Admit with pets")]
pub struct AdtA01Pets {
    #[hl7(item = 1, segment = "MSH")]
    pub msh: hl7_model::v2_5::segments::Msh,
    #[hl7(item = 2, segment = "EVN")]
    pub evn: hl7_model::v2_5::segments::Evn,
    #[hl7(item = 3, segment = "PID")]
    pub pid: hl7_model::v2_5::segments::Pid,
    #[hl7(item = 4, segment = "ZPI", card = "0..*")]
    pub zpi: Vec<Zpi>,
    #[hl7(item = 5, segment = "PV1", card = "0..1")]
    pub pv1: Option<hl7_model::v2_5::segments::Pv1>,
    #[hl7(tail)]
    pub tail: hl7_model::group::GroupTail,
}

#[test]
fn a_custom_structure_with_a_z_segment_parses_and_round_trips() {
    let text = "MSH|^~\\&|REG|HOSP|||20240101||ADT^A01|7|P|2.5\rEVN|A01\rPID|1||42^^^H||Doe^Jane\rZPI|1|Rex^DOG\rZPI|2|Tom^CAT\rPV1|1|I\rZZZ|kept\r";
    let (adt, d, assignment) = hl7_model::message::parse_as::<AdtA01Pets>(text).unwrap();
    assert_eq!(adt.zpi.len(), 2);
    assert_eq!(adt.zpi[1].pets[0].name.as_str(), Some("Tom"));
    assert_eq!(adt.pv1.as_ref().unwrap().patient_class.as_str(), Some("I"));
    // The segment no one declared is kept where it came, and reported.
    let unexpected: Vec<_> = assignment
        .unexpected()
        .map(|(n, p)| (n, p.id.as_str()))
        .collect();
    assert_eq!(unexpected, [(7, "ZZZ")]);
    let mut out = String::new();
    hl7_model::group::encode_group(&adt, &mut out, &d);
    assert_eq!(out, text);
}

#[test]
fn the_same_message_through_the_generated_structure_keeps_the_z_segments() {
    let text = "MSH|^~\\&|REG|HOSP|||20240101||ADT^A01|7|P|2.5\rEVN|A01\rPID|1||42^^^H||Doe^Jane\rZPI|1|Rex^DOG\rPV1|1|I\r";
    let parsed = hl7_model::message::parse(text).unwrap();
    assert_eq!(parsed.message.structure().id, "ADT_A01");
    assert_eq!(parsed.to_er7(), text);
    let tree = hl7_model::grammar::tree(parsed.message.as_group());
    assert_eq!(
        tree,
        ["ADT_A01", "  MSH", "  EVN", "  PID", "  ZPI", "  PV1"]
    );
}
