#[hl7_model::segment]
#[hl7(segment = "ZPI")]
pub enum Zpi {
    One,
    Two,
}

#[hl7_model::group]
#[hl7(group = "DETAIL")]
pub enum Detail {
    One,
}

fn main() {}
