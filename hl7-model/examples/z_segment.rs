//! A site's own Z-segment and composite, declared with the same derives the generated models
//! use, parsed from a line and written back.
//!
//! Run: `cargo run -p hl7-model --example z_segment`

use hl7_model::delimiters::Delimiters;
use hl7_model::element::{SegmentType, Tail};
use hl7_model::value::{Id, Si, St};

/// The pet a patient brings (a made-up site extension).
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

fn main() {
    let d = Delimiters::default();
    let line = "ZPI|1|Rex^DOG~Tom^CAT|\"\"|vendor extra";
    let zpi = Zpi::parse(line, &d).expect("a ZPI segment");
    println!(
        "pets: {:?}",
        zpi.pets.iter().map(|p| p.name.as_str()).collect::<Vec<_>>()
    );
    println!(
        "remark is null: {}",
        zpi.remark.value() == &hl7_model::value::Value::Null
    );
    println!("kept beyond the definition: {:?}", zpi.tail.extra());
    assert_eq!(zpi.to_er7(&d), line);
    println!("round trip: {}", zpi.to_er7(&d));
}
