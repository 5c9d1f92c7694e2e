use hl7_model::element::Tail;
use hl7_model::value::St;

#[derive(Default, hl7_model::Composite)]
#[hl7(name = "Pet")]
pub struct Pet {
    #[hl7(seq = 1, datatype = "ST")]
    pub name: St,
    #[hl7(tail)]
    pub tail: Tail,
}

fn main() {}
