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
                    out.push(format!("{m} = []"));
                }
                let list: Vec<String> = modules.iter().map(|m| format!("\"{m}\"")).collect();
                out.push(format!("all-versions = [{}]", list.join(", ")));
                inserted = true;
                continue;
            }
            if modules.iter().any(|m| m == key) {
                declared.push(key.to_owned());
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

/// Module names of the version folders under `schemas/`, in version order.
pub fn modules(dirs: &[std::path::PathBuf]) -> Vec<String> {
    dirs.iter()
        .map(|d| module_name(&d.file_name().unwrap_or_default().to_string_lossy()))
        .collect()
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
            MANIFEST.replace(
                "all-versions = [\"v2_1\", \"v2_5\"]",
                "v2_9 = []\nall-versions = [\"v2_1\", \"v2_5\", \"v2_9\"]"
            )
        );
        assert_eq!(
            sync(&synced, &modules),
            synced,
            "a second run changes nothing"
        );
    }

    #[test]
    fn the_manifest_in_the_tree_is_in_step() {
        let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let dirs = hl7_codegen::load::version_dirs(&root.join("schemas")).unwrap();
        let manifest = std::fs::read_to_string(root.join("crates/hl7-model/Cargo.toml")).unwrap();
        assert_eq!(sync(&manifest, &modules(&dirs)), manifest);
    }
}
