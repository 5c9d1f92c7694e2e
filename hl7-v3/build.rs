//! Generates the v3 data types and the NullFlavor code system from schemas/v3/ (or
//! `$HL7_SCHEMAS_DIR/v3`) into `OUT_DIR`.

use std::path::PathBuf;

fn main() {
    println!("cargo:rerun-if-env-changed=HL7_SCHEMAS_DIR");
    let schemas = std::env::var_os("HL7_SCHEMAS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../schemas"));
    let dir = schemas.join("v3");
    println!("cargo:rerun-if-changed={}", dir.display());
    let schema = hl7_codegen::v3::load_and_check(&dir).unwrap_or_else(|findings| {
        for f in &findings {
            println!("cargo:warning={f}");
        }
        panic!(
            "{}: {} problem(s); run `cargo xtask check`",
            dir.display(),
            findings.len()
        )
    });
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("cargo sets OUT_DIR"));
    for (file, text) in [
        (
            "null_flavor.rs",
            hl7_codegen::v3_gen::null_flavor_module(&schema.null_flavors),
        ),
        (
            "datatypes.rs",
            hl7_codegen::v3_gen::datatypes_module(&schema),
        ),
        (
            "code_systems.rs",
            hl7_codegen::v3_gen::code_systems_module(&schema.code_systems),
        ),
        (
            "code_tables.rs",
            hl7_codegen::v3_gen::code_tables_module(&schema.code_tables),
        ),
    ] {
        std::fs::write(out.join(file), text).expect("OUT_DIR is writable");
    }
}
