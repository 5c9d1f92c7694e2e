#[hl7_model::segment]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST")]
    pub first: hl7_model::typed::St,
    #[hl7(datatype = "ST")]
    pub second: hl7_model::typed::St,
}

fn main() {}
