//! A user's own composite, Z-segment and message structure, declared with the public attribute
//! macros: a message read as that structure gives the Z fields through the views, writes back
//! byte for byte whatever the definition covers, and is edited by path.

use hl7_model::descriptor::{Card, ItemDesc, Usage};
use hl7_model::message::{Message, ParseOptions};
use hl7_model::typed::{Id, Si, St, TypedComposite, TypedSegment, TypedStructure};
use hl7_model::v2_5::segments::{Evn, Msh, Pid, Pv1};

#[hl7_model::composite]
#[hl7(datatype = "ZPT", name = "Pet")]
pub struct Pet {
    #[hl7(seq = 1, datatype = "ST", usage = "R", len = 40)]
    pub name: St,
    #[hl7(seq = 2, datatype = "ID", table = "9001")]
    pub species: Id,
}

#[hl7_model::segment]
#[hl7(segment = "ZPI", name = "Patient pets")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "SI", card = "0..1")]
    pub set_id: Si,
    #[hl7(seq = 2, datatype = "ZPT", usage = "R", card = "1..*")]
    pub pets: Vec<Pet>,
    #[hl7(seq = 3, datatype = "ST", card = "0..1", len = 200)]
    pub remark: St,
}

/// A site's ADT^A01 profile with its Z-segment in place: declared with the same `group`
/// attribute as the generated structures, read with the same grammar matcher.
#[hl7_model::group]
#[hl7(structure = "ADT_A01", name = "Admit with pets")]
pub struct AdtA01Pets {
    #[hl7(item = 1, segment = "MSH")]
    pub msh: Msh,
    #[hl7(item = 2, segment = "EVN")]
    pub evn: Evn,
    #[hl7(item = 3, segment = "PID")]
    pub pid: Pid,
    #[hl7(item = 4, segment = "ZPI", card = "0..*")]
    pub zpi: Vec<Zpi>,
    #[hl7(item = 5, segment = "PV1", card = "0..1")]
    pub pv1: Option<Pv1>,
}

const MSH: &str = "MSH|^~\\&|REG|HOSP|||20240101||ADT^A01|7|P|2.5";

/// A message of the site's structure around the segment lines `zpi`.
fn message_with(zpi: &[&str]) -> String {
    let mut text = format!("{MSH}\rEVN|A01\rPID|1||42^^^H||Doe^Jane\r");
    for line in zpi {
        text.push_str(line);
        text.push('\r');
    }
    text.push_str("PV1|1|I\r");
    text
}

/// Reads `text` as the site's structure, checking that it writes back byte for byte.
fn read(text: &str) -> Message {
    let m = Message::parse_as::<AdtA01Pets>(text, &ParseOptions::default())
        .unwrap_or_else(|e| panic!("{text:?}: {e}"));
    assert_eq!(m.to_er7(), text, "round trip");
    m
}

/// The text of each ZPI the site's view finds.
fn zpi_lines(m: &Message) -> Vec<&str> {
    let adt: AdtA01Pets = m.typed().expect("read as the site's structure");
    adt.zpi().iter().map(|z| z.as_str()).collect()
}

#[test]
fn typed_access_after_parse() {
    let m = read(&message_with(&["ZPI|1|Rex^DOG~Tom^CAT|\"\""]));
    let adt: AdtA01Pets = m.typed().unwrap();
    let z = adt.zpi().first().unwrap();
    let set_id = z.set_id().unwrap();
    assert_eq!(set_id.as_str(), "1");
    assert_eq!(set_id.value(), Some(Ok(1)));
    assert_eq!(z.pets().len(), 2);
    let tom = z.pets().get(1).unwrap();
    assert_eq!(
        (
            tom.name().map(|n| n.as_str()),
            tom.species().map(|s| s.as_str())
        ),
        (Some("Tom"), Some("CAT"))
    );
    let remark = z.remark().unwrap();
    assert!(remark.is_null());
    assert_eq!(remark.text(), None);
    // The generated views of the standard's segments sit beside the site's own.
    let pid = adt.pid().unwrap();
    let name = pid.patient_name().first().unwrap();
    assert_eq!(name.given_name().map(|g| g.as_str()), Some("Jane"));
    assert_eq!(adt.pv1().unwrap().patient_class().unwrap().as_str(), "I");
}

