#[hl7_model::segment]
#[hl7(segment = "ZPI")]
pub struct Zpi {
    #[hl7(seq = 1, usage = "R")]
    pub first: hl7_model::typed::St,
}

fn main() {}
