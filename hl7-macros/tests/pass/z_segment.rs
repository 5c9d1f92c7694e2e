//! A site's own composite and Z-segment.

use hl7_model::delimiters::Delimiters;
use hl7_model::descriptor::{Card, Usage};
use hl7_model::element::{CompositeType, SegmentType, Tail};
use hl7_model::value::{Id, Si, St};

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
#[hl7(segment = "ZP1", name = "Patient pets")]
pub struct Zp1 {
    #[hl7(seq = 1, datatype = "SI", card = "0..1")]
    pub set_id: Si,
    #[hl7(seq = 2, datatype = "ZPT", usage = "R", card = "1..*")]
    pub pets: Vec<Pet>,
    #[hl7(seq = 3, datatype = "ST", usage = "RE", card = "0..3", len = 200)]
    pub remarks: Vec<St>,
    #[hl7(tail)]
    pub tail: Tail,
}

fn main() {
    let pet = <Pet as CompositeType>::DESC;
    assert_eq!((pet.id, pet.name, pet.components.len()), ("ZPT", "Pet", 2));
    assert_eq!(
        pet.components[0].card,
        Card {
            min: 1,
            max: Some(1)
        }
    );

    let desc = <Zp1 as SegmentType>::DESC;
    assert_eq!((desc.id, desc.fields.len()), ("ZP1", 3));
    assert_eq!(desc.fields[1].usage, Usage::R);
    assert_eq!(
        desc.fields[2].card,
        Card {
            min: 0,
            max: Some(3)
        }
    );

    let d = Delimiters::default();
    let line = "ZP1|1|Rex^DOG~Tom^CAT|a~b|extra";
    let z = Zp1::parse(line, &d).unwrap();
    assert_eq!(z.pets.len(), 2);
    assert_eq!(z.to_er7(&d), line);
}
