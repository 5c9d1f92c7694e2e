//! A wrapper that contradicts the field's `card` is reported at the type; the bare type fits
//! any `card` (the accessor's shape follows the `card`).

#[hl7_model::segment]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST")]
    pub first: Vec<hl7_model::typed::St>,
    #[hl7(seq = 2, datatype = "ST", card = "0..1")]
    pub second: Vec<hl7_model::typed::St>,
    #[hl7(seq = 3, datatype = "ST", card = "0..*")]
    pub third: Option<hl7_model::typed::St>,
}

fn main() {}
