use hl7_model::element::Tail;
use hl7_model::value::St;

#[derive(Default, hl7_model::Segment)]
#[hl7(segment = "ZPIX")]
pub struct Zpix {
    #[hl7(seq = 1, datatype = "ST")]
    pub first: St,
    #[hl7(tail)]
    pub tail: Tail,
}

fn main() {}
