//! A custom message structure holding a segment as `T`, `Option<T>` and `Vec<T>`, and a group.

use hl7_model::descriptor::{Card, ItemDesc};
use hl7_model::element::Tail;
use hl7_model::group::{GroupTail, GroupType, StructureType};
use hl7_model::value::St;

#[derive(Debug, Clone, Default, PartialEq, hl7_model::Segment)]
#[hl7(segment = "ZZA")]
pub struct Zza {
    #[hl7(seq = 1, datatype = "ST")]
    pub text: St,
    #[hl7(tail)]
    pub tail: Tail,
}

#[derive(Debug, Clone, Default, PartialEq, hl7_model::Group)]
#[hl7(group = "DETAIL", choice)]
pub struct Detail {
    #[hl7(item = 1, segment = "ZZA")]
    pub zza: Zza,
    #[hl7(tail)]
    pub tail: GroupTail,
}

#[derive(Debug, Clone, Default, PartialEq, hl7_model::Group)]
#[hl7(structure = "ZZZ_Z01", name = "Custom structure")]
pub struct ZzzZ01 {
    #[hl7(item = 1, segment = "ZZA")]
    pub first: Zza,
    #[hl7(item = 2, segment = "ZZA", card = "0..1")]
    pub second: Option<Zza>,
    #[hl7(item = 3, segment = "ZZA", card = "0..*")]
    pub rest: Vec<Zza>,
    #[hl7(item = 4, group, card = "1..*")]
    pub details: Vec<Detail>,
    #[hl7(tail)]
    pub tail: GroupTail,
}

fn main() {
    let s = <ZzzZ01 as StructureType>::STRUCTURE;
    assert_eq!(
        (s.id, s.name, s.items.len()),
        ("ZZZ_Z01", "Custom structure", 4)
    );
    let g = <ZzzZ01 as GroupType>::DESC;
    assert_eq!((g.name, g.choice), ("ZZZ_Z01", false));
    assert_eq!(
        g.items[1],
        ItemDesc::Segment {
            id: "ZZA",
            card: Card {
                min: 0,
                max: Some(1)
            }
        }
    );
    assert!(matches!(
        g.items[3],
        ItemDesc::Group { group, card: Card { min: 1, max: None } } if group.name == "DETAIL" && group.choice
    ));
}
