#[hl7_model::segment]
#[hl7(segment = "ZPIX")]
pub struct Zpix {
    #[hl7(seq = 1, datatype = "ST")]
    pub first: hl7_model::typed::St,
}

fn main() {}
