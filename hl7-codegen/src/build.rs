//! Running the generator from a build script: each version crate under hl7-model does it for
//! its folder of `schemas/` ([`run_version`]), hl7-model writes its re-exports of them
//! ([`run_reexports`]), and any crate can do it for a schema folder of its own ([`run`]: a
//! site's locally profiled version, a test fixture), the way `prost-build` is used for
//! `.proto` files.
//!
//! The code [`run`] generates names the runtime as `::hl7_model`, so the crate that includes
//! it must depend on `hl7-model`. [`run_version`] names it `::hl7_runtime`: hl7-model depends
//! on the version crates, so they depend on the runtime crate itself.
//!
//! ```no_run
//! // in the build.rs of a crate holding `schemas/v2.5/…` of its own:
//! hl7_codegen::build::run("schemas", |_module| true);
//! // in the src/lib.rs of that crate:
//! // include!(concat!(env!("OUT_DIR"), "/versions.rs"));
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::load::{Finding, SchemaFile, load_version, version_dirs};

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum BuildError {
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("the schemas have {} problem(s); run `cargo xtask check`", .0.len())]
    Schema(Vec<Finding>),
}

/// What [`generate_versions`] wrote.
#[derive(Debug, Default)]
pub struct Generated {
    /// Module names of the generated versions (`v2_5`), in version order.
    pub modules: Vec<String>,
    /// Files and folders the output depends on, for `cargo:rerun-if-changed`.
    pub inputs: Vec<PathBuf>,
}

/// The module name of a version folder: `v2.3.1` → `v2_3_1` (also the cargo feature name).
pub fn module_name(folder: &str) -> String {
    folder.replace('.', "_")
}

/// Checks and generates every version folder under `schemas` whose module name `enabled`
/// accepts: `<module>.rs` per version, and `versions.rs` declaring `pub mod <module>` for each,
/// all in `out_dir`. A schema that fails the checker generates nothing and returns every
/// finding.
pub fn generate_versions(
    schemas: &Path,
    out_dir: &Path,
    enabled: impl Fn(&str) -> bool,
) -> Result<Generated, BuildError> {
    // The schemas folder itself is watched, so a new version folder triggers a rebuild.
    let mut generated = Generated {
        inputs: vec![schemas.to_path_buf()],
        ..Generated::default()
    };
    let mut decls = String::new();
    for (dir, folder, module) in enabled_folders(schemas, enabled)? {
        generated.inputs.push(dir.clone());
        generated
            .inputs
            .extend(SchemaFile::ALL.iter().map(|f| dir.join(f.file_name())));
        generate_version(&dir, &out_dir.join(format!("{module}.rs")))?;
        let _ = writeln!(
            decls,
            "#[doc = \"HL7 {folder}, generated from `{folder}/`.\"]\npub mod {module} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{module}.rs\"));\n}}"
        );
        generated.modules.push(module);
    }
    write_declarations(out_dir, decls, &generated.modules)?;
    Ok(generated)
}

/// Writes `versions.rs`: the module declarations `decls`, then `VERSIONS` over `modules`.
fn write_declarations(
    out_dir: &Path,
    mut decls: String,
    modules: &[String],
) -> Result<(), BuildError> {
    decls.push_str(&versions_list(modules));
    let target = out_dir.join("versions.rs");
    std::fs::write(&target, decls).map_err(|source| BuildError::Io {
        path: target.clone(),
        source,
    })
}

/// The version folders under `schemas` whose module `enabled` accepts, as (folder path, folder
/// name, module name), in version order.
fn enabled_folders(
    schemas: &Path,
    enabled: impl Fn(&str) -> bool,
) -> Result<Vec<(PathBuf, String, String)>, BuildError> {
    let dirs = version_dirs(schemas).map_err(|source| BuildError::Io {
        path: schemas.to_path_buf(),
        source,
    })?;
    Ok(dirs
        .into_iter()
        .filter_map(|dir| {
            let folder = dir.file_name()?.to_string_lossy().into_owned();
            let module = module_name(&folder);
            enabled(&module).then_some((dir, folder, module))
        })
        .collect())
}

/// Checks one version folder and writes its generated module source to `target`, naming the
/// runtime as a user's crate does (`::hl7_model`).
pub fn generate_version(dir: &Path, target: &Path) -> Result<(), BuildError> {
    generate_version_for(dir, target, crate::gen_types::Runtime::MODEL)
}

