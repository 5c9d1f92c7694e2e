//! The vendored corpus (`tests/corpus`: real messages written by others, with their origins and
//! licences in its `MANIFEST.tsv`), read the same way by every test that runs on it.

use std::path::{Path, PathBuf};

/// The corpus folder.
pub fn corpus() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus")
}

/// Every file below `dir` (with extension `ext`, when given), sorted; a folder that cannot be
/// read fails the test with its name.
pub fn files_under(dir: &Path, ext: Option<&str>) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(d) = stack.pop() {
        for e in std::fs::read_dir(&d).unwrap_or_else(|e| panic!("{}: {e}", d.display())) {
            let p = e.unwrap_or_else(|e| panic!("{}: {e}", d.display())).path();
            if p.is_dir() {
                stack.push(p);
            } else if ext.is_none_or(|x| p.extension().is_some_and(|e| e == x)) {
                out.push(p);
            }
        }
    }
    out.sort();
    out
}

/// A file's bytes as text, invalid UTF-8 replaced, as the `hl7` command reads files.
pub fn read_lossy(p: &Path) -> String {
    let bytes = std::fs::read(p).unwrap_or_else(|e| panic!("{}: {e}", p.display()));
    String::from_utf8_lossy(&bytes).into_owned()
}

/// Every message file of the corpus (`messages/**/*.hl7`, batches included) with its text.
pub fn corpus_messages() -> Vec<(PathBuf, String)> {
    files_under(&corpus().join("messages"), Some("hl7"))
        .into_iter()
        .map(|p| {
            let text = read_lossy(&p);
            (p, text)
        })
        .collect()
}
