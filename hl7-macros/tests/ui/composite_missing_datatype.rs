#[hl7_model::composite]
#[hl7(name = "Pet")]
pub struct Pet {
    #[hl7(seq = 1, datatype = "ST")]
    pub name: hl7_model::typed::St,
}

fn main() {}
