//! Maintainers' chores, run as `cargo xtask <command>`:
//! - `import`: rebuild `schemas/` from the published definition packages;
//! - `check`: check every schema folder and report problems with file and line;
//! - `stats`: one line of counts per version;
//! - `regenerate`: after a schema edit: canonical YAML, feature lines, generated code and its
//!   snapshots (`--check`: fail, writing nothing, when any of them is stale);
//! - `structure`: print the structure definition a message resolves to.

#![forbid(unsafe_code)]

mod features;
mod import;
mod regenerate;
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
    /// the event maps in xtask/data/eventmaps (needs pip and npm to fetch the packages).
    Import {
        /// Where fetched packages are kept between runs.
        #[arg(long)]
        cache: Option<PathBuf>,
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
        /// Write nothing: list every tracked file a regeneration would change, and fail if
        /// there is one.
        #[arg(long)]
        check: bool,
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
        Cmd::Import { cache } => {
            let root = root();
            let opts = import::Options {
                cache: cache.unwrap_or_else(|| root.join("target/import-cache")),
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
        Cmd::Regenerate {
            no_snapshots,
            check,
        } => {
            let current =
                regenerate::run(&root(), &dirs_or_all(Vec::new())?, check, !no_snapshots)?;
            Ok(if current {
                ExitCode::SUCCESS
            } else {
                ExitCode::FAILURE
            })
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
