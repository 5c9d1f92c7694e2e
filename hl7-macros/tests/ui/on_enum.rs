#[derive(hl7_model::Segment)]
#[hl7(segment = "ZPI")]
pub enum Zpi {
    One,
    Two,
}

#[derive(hl7_model::Group)]
#[hl7(group = "DETAIL")]
pub enum Detail {
    One,
}

fn main() {}
