//! Fetching the published definition packages with the registries' own clients (`pip download`,
//! `npm pack`), pinned by version and checked against a recorded SHA-256, and reading the files
//! the importer needs out of them. Nothing fetched is committed: packages are cached under
//! `target/import-cache/`.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, Result, bail};
use sha2::{Digest, Sha256};

/// A pinned package of a registry.
pub struct Package {
    pub registry: Registry,
    pub name: &'static str,
    pub version: &'static str,
    /// File name the client saves.
    pub file: &'static str,
    pub sha256: &'static str,
}

#[derive(Clone, Copy)]
pub enum Registry {
    PyPi,
    Npm,
}

pub const HL7APY: Package = Package {
    registry: Registry::PyPi,
    name: "hl7apy",
    version: "1.3.5",
    file: "hl7apy-1.3.5-py2.py3-none-any.whl",
    sha256: "c8b80ff5ad020bf9c1e68a6395cf45cb78db621f65569d1798c46eb1b657e27b",
};

pub const HL7_DICTIONARY: Package = Package {
    registry: Registry::Npm,
    name: "hl7-dictionary",
    version: "1.0.1",
    file: "hl7-dictionary-1.0.1.tgz",
    sha256: "a23751c26d83a897fe5734ca198555c13c0d306d78b5578b103f0d63198182ef",
};

/// Path of the package in `cache`, fetching it first when it is not there.
pub fn fetch(pkg: &Package, cache: &Path) -> Result<PathBuf> {
    std::fs::create_dir_all(cache)?;
    let path = cache.join(pkg.file);
    if !path.exists() {
        let spec = format!("{}@{}", pkg.name, pkg.version);
        eprintln!("fetching {spec}");
        let mut cmd = match pkg.registry {
            Registry::PyPi => {
                let mut c = Command::new("pip");
                c.args([
                    "download",
                    "--quiet",
                    "--no-deps",
                    "--only-binary",
                    ":all:",
                    "--dest",
                ])
                .arg(cache)
                .arg(format!("{}=={}", pkg.name, pkg.version));
                c
            }
            Registry::Npm => {
                let mut c = Command::new("npm");
                c.args(["pack", "--silent", "--pack-destination"])
                    .arg(cache)
                    .arg(&spec);
                c
            }
        };
        let status = cmd
            .status()
            .with_context(|| format!("running the registry client for {spec}"))?;
        if !status.success() || !path.exists() {
            bail!(
                "could not fetch {spec} (client exited with {status}); is pip/npm installed and the registry reachable?"
            );
        }
    }
    let bytes = std::fs::read(&path)?;
    let digest: String = Sha256::digest(&bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    if digest != pkg.sha256 {
        bail!(
            "{} has SHA-256 {digest}, expected {}; delete it and fetch again, or review the new release before pinning it",
            path.display(),
            pkg.sha256
        );
    }
    Ok(path)
}

/// Text files of a wheel (zip) whose path starts with `prefix`, by path.
pub fn wheel_files(path: &Path, prefix: &str) -> Result<BTreeMap<String, String>> {
    let mut zip = zip::ZipArchive::new(std::fs::File::open(path)?)?;
    let mut out = BTreeMap::new();
    for i in 0..zip.len() {
        let mut entry = zip.by_index(i)?;
        let name = entry.name()?.into_owned();
        if name.starts_with(prefix) && entry.is_file() {
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .with_context(|| format!("reading {name}"))?;
            out.insert(name, text);
        }
    }
    Ok(out)
}

/// Text files of an npm tarball whose path starts with `prefix`, by path.
pub fn tarball_files(path: &Path, prefix: &str) -> Result<BTreeMap<String, String>> {
    let gz = flate2::read::GzDecoder::new(std::fs::File::open(path)?);
    let mut archive = tar::Archive::new(gz);
    let mut out = BTreeMap::new();
    for entry in archive.entries()? {
        let mut entry = entry?;
        let name = entry.path()?.to_string_lossy().into_owned();
        if name.starts_with(prefix) && entry.header().entry_type().is_file() {
            let mut text = String::new();
            entry
                .read_to_string(&mut text)
                .with_context(|| format!("reading {name}"))?;
            out.insert(name, text);
        }
    }
    Ok(out)
}
