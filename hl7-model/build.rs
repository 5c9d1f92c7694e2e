//! Declares the enabled versions: `pub use hl7_v2_5 as v2_5;` for every folder of `schemas/`
//! (or `HL7_SCHEMAS_DIR`) whose feature is enabled, and `VERSIONS`, their descriptors in
//! version order, into `OUT_DIR/versions.rs`. Each version's crate generates its own models.

use std::path::PathBuf;

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=HL7_SCHEMAS_DIR");
    let schemas = std::env::var_os("HL7_SCHEMAS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../schemas"));
    // A version is compiled in when its feature (`v2_3_1` for `schemas/v2.3.1/`) is enabled.
    let generated = hl7_codegen::build::run_reexports(&schemas, |module| {
        std::env::var_os(format!("CARGO_FEATURE_{}", module.to_ascii_uppercase())).is_some()
    });
    println!("cargo::rustc-check-cfg=cfg(any_version)");
    if !generated.modules.is_empty() {
        println!("cargo::rustc-cfg=any_version");
    }
}
