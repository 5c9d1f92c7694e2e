//! A tail of the wrong type is reported at that type.

use hl7_model::element::Tail;
use hl7_model::group::GroupTail;
use hl7_model::value::St;

#[derive(Default, hl7_model::Segment)]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST")]
    pub text: St,
    #[hl7(tail)]
    pub tail: GroupTail,
}

#[derive(Default, hl7_model::Group)]
#[hl7(group = "DETAIL")]
pub struct Detail {
    #[hl7(item = 1, segment = "ZPI")]
    pub zpi: Zpi,
    #[hl7(tail)]
    pub tail: Tail,
}

fn main() {}
