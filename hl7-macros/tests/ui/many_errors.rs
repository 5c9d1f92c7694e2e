//! Every mistake of a declaration is reported in one compile.

use hl7_model::value::St;

#[derive(hl7_model::Segment)]
#[hl7(segment = "zpi", title = "Patient pets")]
pub struct Zpi {
    #[hl7(seq = 1, usage = "M", datatype = "ST")]
    pub first: St,
    #[hl7(seq = 3, datatype = "ST", card = "0..*")]
    pub second: St,
    #[hl7(seq = 3, card = "2..1")]
    pub third: Vec<St>,
    #[hl7(seq = 4, datatype = "ST", colour = "red")]
    pub fourth: Vec<St>,
}

fn main() {}
