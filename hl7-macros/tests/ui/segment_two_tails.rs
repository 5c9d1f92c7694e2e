//! A view keeps nothing beside the message's text, so a `#[hl7(tail)]` field is accepted and
//! dropped; the declaration's rules still hold: one tail, and no other key on it.

#[hl7_model::segment]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST")]
    pub remark: hl7_model::typed::St,
    #[hl7(tail)]
    pub tail: (),
    #[hl7(tail)]
    pub more: (),
}

fn main() {}
