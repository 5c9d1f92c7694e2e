#[hl7_model::segment]
#[hl7(name = "Patient pets")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST")]
    pub first: hl7_model::typed::St,
}

fn main() {}
