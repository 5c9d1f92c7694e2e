#[hl7_model::segment(segment = "ZPI")]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST")]
    pub first: hl7_model::typed::St,
}

#[hl7_model::composite(ZPT)]
#[hl7(datatype = "ZPT")]
pub struct Pet {
    #[hl7(seq = 1, datatype = "ST")]
    pub name: hl7_model::typed::St,
}

fn main() {}
