#[hl7_model::composite]
#[hl7(datatype = "ZPT")]
pub struct Pet(hl7_model::typed::St);

fn main() {}
