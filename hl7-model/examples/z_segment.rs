//! A site's own composite, Z-segment and message structure, declared with the attribute macros
//! the generated views use: a message read as that structure, its Z fields read through the
//! views, edited by path and written back.
//!
//! Run: `cargo run -p hl7-model --example z_segment`

use hl7_model::message::{Message, ParseOptions};
use hl7_model::typed::{Id, Si, St};
use hl7_model::v2_5::segments::{Evn, Msh, Pid, Pv1};

/// The pet a patient brings (a made-up site extension).
#[hl7_model::composite]
#[hl7(datatype = "ZPT", name = "Pet")]
pub struct Pet {
    #[hl7(seq = 1, datatype = "ST", usage = "R", len = 40)]
    pub name: St,
    #[hl7(seq = 2, datatype = "ID", table = "9001")]
    pub species: Id,
}

/// The site's Z-segment: the patient's pets.
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

/// The site's ADT^A01: v2.5's segments, with ZPI after the PID.
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

fn main() {
    let text = "MSH|^~\\&|REG|HOSP|||20240101||ADT^A01|7|P|2.5\rEVN|A01\rPID|1||42^^^H||Doe^Jane\rZPI|1|Rex^DOG~Tom^CAT|\"\"|vendor extra\rPV1|1|I\r";
    let mut message = Message::parse_as::<AdtA01Pets>(text, &ParseOptions::default())
        .expect("an ADT^A01 message");
    {
        let adt: AdtA01Pets = message.typed().expect("read as the site's structure");
        let zpi = adt.zpi().first().expect("a ZPI segment");
        let pets: Vec<_> = zpi
            .pets()
            .iter()
            .map(|p| {
                let name = p.name().map_or("", |n| n.as_str());
                let species = p.species().map_or("", |s| s.as_str());
                format!("{name} ({species})")
            })
            .collect();
        println!("pets: {pets:?}");
        println!(
            "remark is null: {}",
            zpi.remark().is_some_and(|r| r.is_null())
        );
        let beyond = message.get("ZPI-4").expect("a valid path");
        println!("kept beyond the definition: {beyond:?}");
        assert_eq!(pets, ["Rex (DOG)", "Tom (CAT)"]);
        assert_eq!(beyond.as_deref(), Some("vendor extra"));
    }
    assert_eq!(
        message.to_er7(),
        text,
        "read and written back byte for byte"
    );

    // Edits by path: plain text is escaped as needed, ER7 text is written as it is.
    message
        .set("ZPI-3", "likes walks | treats")
        .expect("a path write");
    message.set("ZPI-2(1)-1", "Felix").expect("a path write");
    message
        .set_er7("ZPI-2(2)", "Nemo^FISH")
        .expect("a path write");
    let adt: AdtA01Pets = message.typed().expect("still the site's structure");
    let zpi = adt.zpi().first().expect("a ZPI segment");
    let remark = zpi.remark().and_then(|r| r.text()).unwrap_or_default();
    println!("remark now: {remark}");
    assert_eq!(remark, "likes walks | treats");
    assert_eq!(zpi.pets().len(), 3);
    println!("written back: {}", zpi.as_str());
    assert_eq!(
        zpi.as_str(),
        "ZPI|1|Rex^DOG~Felix^CAT~Nemo^FISH|likes walks \\F\\ treats|vendor extra"
    );
    assert!(
        message
            .to_er7()
            .ends_with(&format!("{}\rPV1|1|I\r", zpi.as_str()))
    );
}
