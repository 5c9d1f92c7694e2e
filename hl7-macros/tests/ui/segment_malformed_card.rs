#[hl7_model::segment]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST", card = "0-1")]
    pub first: hl7_model::typed::St,
    #[hl7(seq = 2, datatype = "ST", card = "1..many")]
    pub second: Vec<hl7_model::typed::St>,
}

fn main() {}
