//! Running the generator from a build script: hl7-model does it for `schemas/`, and any crate
//! can do it for a schema folder of its own (a site's locally profiled version, a test
//! fixture), the way `prost-build` is used for `.proto` files.
//!
//! The generated code names the runtime as `::hl7_model`, so the crate that includes it must
//! depend on `hl7-model`.
//!
//! ```no_run
//! // build.rs of a crate holding `schemas/v2.5/…` of its own
//! fn main() {
//!     hl7_codegen::build::run("schemas", |_module| true);
//! }
//! // src/lib.rs of that crate:
//! // include!(concat!(env!("OUT_DIR"), "/versions.rs"));
//! ```

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use crate::load::{Finding, SchemaFile, load_version, version_dirs};

/// Why generation failed.
#[derive(Debug, thiserror::Error)]
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
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| BuildError::Io { path, source }
    };
    let mut generated = Generated {
        inputs: vec![schemas.to_path_buf()],
        ..Generated::default()
    };
    let mut decls = String::new();
    for dir in version_dirs(schemas).map_err(io(schemas))? {
        let folder = dir
            .file_name()
            .unwrap_or_default()
            .to_string_lossy()
            .into_owned();
        let module = module_name(&folder);
        generated.inputs.push(dir.clone());
        if !enabled(&module) {
            continue;
        }
        generated
            .inputs
            .extend(SchemaFile::ALL.iter().map(|f| dir.join(f.file_name())));
        let (schema, sources) = load_version(&dir).map_err(BuildError::Schema)?;
        let findings = crate::check::check_version(&schema, &sources);
        if !findings.is_empty() {
            return Err(BuildError::Schema(findings));
        }
        let target = out_dir.join(format!("{module}.rs"));
        std::fs::write(&target, crate::gen_descriptors::version_module(&schema))
            .map_err(io(&target))?;
        let _ = writeln!(
            decls,
            "#[doc = \"HL7 {folder}, generated from `{folder}/`.\"]\npub mod {module} {{\n    include!(concat!(env!(\"OUT_DIR\"), \"/{module}.rs\"));\n}}"
        );
        generated.modules.push(module);
    }
    let target = out_dir.join("versions.rs");
    std::fs::write(&target, decls).map_err(io(&target))?;
    Ok(generated)
}

/// [`generate_versions`] for a build script: the output goes to `OUT_DIR`, cargo is told what
/// to watch, and a failure stops the build with every finding printed as a warning.
pub fn run(schemas: impl AsRef<Path>, enabled: impl Fn(&str) -> bool) -> Generated {
    let schemas = schemas.as_ref();
    let out = PathBuf::from(std::env::var_os("OUT_DIR").expect("OUT_DIR is set for build scripts"));
    match generate_versions(schemas, &out, enabled) {
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
