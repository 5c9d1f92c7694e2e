//! Generates the typed models and descriptor tables of every version whose feature is enabled,
//! from the YAML in `schemas/` (or `HL7_SCHEMAS_DIR`), into `OUT_DIR`, plus `versions.rs`
//! declaring their modules. A schema that fails the checker fails the build with the checker's
//! findings.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=HL7_SCHEMAS_DIR");
    let schemas = std::env::var_os("HL7_SCHEMAS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../schemas"));
    // A version is generated when its feature (`v2_3_1` for `schemas/v2.3.1/`) is enabled.
    hl7_codegen::build::run(&schemas, |module| {
        std::env::var_os(format!("CARGO_FEATURE_{}", module.to_ascii_uppercase())).is_some()
    });
}
