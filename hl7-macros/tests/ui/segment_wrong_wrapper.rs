use hl7_model::element::Tail;
use hl7_model::value::St;

#[derive(Default, hl7_model::Segment)]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST")]
    pub first: Vec<St>,
    #[hl7(seq = 2, datatype = "ST", card = "0..1")]
    pub second: Vec<St>,
    #[hl7(tail)]
    pub tail: Tail,
}

fn main() {}
