use hl7_model::element::Tail;
use hl7_model::value::St;

#[derive(Default, hl7_model::Segment)]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, usage = "R")]
    pub first: St,
    #[hl7(tail)]
    pub tail: Tail,
}

fn main() {}
