//! Generates the descriptor tables of every version whose feature is enabled, from the YAML in
//! `schemas/` (or `HL7_SCHEMAS_DIR`), into `OUT_DIR`, plus `versions.rs` declaring their modules.
//! A schema that fails the checker fails the build with the checker's findings.

use std::fmt::Write;
use std::path::{Path, PathBuf};

fn main() {
    let manifest = PathBuf::from(std::env::var("CARGO_MANIFEST_DIR").unwrap());
    println!("cargo:rerun-if-env-changed=HL7_SCHEMAS_DIR");
    let schemas = std::env::var_os("HL7_SCHEMAS_DIR")
        .map(PathBuf::from)
        .unwrap_or_else(|| manifest.join("../../schemas"));
    let out = PathBuf::from(std::env::var("OUT_DIR").unwrap());
    println!("cargo:rerun-if-changed={}", schemas.display());

    let dirs = hl7_codegen::load::version_dirs(&schemas)
        .unwrap_or_else(|e| panic!("listing {}: {e}", schemas.display()));
    let mut modules = String::new();
    for dir in dirs {
        let folder = dir.file_name().unwrap().to_string_lossy().into_owned();
        let module = folder.replace('.', "_");
        let feature = format!("CARGO_FEATURE_{}", module.to_ascii_uppercase());
        println!("cargo:rerun-if-changed={}", dir.display());
        if std::env::var_os(&feature).is_none() {
            continue;
        }
        generate(&dir, &out.join(format!("{module}.rs")));
        let _ = writeln!(
            modules,
            "#[doc = \"HL7 {folder}, generated from `schemas/{folder}/`.\"]\npub mod {module} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{module}.rs\"));\n}}"
        );
    }
    std::fs::write(out.join("versions.rs"), modules).unwrap();
}

fn generate(dir: &Path, target: &Path) {
    for file in hl7_codegen::load::SchemaFile::ALL {
        println!(
            "cargo:rerun-if-changed={}",
            dir.join(file.file_name()).display()
        );
    }
    let (schema, sources) = hl7_codegen::load::load_version(dir).unwrap_or_else(|f| fail(&f));
    let findings = hl7_codegen::check::check_version(&schema, &sources);
    if !findings.is_empty() {
        fail(&findings);
    }
    std::fs::write(
        target,
        hl7_codegen::gen_descriptors::version_module(&schema),
    )
    .unwrap();
}

fn fail(findings: &[hl7_codegen::load::Finding]) -> ! {
    for f in findings {
        println!("cargo:warning={f}");
    }
    panic!(
        "the schemas have {} problem(s); run `cargo xtask check`",
        findings.len()
    );
}
