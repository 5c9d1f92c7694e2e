use hl7_model::element::Tail;
use hl7_model::value::St;

#[derive(hl7_model::Composite)]
#[hl7(datatype = "ZPT")]
pub struct Pet(St, Tail);

fn main() {}
