use hl7_model::element::Tail;
use hl7_model::value::St;

#[derive(Default, hl7_model::Segment)]
#[hl7(segment = "ZPI", title = "Patient pets")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST", lenght = 40)]
    pub first: St,
    #[hl7(seq = 2, item = 2, datatype = "ST")]
    pub second: St,
    #[hl7(tail)]
    pub tail: Tail,
}

fn main() {}
