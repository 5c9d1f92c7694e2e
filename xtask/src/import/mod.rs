//! `cargo xtask import`: rebuilds `schemas/v*/` from the published definitions (hl7apy from
//! PyPI, hl7-dictionary from npm, NHapi's event maps vendored in `xtask/data/eventmaps/`) and
//! rewrites the generated report section of `schemas/README.md`.

mod dictionary;
mod fetch;
mod hl7apy;
mod merge;
mod pylit;
mod report;

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};
use hl7_codegen::emit_yaml;

/// Every version the importer writes, oldest first.
pub const VERSIONS: &[&str] = &[
    "v2.1", "v2.2", "v2.3", "v2.3.1", "v2.4", "v2.5", "v2.5.1", "v2.6", "v2.7", "v2.7.1", "v2.8",
    "v2.8.1", "v2.8.2",
];

pub struct Options {
    pub root: PathBuf,
    pub cache: PathBuf,
}

pub fn run(opts: &Options) -> Result<()> {
    let wheel = fetch::fetch(&fetch::HL7APY, &opts.cache)?;
    let tarball = fetch::fetch(&fetch::HL7_DICTIONARY, &opts.cache)?;
    let apy_files = fetch::wheel_files(&wheel, "hl7apy/v2_")?;
    let dict_files = fetch::tarball_files(&tarball, "package/lib/")?;
    let dict_tables = dictionary::tables(&dict_files)?;
    let mut log = merge::Log::default();
    let mut stats = Vec::new();
    let mut names: Option<dictionary::Version> = None;

    for &version in VERSIONS {
        let bare = version.trim_start_matches('v');
        // hl7apy has no 2.7.1: its 2.7 is the nearest definition.
        let apy_version = if version == "v2.7.1" { "v2.7" } else { version };
        let apy = hl7apy::read(&apy_files, &hl7apy::module_dir(apy_version))
            .with_context(|| format!("reading hl7apy {apy_version}"))?;
        let dict = if dictionary::has_version(&dict_files, bare) {
            Some(
                dictionary::read(&dict_files, bare)
                    .with_context(|| format!("reading hl7-dictionary {bare}"))?,
            )
        } else {
            None
        };
        if dictionary::has_version(&dict_files, bare) {
            names = Some(dictionary::read(&dict_files, bare)?);
        }
        let (eventmap_file, eventmap) = eventmap(&opts.root, bare)?;
        let sources = merge::Sources {
            version,
            apy: &apy,
            apy_version,
            dict: dict.as_ref(),
            names: names.as_ref(),
            dict_tables: &dict_tables,
            eventmap: eventmap.as_deref().map(|t| (t, eventmap_file.as_str())),
        };
        let schema = merge::merge(&sources, &mut log);
        let dir = opts.root.join("schemas").join(version);
        std::fs::create_dir_all(&dir)?;
        for (name, text) in emit_yaml::version_files(&schema) {
            std::fs::write(dir.join(name), text)?;
        }
        stats.push((
            version,
            hl7_codegen::stats::Stats::of(&schema),
            report::SourceCounts::of(&apy, dict.as_ref()),
        ));
        eprintln!("wrote schemas/{version}");
    }
    report::write(&opts.root.join("schemas/README.md"), &log, &stats)?;
    Ok(())
}

/// The NHapi event map for `version` (`2.5`), as (file name, text); `None` text when the file
/// defines no mapping (2.1 and 2.2 name a structure per trigger event). 2.8.2 has no file of its
/// own and uses 2.8.1's, keeping the entries whose structure 2.8.2 defines.
fn eventmap(root: &Path, version: &str) -> Result<(String, Option<String>)> {
    let file = if version == "2.8.2" {
        "2.8.1.properties".to_owned()
    } else {
        format!("{version}.properties")
    };
    let path = root.join("xtask/data/eventmaps").join(&file);
    let text =
        std::fs::read_to_string(&path).with_context(|| format!("reading {}", path.display()))?;
    let has_entries = text.lines().any(|l| {
        let l = l.trim();
        !l.is_empty() && !l.starts_with('#')
    });
    Ok((file, has_entries.then_some(text)))
}
