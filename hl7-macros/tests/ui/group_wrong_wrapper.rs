//! A wrapper that contradicts the item's `card` is reported at the type; the bare type fits
//! any `card` (the accessor's shape follows the `card`).

#[hl7_model::segment]
#[hl7(segment = "ZZA")]
pub struct Zza {
    #[hl7(seq = 1, datatype = "ST")]
    pub text: hl7_model::typed::St,
}

#[hl7_model::group]
#[hl7(structure = "ZZZ_Z01")]
pub struct ZzzZ01 {
    #[hl7(item = 1, segment = "ZZA", card = "1..*")]
    pub many: Option<Zza>,
    #[hl7(item = 2, segment = "ZZA", card = "0..1")]
    pub optional: Vec<Zza>,
    #[hl7(item = 3, segment = "ZZA", card = "1..1")]
    pub one: Vec<Zza>,
    #[hl7(item = 4, segment = "ZZA")]
    pub default_one: Option<Zza>,
    #[hl7(item = 5, segment = "ZZA", card = "1..1")]
    pub required: Option<Zza>,
    #[hl7(item = 6, segment = "ZZA", card = "0..1")]
    pub bare_optional: Zza,
    #[hl7(item = 7, segment = "ZZA", card = "0..*")]
    pub bare_repeating: Zza,
}

fn main() {}