#[test]
fn nothing_sent_is_lost() {
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
        let m = read(&message_with(&[line]));
        assert_eq!(zpi_lines(&m), [line]);
    }
    // What the definition does not cover is read as text, by the view and by path.
    let m = read(&message_with(&["ZPI|1~2|Rex^DOG^extra|x|beyond"]));
    let adt: AdtA01Pets = m.typed().unwrap();
    let z = adt.zpi().first().unwrap();
    assert_eq!(z.set_id().unwrap().as_str(), "1");
    assert_eq!(m.get("ZPI-1(1)").unwrap().as_deref(), Some("2"));
    assert_eq!(m.get("ZPI-4").unwrap().as_deref(), Some("beyond"));
    let rex = z.pets().first().unwrap();
    assert_eq!(rex.as_str(), "Rex^DOG^extra");
    assert_eq!(m.get("ZPI-2-3").unwrap().as_deref(), Some("extra"));

    // Empty repetitions between others are kept, a null repetition is null, escapes decode.
    let m = read(&message_with(&[
        "ZPI|1|~~Tom|",
        "ZPI|2|\"\"|\\F\\escaped\\T\\",
    ]));
    let adt: AdtA01Pets = m.typed().unwrap();
    let (a, b) = (adt.zpi().get(0).unwrap(), adt.zpi().get(1).unwrap());
    let names: Vec<_> = a
        .pets()
        .iter()
        .map(|p| p.name().map(|n| n.as_str()))
        .collect();
    assert_eq!(names, [None, None, Some("Tom")]);
    assert!(a.remark().is_none());
    assert_eq!(b.pets().len(), 1);
    assert!(b.pets().first().unwrap().is_null());
    assert_eq!(
        b.remark().unwrap().text().as_deref(),
        Some("|escaped&"),
        "escapes decoded with the message's delimiters"
    );
}

#[test]
fn delimiters_come_from_the_message() {
    let text = "MSH$%#!($REG$HOSP$$$20240101$$ADT%A01$7$P$2.5\rEVN$A01\rPID$1$$42%%%H$$Doe%Jane\rZPI$1$Rex%DOG#Tom%CAT$note !F! more\rPV1$1$I\r";
    let m = read(text);
    let adt: AdtA01Pets = m.typed().unwrap();
    let z = adt.zpi().first().unwrap();
    assert_eq!(z.pets().len(), 2);
    assert_eq!(
        z.pets().get(1).unwrap().species().map(|s| s.as_str()),
        Some("CAT")
    );
    assert_eq!(z.remark().unwrap().text().as_deref(), Some("note $ more"));
    assert_eq!(
        adt.msh().unwrap().field_separator().map(|f| f.as_str()),
        Some("$")
    );
}

#[test]
fn edits_are_encoded() {
    let mut m = read(&message_with(&["ZPI|1|Rex"]));
    m.set("ZPI-3", "likes walks").unwrap();
    m.set("ZPI-2(1)-1", "Tom").unwrap();
    assert_eq!(zpi_lines(&m), ["ZPI|1|Rex~Tom|likes walks"]);
    m.set("ZPI-3", "a|b").unwrap();
    assert_eq!(zpi_lines(&m), ["ZPI|1|Rex~Tom|a\\F\\b"]);
    let adt: AdtA01Pets = m.typed().unwrap();
    let z = adt.zpi().first().unwrap();
    assert_eq!(z.remark().unwrap().text().as_deref(), Some("a|b"));
    assert_eq!(
        z.pets().get(1).unwrap().name().map(|n| n.as_str()),
        Some("Tom")
    );
    assert_eq!(m.to_er7(), message_with(&["ZPI|1|Rex~Tom|a\\F\\b"]));
}

#[test]
fn descriptor_comes_from_the_attributes() {
    let desc = <Zpi<'static> as TypedSegment<'static>>::DESC;
    assert_eq!(
        (desc.id, desc.name, desc.fields.len()),
        ("ZPI", "Patient pets", 3)
    );
    let pets = &desc.fields[1];
    assert_eq!((pets.seq, pets.datatype, pets.usage), (2, "ZPT", Usage::R));
    assert_eq!(pets.card, Card { min: 1, max: None });
    assert_eq!(desc.fields[2].len, Some(200));

    let pet = <Pet<'static> as TypedComposite<'static>>::DESC;
    assert_eq!((pet.id, pet.name, pet.components.len()), ("ZPT", "Pet", 2));
    assert_eq!(
        pet.components[0].card,
        Card {
            min: 1,
            max: Some(1)
        }
    );
    assert_eq!(pet.components[0].len, Some(40));
    assert_eq!(pet.components[1].table, Some("9001"));

    let s = <AdtA01Pets<'static> as TypedStructure<'static>>::STRUCTURE;
    assert_eq!(
        (s.id, s.name, s.items.len()),
        ("ADT_A01", "Admit with pets", 5)
    );
    assert_eq!(
        s.items[3],
        ItemDesc::Segment {
            id: "ZPI",
            card: Card { min: 0, max: None }
        }
    );
}

