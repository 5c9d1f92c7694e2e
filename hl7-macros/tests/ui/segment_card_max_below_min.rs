#[hl7_model::segment]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST", card = "3..2")]
    pub first: Vec<hl7_model::typed::St>,
}

fn main() {}
