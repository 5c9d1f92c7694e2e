//! Generates every version folder of the checker's valid fixture (`v2.99`): a new version is a
//! new folder, with nothing else to write.

fn main() {
    hl7_codegen::build::run("../../hl7-codegen/tests/fixtures/valid", |_| true);
}
