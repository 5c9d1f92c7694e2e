//! Every mistake of a declaration is reported in one compile.

#[hl7_model::segment]
#[hl7(segment = "zpi", title = "Patient pets")]
pub struct Zpi {
    #[hl7(seq = 1, usage = "M", datatype = "ST")]
    pub first: hl7_model::typed::St,
    #[hl7(seq = 3, datatype = "ST", card = "0..*")]
    pub second: Option<hl7_model::typed::St>,
    #[hl7(seq = 3, card = "2..1")]
    pub third: Vec<hl7_model::typed::St>,
    #[hl7(seq = 4, datatype = "ST", colour = "red")]
    pub fourth: Vec<hl7_model::typed::St>,
}

fn main() {}
