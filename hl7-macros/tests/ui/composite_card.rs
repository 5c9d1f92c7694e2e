#[hl7_model::composite]
#[hl7(datatype = "ZPT")]
pub struct Pet {
    #[hl7(seq = 1, datatype = "ST", card = "0..1")]
    pub name: hl7_model::typed::St,
}

fn main() {}