/// [`generate_version`], naming the runtime as `rt` says.
pub fn generate_version_for(
    dir: &Path,
    target: &Path,
    rt: crate::gen_types::Runtime,
) -> Result<(), BuildError> {
    let (schema, sources) = load_version(dir).map_err(BuildError::Schema)?;
    let findings = crate::check::check_version(&schema, &sources);
    if !findings.is_empty() {
        return Err(BuildError::Schema(findings));
    }
    std::fs::write(
        target,
        crate::gen_descriptors::version_module_for(&schema, rt),
    )
    .map_err(|source| BuildError::Io {
        path: target.to_path_buf(),
        source,
    })
}

/// The package name of the crate holding a version's models: `v2.3.1` → `hl7-v2-3-1`.
pub fn crate_name(folder: &str) -> String {
    format!("hl7-{}", folder.replace('.', "-"))
}

/// For a crate that re-exports per-version crates (hl7-model): `versions.rs` in `out_dir`
/// with `pub use hl7_v2_5 as v2_5;` for every version folder under `schemas` that `enabled`
/// accepts, and `VERSIONS`. Nothing is parsed: each version
/// crate generates its own models.
pub fn generate_reexports(
    schemas: &Path,
    out_dir: &Path,
    enabled: impl Fn(&str) -> bool,
) -> Result<Generated, BuildError> {
    let mut generated = Generated {
        inputs: vec![schemas.to_path_buf()],
        ..Generated::default()
    };
    let mut decls = String::new();
    for (_, folder, module) in enabled_folders(schemas, enabled)? {
        let krate = crate_name(&folder).replace('-', "_");
        let _ = writeln!(decls, "#[doc(inline)]\npub use ::{krate} as {module};");
        generated.modules.push(module);
    }
    write_declarations(out_dir, decls, &generated.modules)?;
    Ok(generated)
}

/// `VERSIONS`: the generated versions' descriptors in version order.
fn versions_list(modules: &[String]) -> String {
    use quote::{format_ident, quote};
    let mods: Vec<_> = modules.iter().map(|m| format_ident!("{m}")).collect();
    let tokens = quote! {
        /// The descriptors of every version compiled in, in version order.
        pub static VERSIONS: &[&::hl7_model::descriptor::VersionDesc] = &[#(&#mods::VERSION),*];
    };
    let file = syn::parse2(tokens).expect("generated items are valid Rust");
    prettyplease::unparse(&file)
}

/// [`generate_versions`] for a build script: the output goes to `OUT_DIR`, cargo is told what
/// to watch, and a failure stops the build with every finding printed as a warning.
pub fn run(schemas: impl AsRef<Path>, enabled: impl Fn(&str) -> bool) -> Generated {
    let out = out_dir();
    finish(
        schemas.as_ref(),
        generate_versions(schemas.as_ref(), &out, enabled),
    )
}

/// [`generate_reexports`] for a build script.
pub fn run_reexports(schemas: impl AsRef<Path>, enabled: impl Fn(&str) -> bool) -> Generated {
    let out = out_dir();
    finish(
        schemas.as_ref(),
        generate_reexports(schemas.as_ref(), &out, enabled),
    )
}

/// [`generate_version`] for the build script of a per-version crate under hl7-model: writes
/// `OUT_DIR/<module>.rs` (`v2_5.rs` for `…/v2.5`), naming the runtime by its own crate name
/// (`::hl7_runtime`), which the version crate depends on.
pub fn run_version(dir: impl AsRef<Path>) {
    let dir = dir.as_ref();
    let folder = dir.file_name().unwrap_or_default().to_string_lossy();
    let target = out_dir().join(format!("{}.rs", module_name(&folder)));
    let inputs = std::iter::once(dir.to_path_buf())
        .chain(SchemaFile::ALL.iter().map(|f| dir.join(f.file_name())))
        .collect();
    let result = generate_version_for(dir, &target, crate::gen_types::Runtime::RUNTIME).map(|()| {
        Generated {
            modules: vec![module_name(&folder)],
            inputs,
        }
    });
    finish(dir, result);
}

fn out_dir() -> PathBuf {
    PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set for build scripts"))
}

fn finish(schemas: &Path, result: Result<Generated, BuildError>) -> Generated {
    match result {
        Ok(g) => {
            for input in &g.inputs {
                println!("cargo:rerun-if-changed={}", input.display());
            }
            g
        }
        Err(BuildError::Schema(findings)) => {
            for f in &findings {
                println!("cargo:warning={f}");
            }
            panic!(
                "the schemas under {} have {} problem(s); run `cargo xtask check`",
                schemas.display(),
                findings.len()
            );
        }
        Err(e) => panic!("{e}"),
    }
}
