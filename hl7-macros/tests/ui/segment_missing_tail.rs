use hl7_model::value::St;

#[derive(hl7_model::Segment)]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, datatype = "ST")]
    pub remark: St,
}

fn main() {}
