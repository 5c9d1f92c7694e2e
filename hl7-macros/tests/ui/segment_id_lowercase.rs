#[hl7_model::segment]
#[hl7(segment = "zp1")]
pub struct Zp1 {
    #[hl7(seq = 1, datatype = "ST")]
    pub first: hl7_model::typed::St,
}

fn main() {}
