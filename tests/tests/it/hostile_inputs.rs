//! Every input the fuzzers found (`fuzz/regressions/<target>/`), and every corpus message and
//! hostile edge case, through the fuzz targets' checks (`hl7_tests::hostile`): what once broke
//! stays fixed, and the checks themselves hold on real messages.

use std::path::Path;

use crate::common::{corpus, files_under};
use hl7_tests::hostile::{self, TARGETS};

fn regressions() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../fuzz/regressions")
}

#[test]
fn every_fuzz_regression_input_passes_its_target() {
    let mut ran = 0;
    for (name, check) in TARGETS {
        let dir = regressions().join(name);
        // A target that never found anything has no folder (git keeps no empty ones).
        if !dir.is_dir() {
            continue;
        }
        for file in files_under(&dir, None) {
            let data = std::fs::read(&file).unwrap();
            // Each regression input also runs through every other check: a crash of one
            // reader is often a crash of its neighbours.
            for (_, other) in TARGETS {
                other(&data);
            }
            check(&data);
            ran += 1;
        }
    }
    assert!(
        ran > 0,
        "no regression input under {}",
        regressions().display()
    );
}

#[test]
fn the_checks_hold_on_every_corpus_file() {
    let mut files = files_under(&corpus().join("messages"), Some("hl7"));
    files.extend(files_under(&corpus().join("edge_cases"), None));
    // Real non-ASCII bytes in every character set the decoder reads.
    let charsets = Path::new(env!("CARGO_MANIFEST_DIR")).join("charsets");
    files.extend(files_under(&charsets, Some("hl7")));
    let mut parsed = 0;
    for file in &files {
        let data = std::fs::read(file).unwrap();
        for (_, check) in TARGETS {
            check(&data);
        }
        let Ok(text) = std::str::from_utf8(&data) else {
            continue;
        };
        if hl7_model::message::parse(text).is_ok() {
            parsed += 1;
        }
        for (path, value) in [("PID-5-1", "Doe"), ("OBX(1)-5", "x^y"), ("ZZZ-3-2", "z")] {
            let input = format!("{path}\0{value}\0{text}");
            hostile::paths(input.as_bytes());
        }
    }
    assert!(
        parsed > 350,
        "{parsed} of {} corpus files parsed",
        files.len()
    );
}
