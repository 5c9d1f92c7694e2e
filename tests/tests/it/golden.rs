//! Golden files (`tests/golden`): results recorded once, each with a header saying what it
//! holds, that tests compare what they compute against. Run the tests with `UPDATE_GOLDEN=1`
//! to rewrite the files from what they compute, and review the difference before committing.

use std::path::{Path, PathBuf};

/// Golden file `name`.
fn path(name: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("golden")
        .join(name)
}

/// Compares `computed` with golden file `name`, line by line, failing with the first
/// differences; with `UPDATE_GOLDEN=1`, writes `computed` to the file instead.
pub(crate) fn check(name: &str, computed: &str) {
    let path = path(name);
    if std::env::var_os("UPDATE_GOLDEN").is_some_and(|v| v == "1") {
        std::fs::write(&path, computed).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        eprintln!("rewrote {}", path.display());
        return;
    }
    let recorded = std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{}: {e} (UPDATE_GOLDEN=1 writes it)", path.display()));
    let (want, got): (Vec<&str>, Vec<&str>) =
        (recorded.lines().collect(), computed.lines().collect());
    let differ: Vec<String> = (0..want.len().max(got.len()))
        .filter(|&i| want.get(i) != got.get(i))
        .take(10)
        .map(|i| {
            format!(
                "line {}:\n  recorded {:?}\n  computed {:?}",
                i + 1,
                want.get(i),
                got.get(i)
            )
        })
        .collect();
    assert!(
        differ.is_empty(),
        "{}: {} lines recorded, {} computed; the first differences:\n{}",
        path.display(),
        want.len(),
        got.len(),
        differ.join("\n")
    );
}

/// The 64-bit FNV-1a digest of `bytes`: stable across platforms and Rust versions.
pub(crate) fn fnv1a64(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(*b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// `file`'s path below `root`, with `/` between its parts.
pub(crate) fn relative(file: &Path, root: &Path) -> String {
    file.strip_prefix(root)
        .unwrap_or_else(|_| panic!("{} is not below {}", file.display(), root.display()))
        .components()
        .map(|c| c.as_os_str().to_string_lossy())
        .collect::<Vec<_>>()
        .join("/")
}
