use hl7_model::element::Tail;
use hl7_model::group::GroupTail;
use hl7_model::value::St;

#[derive(Default, hl7_model::Segment)]
#[hl7(segment = "ZZA")]
pub struct Zza {
    #[hl7(seq = 1, datatype = "ST")]
    pub text: St,
    #[hl7(tail)]
    pub tail: Tail,
}

#[derive(Default, hl7_model::Group)]
#[hl7(name = "Custom structure")]
pub struct ZzzZ01 {
    #[hl7(item = 1, segment = "ZZA")]
    pub first: Zza,
    #[hl7(tail)]
    pub tail: GroupTail,
}

fn main() {}
