//! `cargo xtask regenerate`: after a schema edit, bring every file derived from `schemas/` in
//! step: the canonical YAML layout, the version crates, hl7-model's feature and dependency
//! lines, the workspace's profile overrides, the runtime's character set table
//! (`hl7-runtime/src/charset/table.rs`, from `schemas/charsets.yaml`), the snapshots of
//! generated items, and (for reading only) `target/generated/<module>.rs`.
//!
//! `--check` writes nothing: it lists every tracked file a regeneration would change and fails
//! if there is one, so CI catches a schema edit committed without its derived files (the
//! `codegen --check` of rust-analyzer).

use std::path::{Path, PathBuf};

use anyhow::Result;
use hl7_codegen::check;

use crate::features;

/// Where derived text goes: written, or (in check mode) compared and reported.
struct Outputs {
    check: bool,
    stale: Vec<PathBuf>,
}

impl Outputs {
    /// Puts `text` at `path` unless it is there already. `what` says why, for the log.
    fn put(&mut self, path: &Path, text: &str, what: &str) -> Result<()> {
        if std::fs::read_to_string(path).ok().as_deref() == Some(text) {
            return Ok(());
        }
        if self.check {
            println!("stale: {} ({what})", path.display());
            self.stale.push(path.to_path_buf());
        } else {
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent)?;
            }
            std::fs::write(path, text)?;
            println!("wrote {} ({what})", path.display());
        }
        Ok(())
    }
}

/// Runs the regeneration from the workspace `root`; in `check` mode returns whether every
/// derived file is current.
pub fn run(root: &Path, dirs: &[PathBuf], check: bool, snapshots: bool) -> Result<bool> {
    let mut out = Outputs {
        check,
        stale: Vec::new(),
    };
    let generated = root.join("target/generated");
    for dir in dirs {
        let (schema, sources) = crate::load_or_report(dir)?;
        for (name, text) in hl7_codegen::emit_yaml::version_files(&schema) {
            out.put(&dir.join(name), &text, "canonical YAML")?;
        }
        let findings = check::check_version(&schema, &sources);
        anyhow::ensure!(
            findings.is_empty(),
            "{}",
            findings
                .iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        );
        if !check {
            // Untracked, for reading the generated code without expanding the build script.
            let code = hl7_codegen::gen_descriptors::version_module(&schema);
            let module = hl7_codegen::build::module_name(&schema.version);
            let path = generated.join(format!("{module}.rs"));
            std::fs::create_dir_all(&generated)?;
            std::fs::write(&path, &code)?;
            println!("{}: {} lines", path.display(), code.lines().count());
        }
    }
    for dir in dirs {
        let folder = dir.file_name().unwrap_or_default().to_string_lossy();
        let krate = root
            .join("versions")
            .join(hl7_codegen::build::module_name(&folder));
        for (file, text) in features::version_crate(&folder) {
            out.put(&krate.join(file), &text, "version crate")?;
        }
    }
    // The runtime's character set table, from the one table 0211 file.
    let charsets = hl7_codegen::charsets::load_and_check(&root.join("schemas/charsets.yaml"))
        .map_err(|f| {
            anyhow::anyhow!(
                f.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        })?;
    out.put(
        &root.join("hl7-runtime/src/charset/table.rs"),
        &hl7_codegen::charsets::runtime_table(&charsets),
        "charset table",
    )?;
    let modules = features::modules(dirs);
    let manifest_path = root.join("hl7-model/Cargo.toml");
    let manifest = std::fs::read_to_string(&manifest_path)?;
    let synced = features::sync(&features::sync_dependencies(&manifest, &modules), &modules);
    out.put(&manifest_path, &synced, "version features")?;
    let workspace_path = root.join("Cargo.toml");
    let workspace = std::fs::read_to_string(&workspace_path)?;
    let synced = features::sync_profiles(&workspace, &modules);
    out.put(&workspace_path, &synced, "version crate profiles")?;

    if snapshots {
        // In check mode insta compares and fails on a difference; otherwise it accepts.
        let update = if check { "no" } else { "always" };
        let status = std::process::Command::new(env!("CARGO"))
            .args([
                "test",
                "--quiet",
                "-p",
                "hl7-codegen",
                "--test",
                "generated_items",
                "--test",
                "v3_generated",
            ])
            .env("INSTA_UPDATE", update)
            .env("INSTA_FORCE_PASS", "0")
            .current_dir(root)
            .status()?;
        if check {
            if !status.success() {
                println!("stale: hl7-codegen/tests/snapshots (snapshots of generated items)");
                out.stale.push(root.join("hl7-codegen/tests/snapshots"));
            }
        } else {
            anyhow::ensure!(status.success(), "refreshing the snapshots failed");
            println!(
                "snapshots refreshed: review them with `git diff hl7-codegen/tests/snapshots`"
            );
        }
    }
    if check && !out.stale.is_empty() {
        eprintln!(
            "{} derived file(s) out of step with schemas/: run `cargo xtask regenerate` and commit",
            out.stale.len()
        );
    }
    Ok(out.stale.is_empty())
}
