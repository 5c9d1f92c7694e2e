//! Maintainers' chores, run as `cargo xtask <command>`:
//! - `import`: rebuild `schemas/` from the published definition packages;
//! - `check`: check every schema folder and report problems with file and line;
//! - `stats`: one line of counts per version;
//! - `regenerate`: after a schema edit: canonical YAML, feature lines, generated code and its
//!   snapshots;
//! - `structure`: print the structure definition a message resolves to.

mod features;
mod import;
mod structure;

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use clap::{Parser, Subcommand};
use hl7_codegen::{check, load, stats::Stats};

#[derive(Parser)]
#[command(about = "Maintainers' chores for the HL7 toolkit")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Rebuild schemas/v*/ and the report in schemas/README.md from hl7apy, hl7-dictionary and
    /// the event maps in ../shared/data (needs pip and npm to fetch the packages).
    Import {
        /// Where fetched packages are kept between runs.
        #[arg(long)]
        cache: Option<PathBuf>,
        /// The shared folder beside the repository.
        #[arg(long)]
        shared: Option<PathBuf>,
    },
    /// Check every version folder (or the given ones) and print each finding.
    Check {
        /// Version folders to check; default: every schemas/v* folder.
        dirs: Vec<PathBuf>,
    },
    /// Print `vX datatypes=N segments=N fields=N structures=N groups=N events=N tables=N`.
    Stats { dirs: Vec<PathBuf> },
    /// After editing the YAML: rewrite every version folder in the canonical layout, give every
    /// folder its hl7-model feature, write each version's generated code to
    /// target/generated/ for reading, and refresh the snapshot tests of generated items.
    Regenerate {
        /// Leave the snapshots alone.
        #[arg(long)]
        no_snapshots: bool,
    },
    /// Print the structure definition (group tree) that a message's MSH-9 and MSH-12 resolve to.
    Structure {
        /// A file holding an ER7 message.
        file: PathBuf,
    },
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .parent()
        .expect("xtask sits in the workspace")
        .to_path_buf()
}

fn dirs_or_all(dirs: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
    if dirs.is_empty() {
        let all = load::version_dirs(&root().join("schemas")).context("listing schemas/")?;
        anyhow::ensure!(
            !all.is_empty(),
            "no schemas/v* folders: run `cargo xtask import`"
        );
        Ok(all)
    } else {
        Ok(dirs)
    }
}

fn load_or_report(dir: &Path) -> Result<(hl7_codegen::schema::VersionSchema, load::Sources)> {
    load::load_version(dir).map_err(|f| {
        anyhow::anyhow!(
            f.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })
}

fn main() -> Result<ExitCode> {
    match Cli::parse().command {
        Cmd::Import { cache, shared } => {
            let root = root();
            let opts = import::Options {
                cache: cache.unwrap_or_else(|| root.join("target/import-cache")),
                shared: shared.unwrap_or_else(|| root.join("../shared")),
                root,
            };
            import::run(&opts)?;
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Check { dirs } => {
            let mut failed = 0;
            if dirs.is_empty() {
                let schemas = root().join("schemas");
                let v3 = hl7_codegen::v3::load_and_check(&schemas.join("v3")).err();
                let charsets =
                    hl7_codegen::charsets::load_and_check(&schemas.join("charsets.yaml")).err();
                for (what, findings) in [("schemas/v3", v3), ("schemas/charsets.yaml", charsets)] {
                    let findings = findings.unwrap_or_default();
                    for f in &findings {
                        eprintln!("{f}");
                    }
                    failed += findings.len();
                    if findings.is_empty() {
                        println!("{what}: ok");
                    }
                }
            }
            for dir in dirs_or_all(dirs)? {
                let findings = match load::load_version(&dir) {
                    Ok((schema, sources)) => check::check_version(&schema, &sources),
                    Err(findings) => findings,
                };
                for f in &findings {
                    eprintln!("{f}");
                }
                failed += findings.len();
                if findings.is_empty() {
                    println!("{}: ok", dir.display());
                }
            }
            if failed > 0 {
                eprintln!("{failed} problem(s)");
                return Ok(ExitCode::FAILURE);
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Regenerate { no_snapshots } => {
            let root = root();
            let dirs = dirs_or_all(Vec::new())?;
            let generated = root.join("target/generated");
            std::fs::create_dir_all(&generated)?;
            for dir in &dirs {
                let (schema, sources) = load_or_report(dir)?;
                for (name, text) in hl7_codegen::emit_yaml::version_files(&schema) {
                    let path = dir.join(name);
                    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                        std::fs::write(&path, text)?;
                        println!("rewrote {}", path.display());
                    }
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
                let code = hl7_codegen::gen_descriptors::version_module(&schema);
                let module = hl7_codegen::build::module_name(&schema.version);
                let path = generated.join(format!("{module}.rs"));
                std::fs::write(&path, &code)?;
                println!("{}: {} lines", path.display(), code.lines().count());
            }
            for dir in &dirs {
                let folder = dir.file_name().unwrap_or_default().to_string_lossy();
                let krate = root
                    .join("crates/versions")
                    .join(hl7_codegen::build::module_name(&folder));
                for (file, text) in features::version_crate(&folder) {
                    let path = krate.join(file);
                    if std::fs::read_to_string(&path).ok().as_deref() != Some(text.as_str()) {
                        std::fs::create_dir_all(path.parent().expect("a file in a folder"))?;
                        std::fs::write(&path, text)?;
                        println!("wrote {}", path.display());
                    }
                }
            }
            let manifest_path = root.join("crates/hl7-model/Cargo.toml");
            let manifest = std::fs::read_to_string(&manifest_path)?;
            let modules = features::modules(&dirs);
            let synced =
                features::sync(&features::sync_dependencies(&manifest, &modules), &modules);
            if synced != manifest {
                std::fs::write(&manifest_path, synced)?;
                println!("rewrote {} (version features)", manifest_path.display());
            }
            let workspace_path = root.join("Cargo.toml");
            let workspace = std::fs::read_to_string(&workspace_path)?;
            let synced = features::sync_profiles(&workspace, &modules);
            if synced != workspace {
                std::fs::write(&workspace_path, synced)?;
                println!(
                    "rewrote {} (version crate profiles)",
                    workspace_path.display()
                );
            }
            if !no_snapshots {
                let status = std::process::Command::new(env!("CARGO"))
                    .args(["test", "-p", "hl7-codegen", "--test", "generated_items"])
                    .env("INSTA_UPDATE", "always")
                    .current_dir(&root)
                    .status()?;
                anyhow::ensure!(status.success(), "refreshing the snapshots failed");
                println!(
                    "snapshots refreshed: review them with `git diff crates/hl7-codegen/tests/snapshots`"
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Structure { file } => {
            print!("{}", structure::run(&root().join("schemas"), &file)?);
            Ok(ExitCode::SUCCESS)
        }
        Cmd::Stats { dirs } => {
            for dir in dirs_or_all(dirs)? {
                let (schema, _) = load_or_report(&dir)?;
                println!("{} {}", schema.version, Stats::of(&schema));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
