//! Keeps hl7-model's cargo features in step with the version folders of `schemas/`: one
//! feature per folder (`v2.3.1` → `v2_3_1`) and `all-versions` listing every one, so that
//! adding a version is adding its folder and running `cargo xtask regenerate`.

use hl7_codegen::build::module_name;

/// The manifest text with a feature line for every module in `modules` (in version order) and
/// `all-versions` listing them all. Lines of other features are kept as they are.
pub fn sync(manifest: &str, modules: &[String]) -> String {
    let mut out = Vec::new();
    let mut in_features = false;
    let mut declared = Vec::new();
    let mut inserted = false;
    for line in manifest.lines() {
        if line.starts_with('[') {
            in_features = line.trim() == "[features]";
        }
        if in_features {
            let key = line.split('=').next().unwrap_or("").trim();
            if key == "all-versions" {
                for m in modules.iter().filter(|m| !declared.contains(*m)) {
                    out.push(feature_line(m));
                }
                let list: Vec<String> = modules.iter().map(|m| format!("\"{m}\"")).collect();
                out.push(format!("all-versions = [{}]", list.join(", ")));
                inserted = true;
                continue;
            }
            if modules.iter().any(|m| m == key) {
                declared.push(key.to_owned());
                out.push(feature_line(key));
                continue;
            }
        }
        out.push(line.to_owned());
    }
    assert!(
        inserted,
        "hl7-model's Cargo.toml has no `all-versions` feature to update"
    );
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// `v2_5 = ["dep:hl7-v2-5"]`: the feature compiles the version's crate.
fn feature_line(module: &str) -> String {
    format!("{module} = [\"dep:{}\"]", crate_of(module))
}

/// `manifest` with the lines after `marker` that `generated` recognises replaced by `lines`:
/// the block a regeneration owns, everything else kept as it is.
fn replace_after_marker(
    manifest: &str,
    marker: &str,
    generated: impl Fn(&str) -> bool,
    lines: &[String],
) -> String {
    let mut out = Vec::new();
    let mut skipping = false;
    for line in manifest.lines() {
        if skipping {
            if generated(line) {
                continue;
            }
            skipping = false;
        }
        out.push(line.to_owned());
        if line.trim() == marker {
            skipping = true;
            out.extend(lines.iter().cloned());
        }
    }
    let mut text = out.join("\n");
    text.push('\n');
    text
}

/// The crate name of the version module `m` (`v2_5` → `hl7-v2-5`).
fn crate_of(m: &str) -> String {
    hl7_codegen::build::crate_name(&m.replace('_', "."))
}

/// The manifest text with an optional dependency on every version crate, after the line
/// `# Version crates` of `[dependencies]`, replacing the ones there.
pub fn sync_dependencies(manifest: &str, modules: &[String]) -> String {
    let lines: Vec<String> = modules
        .iter()
        .map(|m| {
            format!(
                "{} = {{ path = \"../versions/{m}\", optional = true }}",
                crate_of(m)
            )
        })
        .collect();
    replace_after_marker(
        manifest,
        "# Version crates, one per schema folder (cargo xtask regenerate).",
        |l| l.starts_with("hl7-v2-"),
        &lines,
    )
}

/// The line of the workspace manifest after which [`sync_profiles`] writes the version crates'
/// profile overrides.
pub const PROFILES_MARKER: &str =
    "# Version crates: built without debug info (cargo xtask regenerate).";

/// The workspace manifest text with, after [`PROFILES_MARKER`], a dev-profile override per
/// version crate turning debug info off, replacing the ones there. Generated code is data and
/// glue nobody steps through; its debug info made every test binary slow to link and a CI
/// target directory about 12 GB.
pub fn sync_profiles(manifest: &str, modules: &[String]) -> String {
    let lines: Vec<String> = modules
        .iter()
        .flat_map(|m| {
            [
                format!("[profile.dev.package.{}]", crate_of(m)),
                "debug = false".to_owned(),
            ]
        })
        .collect();
    replace_after_marker(
        manifest,
        PROFILES_MARKER,
        |l| l.starts_with("[profile.dev.package.hl7-v2-") || l == "debug = false",
        &lines,
    )
}

/// Module names of the version folders under `schemas/`, in version order.
pub fn modules(dirs: &[std::path::PathBuf]) -> Vec<String> {
    dirs.iter()
        .map(|d| module_name(&d.file_name().unwrap_or_default().to_string_lossy()))
        .collect()
}

/// The files of the crate holding one version's generated models, `versions/<module>/`:
/// (path relative to that folder, content).
pub fn version_crate(folder: &str) -> Vec<(&'static str, String)> {
    let module = hl7_codegen::build::module_name(folder);
    let package = hl7_codegen::build::crate_name(folder);
    let version = folder.trim_start_matches('v');
    let manifest = format!(
        r#"# Written by `cargo xtask regenerate` for schemas/{folder}/; do not edit.
[package]
name = "{package}"
description = "HL7 v{version} typed models generated from schemas/{folder}/; use them as hl7_model::{module} (feature `{module}`)."
version.workspace = true
edition.workspace = true
rust-version.workspace = true
license.workspace = true
publish.workspace = true

[dependencies]
# The generated code names the runtime by its crate name, `::hl7_runtime`.
hl7-runtime = {{ path = "../../hl7-runtime" }}

[build-dependencies]
hl7-codegen.workspace = true
"#
    );
    let build = format!(
        r#"//! Generates the models of schemas/{folder}/ (or `$HL7_SCHEMAS_DIR/{folder}`) into `OUT_DIR`.

fn main() {{
    println!("cargo:rerun-if-env-changed=HL7_SCHEMAS_DIR");
    let schemas = std::env::var_os("HL7_SCHEMAS_DIR")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../schemas"));
    hl7_codegen::build::run_version(schemas.join("{folder}"));
}}
"#
    );
    let lib = format!(
        r#"//! HL7 v{version}: a typed view per composite datatype, segment, group and message structure,
//! and the static descriptors (`VERSION`), generated from `schemas/{folder}/`. Use it through
//! hl7-model: `hl7_model::{module}` with the feature `{module}`.

#![forbid(unsafe_code)]

include!(concat!(env!("OUT_DIR"), "/{module}.rs"));
"#
    );
    vec![
        ("Cargo.toml", manifest),
        ("build.rs", build),
        ("src/lib.rs", lib),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    const MANIFEST: &str = "[package]\nname = \"hl7-model\"\n\n[features]\ndefault = [\"v2_5\"]\n# One feature per folder.\nv2_1 = []\nv2_5 = []\nall-versions = [\"v2_1\", \"v2_5\"]\n\n[dependencies]\nx = \"1\"\n";

    #[test]
    fn a_new_folder_gets_its_feature_line() {
        let modules = ["v2_1", "v2_5", "v2_9"].map(String::from);
        let synced = sync(MANIFEST, &modules);
        assert_eq!(
            synced,
            MANIFEST
                .replace("v2_1 = []", "v2_1 = [\"dep:hl7-v2-1\"]")
                .replace("v2_5 = []", "v2_5 = [\"dep:hl7-v2-5\"]")
                .replace(
                    "all-versions = [\"v2_1\", \"v2_5\"]",
                    "v2_9 = [\"dep:hl7-v2-9\"]\nall-versions = [\"v2_1\", \"v2_5\", \"v2_9\"]"
                )
        );
        assert_eq!(
            sync(&synced, &modules),
            synced,
            "a second run changes nothing"
        );
    }

    #[test]
    fn the_workspace_profiles_are_in_step() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dirs = hl7_codegen::load::version_dirs(&root.join("schemas")).unwrap();
        let manifest = std::fs::read_to_string(root.join("Cargo.toml")).unwrap();
        assert!(manifest.contains(PROFILES_MARKER));
        assert_eq!(sync_profiles(&manifest, &modules(&dirs)), manifest);
        let one = sync_profiles(&format!("{PROFILES_MARKER}\n"), &["v2_5".to_owned()]);
        assert_eq!(
            one,
            format!("{PROFILES_MARKER}\n[profile.dev.package.hl7-v2-5]\ndebug = false\n")
        );
    }

    #[test]
    fn the_manifest_in_the_tree_is_in_step() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dirs = hl7_codegen::load::version_dirs(&root.join("schemas")).unwrap();
        let manifest = std::fs::read_to_string(root.join("hl7-model/Cargo.toml")).unwrap();
        assert_eq!(sync(&manifest, &modules(&dirs)), manifest);
    }
}
