#[hl7_model::segment]
#[hl7(segment = "ZZA")]
pub struct Zza {
    #[hl7(seq = 1, datatype = "ST")]
    pub text: hl7_model::typed::St,
}

#[hl7_model::group]
#[hl7(structure = "ZZZ_Z01")]
pub struct ZzzZ01 {
    #[hl7(item = 1, segment = "ZZA")]
    pub first: Zza,
    #[hl7(item = 1, segment = "ZZA", card = "0..1")]
    pub second: Option<Zza>,
    #[hl7(segment = "ZZA", card = "0..*")]
    pub rest: Vec<Zza>,
}

fn main() {}
