#[hl7_model::segment]
#[hl7(segment = "ZPI", title = "Patient pets")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST", lenght = 40)]
    pub first: hl7_model::typed::St,
    #[hl7(seq = 2, item = 2, datatype = "ST")]
    pub second: hl7_model::typed::St,
}

fn main() {}
