//! A custom message structure holding a segment once, at most once, repeating, and a group;
//! each item may be declared bare or in the wrapper its `card` implies.

use hl7_model::delimiters::Delimiters;
use hl7_model::descriptor::{Card, ItemDesc};
use hl7_model::tree::Lean;
use hl7_model::typed::{Group, Items, Segment, St, TypedGroup, TypedStructure};

#[hl7_model::segment]
#[hl7(segment = "ZZA")]
pub struct Zza {
    #[hl7(seq = 1, datatype = "ST")]
    pub text: St,
}

#[hl7_model::segment]
#[hl7(segment = "ZZB")]
pub struct Zzb {
    #[hl7(seq = 1, datatype = "ST")]
    pub text: St,
}

#[hl7_model::group]
#[hl7(group = "DETAIL", choice)]
pub struct Detail {
    #[hl7(item = 1, segment = "ZZB")]
    pub zzb: Zzb,
}

#[hl7_model::group]
#[hl7(structure = "ZZZ_Z01", name = "Custom structure")]
pub struct ZzzZ01 {
    #[hl7(item = 1, segment = "ZZA")]
    pub first: Zza,
    #[hl7(item = 2, segment = "ZZA", card = "0..1")]
    pub second: Option<Zza>,
    #[hl7(item = 3, segment = "ZZA", card = "0..*")]
    pub rest: Vec<Zza>,
    #[hl7(item = 4, group, card = "1..*")]
    pub details: Detail,
}

fn main() {
    let s = <ZzzZ01<'static> as TypedStructure<'static>>::STRUCTURE;
    assert_eq!(
        (s.id, s.name, s.items.len()),
        ("ZZZ_Z01", "Custom structure", 4)
    );
    let g = <ZzzZ01<'static> as TypedGroup<'static>>::DESC;
    assert_eq!((g.name, g.choice), ("ZZZ_Z01", false));
    assert!(std::ptr::eq(s.body, g));
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

    let lines = ["ZZA|1", "ZZA|2", "ZZA|3", "ZZA|4", "ZZB|x", "ZZB|y"];
    let lean = Lean::from_lines(s.body, &lines, Delimiters::default());
    let m = ZzzZ01::of(&lean).expect("read as ZZZ_Z01");
    let first: Option<Zza> = m.first();
    let second: Option<Zza> = m.second();
    let rest: Items<Segment<Zza>> = m.rest();
    let details: Items<Group<Detail>> = m.details();
    assert_eq!(first.map(|z| z.as_str()), Some("ZZA|1"));
    assert_eq!(second.map(|z| z.as_str()), Some("ZZA|2"));
    assert_eq!(
        rest.iter().map(|z| z.as_str()).collect::<Vec<_>>(),
        ["ZZA|3", "ZZA|4"]
    );
    let texts: Vec<_> = details
        .iter()
        .map(|d| d.zzb().and_then(|z| z.text()).map(|t| t.as_str()))
        .collect();
    assert_eq!(texts, [Some("x"), Some("y")]);
}