#[test]
fn wrong_segment_is_an_error_not_a_panic() {
    let opts = ParseOptions::default();
    assert!(Message::parse_as::<AdtA01Pets>("", &opts).is_err());
    assert!(Message::parse_as::<AdtA01Pets>("ZPI|1|Rex", &opts).is_err());
    // A segment other than ZPI where a ZPI could stand is not read as one: it is kept where it
    // came, outside the grammar.
    let text = message_with(&["PID|2||43"]);
    let m = read(&text);
    let adt: AdtA01Pets = m.typed().unwrap();
    assert!(adt.zpi().is_empty());
    let kept: Vec<_> = adt.unexpected_segments().map(|s| s.as_str()).collect();
    assert_eq!(kept, ["PID|2||43"]);
    assert_eq!(adt.pid().unwrap().as_str(), "PID|1||42^^^H||Doe^Jane");
}

#[test]
fn a_custom_structure_with_a_z_segment_parses_and_round_trips() {
    let text = "MSH|^~\\&|REG|HOSP|||20240101||ADT^A01|7|P|2.5\rEVN|A01\rPID|1||42^^^H||Doe^Jane\rZPI|1|Rex^DOG\rZPI|2|Tom^CAT\rPV1|1|I\rZZZ|kept\r";
    let m = read(text);
    assert_eq!(
        (m.structure().id, m.structure().name),
        ("ADT_A01", "Admit with pets")
    );
    assert!(m.structure_fallback().is_none());
    assert_eq!(m.version().version, "2.5");
    // Read as the site's structure, not as v2.5's ADT_A01.
    assert!(m.typed::<hl7_model::v2_5::AdtA01>().is_none());
    let adt: AdtA01Pets = m.typed().unwrap();
    assert_eq!(adt.zpi().len(), 2);
    let tom = adt.zpi().get(1).unwrap().pets().first().unwrap();
    assert_eq!(tom.name().map(|n| n.as_str()), Some("Tom"));
    assert_eq!(adt.pv1().unwrap().patient_class().unwrap().as_str(), "I");
    // The segment no one declared is kept where it came, and reported.
    let kept: Vec<_> = adt.unexpected_segments().map(|s| s.as_str()).collect();
    assert_eq!(kept, ["ZZZ|kept"]);
    assert_eq!(
        m.tree_lines(),
        [
            "ADT_A01", "  MSH", "  EVN", "  PID", "  ZPI", "  ZPI", "  PV1", "  ZZZ"
        ]
    );
}

#[test]
fn the_same_message_through_the_generated_structure_keeps_the_z_segments() {
    let text = "MSH|^~\\&|REG|HOSP|||20240101||ADT^A01|7|P|2.5\rEVN|A01\rPID|1||42^^^H||Doe^Jane\rZPI|1|Rex^DOG\rPV1|1|I\r";
    let m = Message::parse(text, &ParseOptions::default()).unwrap();
    assert_eq!(m.structure().id, "ADT_A01");
    assert_eq!(m.to_er7(), text);
    assert_eq!(
        m.tree_lines(),
        ["ADT_A01", "  MSH", "  EVN", "  PID", "  ZPI", "  PV1"]
    );
    // v2.5's structure keeps the ZPI outside its grammar; the site's view still reads it.
    let adt: hl7_model::v2_5::AdtA01 = m.typed().unwrap();
    let kept: Vec<_> = adt.unexpected_segments().collect();
    assert_eq!(kept.len(), 1);
    let zpi = Zpi::wrap(kept[0]);
    assert_eq!(
        zpi.pets().first().unwrap().species().map(|s| s.as_str()),
        Some("DOG")
    );
    assert_eq!(adt.pv1().unwrap().patient_class().unwrap().as_str(), "I");
}
