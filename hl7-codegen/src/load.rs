//! Reading version folders from `schemas/`.

use std::fmt;
use std::path::{Path, PathBuf};

use serde::de::DeserializeOwned;

use crate::lines::LineIndex;
use crate::schema::VersionSchema;

/// The files of a version folder, by role.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum SchemaFile {
    Datatypes,
    Segments,
    Structures,
    Events,
    Tables,
}

impl SchemaFile {
    pub const ALL: [SchemaFile; 5] = [
        SchemaFile::Datatypes,
        SchemaFile::Segments,
        SchemaFile::Structures,
        SchemaFile::Events,
        SchemaFile::Tables,
    ];

    pub fn file_name(self) -> &'static str {
        match self {
            SchemaFile::Datatypes => "datatypes.yaml",
            SchemaFile::Segments => "segments.yaml",
            SchemaFile::Structures => "structures.yaml",
            SchemaFile::Events => "events.yaml",
            SchemaFile::Tables => "tables.yaml",
        }
    }
}

/// One problem in the schema, located in its file.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Finding {
    pub file: PathBuf,
    /// 1-based line, when known.
    pub line: Option<usize>,
    pub rule: Rule,
    /// What is wrong.
    pub message: String,
    /// What to do about it.
    pub fix: String,
}

/// The rule a [`Finding`] breaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Rule {
    /// The file is missing, unreadable, not YAML, or not of the expected shape.
    Syntax,
    UnknownDatatype,
    UnknownSegment,
    UnknownTable,
    UnknownStructure,
    DuplicateName,
    EmptyGroup,
    MinAboveMax,
    /// Positions of fields or components are not 1, 2, 3 … in order.
    BadPosition,
    BadEventKey,
    NotAnIdentifier,
}

impl fmt::Display for Finding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.line {
            Some(l) => write!(
                f,
                "{}:{}: {}; fix: {}",
                self.file.display(),
                l,
                self.message,
                self.fix
            ),
            None => write!(
                f,
                "{}: {}; fix: {}",
                self.file.display(),
                self.message,
                self.fix
            ),
        }
    }
}

/// The text and line index of each file of a loaded version, for locating findings.
#[derive(Debug, Clone)]
pub struct Sources {
    pub dir: PathBuf,
    indexes: Vec<(SchemaFile, LineIndex)>,
}

impl Sources {
    pub fn path(&self, file: SchemaFile) -> PathBuf {
        self.dir.join(file.file_name())
    }

    pub fn line<S: AsRef<str>>(&self, file: SchemaFile, path: &[S]) -> Option<usize> {
        self.indexes
            .iter()
            .find(|(f, _)| *f == file)
            .and_then(|(_, idx)| idx.line(path))
    }

    pub fn index(&self, file: SchemaFile) -> Option<&LineIndex> {
        self.indexes
            .iter()
            .find(|(f, _)| *f == file)
            .map(|(_, idx)| idx)
    }

    /// A finding at the node `path` of `file`.
    pub fn finding<S: AsRef<str>>(
        &self,
        file: SchemaFile,
        path: &[S],
        rule: Rule,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            file: self.path(file),
            line: self.line(file, path),
            rule,
            message: message.into(),
            fix: fix.into(),
        }
    }
}

/// Version folders under `schemas_dir` (`v2.1`, `v2.3.1` …), in version order.
pub fn version_dirs(schemas_dir: &Path) -> std::io::Result<Vec<PathBuf>> {
    let mut dirs = Vec::new();
    for entry in std::fs::read_dir(schemas_dir)? {
        let entry = entry?;
        let name = entry.file_name().to_string_lossy().into_owned();
        if entry.file_type()?.is_dir() && version_key(&name).is_some() {
            dirs.push(entry.path());
        }
    }
    dirs.sort_by_key(|d| version_key(&d.file_name().unwrap_or_default().to_string_lossy()));
    Ok(dirs)
}

/// `v2.3.1` → `[2, 3, 1]`; `None` for names that are not v2 version folders.
pub fn version_key(name: &str) -> Option<Vec<u32>> {
    let rest = name.strip_prefix("v2.")?;
    let mut key = vec![2];
    for part in rest.split('.') {
        key.push(part.parse().ok()?);
    }
    Some(key)
}

/// Loads one version folder. On failure returns every file's load error, each located.
pub fn load_version(dir: &Path) -> Result<(VersionSchema, Sources), Vec<Finding>> {
    let version = dir
        .file_name()
        .unwrap_or_default()
        .to_string_lossy()
        .into_owned();
    let mut sources = Sources {
        dir: dir.to_path_buf(),
        indexes: Vec::new(),
    };
    let mut errors = Vec::new();
    let mut schema = VersionSchema {
        version,
        ..Default::default()
    };

    fn read<T: DeserializeOwned + Default>(
        dir: &Path,
        file: SchemaFile,
        sources: &mut Sources,
        errors: &mut Vec<Finding>,
    ) -> T {
        let path = dir.join(file.file_name());
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                errors.push(Finding {
                    file: path,
                    line: None,
                    rule: Rule::Syntax,
                    message: format!("cannot read the file: {e}"),
                    fix: "every version folder holds datatypes, segments, structures, events and tables YAML files".into(),
                });
                return T::default();
            }
        };
        sources.indexes.push((file, LineIndex::new(&text)));
        match serde_yaml_ng::from_str::<Option<T>>(&text) {
            Ok(v) => v.unwrap_or_default(),
            Err(e) => {
                errors.push(Finding {
                    file: path,
                    line: e.location().map(|l| l.line()),
                    rule: Rule::Syntax,
                    message: e.to_string(),
                    fix: "follow the layout described in schemas/README.md".into(),
                });
                T::default()
            }
        }
    }

    schema.datatypes = read(dir, SchemaFile::Datatypes, &mut sources, &mut errors);
    schema.segments = read(dir, SchemaFile::Segments, &mut sources, &mut errors);
    schema.structures = read(dir, SchemaFile::Structures, &mut sources, &mut errors);
    schema.events = read(dir, SchemaFile::Events, &mut sources, &mut errors);
    schema.tables = read(dir, SchemaFile::Tables, &mut sources, &mut errors);
    if errors.is_empty() {
        Ok((schema, sources))
    } else {
        Err(errors)
    }
}
