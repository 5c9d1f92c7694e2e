//! Maintainers' chores, run as `cargo xtask <command>`:
//! - `import`: rebuild `schemas/` from the published definition packages;
//! - `check`: check every schema folder and report problems with file and line;
//! - `stats`: one line of counts per version.

mod import;

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
    Stats {
        dirs: Vec<PathBuf>,
    },
}

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask sits in the workspace").to_path_buf()
}

fn dirs_or_all(dirs: Vec<PathBuf>) -> Result<Vec<PathBuf>> {
    if dirs.is_empty() {
        let all = load::version_dirs(&root().join("schemas")).context("listing schemas/")?;
        anyhow::ensure!(!all.is_empty(), "no schemas/v* folders: run `cargo xtask import`");
        Ok(all)
    } else {
        Ok(dirs)
    }
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
        Cmd::Stats { dirs } => {
            for dir in dirs_or_all(dirs)? {
                let (schema, _) = load::load_version(&dir).map_err(|f| {
                    anyhow::anyhow!(f.iter().map(ToString::to_string).collect::<Vec<_>>().join("\n"))
                })?;
                println!("{} {}", schema.version, Stats::of(&schema));
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
