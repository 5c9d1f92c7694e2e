//! Generates the models of schemas/v2.1/ (or `$HL7_SCHEMAS_DIR/v2.1`) into `OUT_DIR`.

fn main() {
    println!("cargo:rerun-if-env-changed=HL7_SCHEMAS_DIR");
    let schemas = std::env::var_os("HL7_SCHEMAS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas"));
    hl7_codegen::build::run_version(schemas.join("v2.1"));
}
