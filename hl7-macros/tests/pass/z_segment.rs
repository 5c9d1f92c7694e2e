//! A site's own composite and Z-segment as views: the descriptors come from the attributes,
//! the accessors read a segment's text, shaped by each field's `card`.

use hl7_model::delimiters::Delimiters;
use hl7_model::descriptor::{Card, Usage};
use hl7_model::typed::{Id, Reps, Si, St, TypedComposite, TypedSegment};
use hl7_model::view::SegmentView;

#[hl7_model::composite]
#[hl7(datatype = "ZPT", name = "Pet")]
pub struct Pet {
    #[hl7(seq = 1, datatype = "ST", usage = "R", len = 40)]
    pub name: St,
    #[hl7(seq = 2, datatype = "ID", table = "9001")]
    pub species: Id,
}

/// A repeating field may be declared as `Vec<…>` or as the bare type; a tail field is
/// accepted and dropped (a view keeps nothing beside the text).
#[hl7_model::segment]
#[hl7(segment = "ZP1", name = "Patient pets")]
pub struct Zp1 {
    #[hl7(seq = 1, datatype = "SI", card = "0..1")]
    pub set_id: Si,
    #[hl7(seq = 2, datatype = "ZPT", usage = "R", card = "1..*")]
    pub pets: Vec<Pet>,
    #[hl7(seq = 3, datatype = "ST", usage = "RE", card = "0..3", len = 200)]
    pub remarks: St,
    #[hl7(tail)]
    pub tail: (),
}

fn main() {
    let pet = <Pet<'static> as TypedComposite<'static>>::DESC;
    assert_eq!((pet.id, pet.name, pet.components.len()), ("ZPT", "Pet", 2));
    assert_eq!(
        pet.components[0].card,
        Card {
            min: 1,
            max: Some(1)
        }
    );
    assert_eq!(pet.components[1].table, Some("9001"));

    let desc = <Zp1<'static> as TypedSegment<'static>>::DESC;
    assert_eq!(
        (desc.id, desc.name, desc.fields.len()),
        ("ZP1", "Patient pets", 3)
    );
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
    let z = Zp1::wrap(SegmentView::new(line, &d));
    let set_id: Option<Si> = z.set_id();
    let pets: Reps<Pet> = z.pets();
    let remarks: Reps<St> = z.remarks();
    assert_eq!(set_id.map(|s| s.as_str()), Some("1"));
    assert_eq!(pets.len(), 2);
    let tom = pets.get(1).unwrap();
    assert_eq!(tom.name().map(|n| n.as_str()), Some("Tom"));
    assert_eq!(tom.species().map(|s| s.as_str()), Some("CAT"));
    assert_eq!(
        remarks.iter().map(|r| r.as_str()).collect::<Vec<_>>(),
        ["a", "b"]
    );
    assert_eq!(z.as_str(), line);
}
