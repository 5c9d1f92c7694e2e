//! Every message of the corpus (tests/corpus/messages) reads as a lean message of its
//! structure, writes back byte for byte, and has the group tree the peer recorded, or a
//! reasoned divergence.

use crate::common::{corpus, files_under};
use hl7_model::message::{Message, ParseOptions, parse_all};

use std::path::Path;

/// The expected tree as lines, group names without the structure prefix.
fn expected_tree(json: &serde_json::Value) -> Vec<String> {
    fn lines_of(node: &serde_json::Value, prefix: &str, depth: usize, out: &mut Vec<String>) {
        let name = node["name"].as_str().unwrap_or("");
        let name = name.strip_prefix(prefix).unwrap_or(name);
        out.push(format!("{}{}", "  ".repeat(depth), name));
        if let Some(children) = node["children"].as_array() {
            for c in children {
                lines_of(c, prefix, depth + 1, out);
            }
        }
    }
    let root = json["name"].as_str().unwrap_or("").to_owned();
    let mut out = Vec::new();
    lines_of(json, &format!("{root}_"), 0, &mut out);
    out
}

#[test]
fn corpus_messages_parse_round_trip_and_match_the_recorded_trees() {
    let root = corpus();
    let (mut total, mut parsed, mut exact, mut same_tree, mut with_tree) = (0, 0, 0, 0, 0);
    let mut failures = Vec::new();
    let mut diverging = Vec::new();
    let mut batch_messages = 0;
    for file in files_under(&root.join("messages"), Some("hl7")) {
        let bytes = std::fs::read(&file).unwrap();
        let text = String::from_utf8_lossy(&bytes);
        if text.contains("FHS|") || text.contains("BHS|") {
            // A batch: each of its messages parses and writes back byte for byte.
            let all = parse_all(&text, &ParseOptions::default())
                .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
            for m in &all {
                let again = m.to_er7();
                let reparsed = Message::parse(&again, &ParseOptions::default()).unwrap();
                assert_eq!(reparsed.to_er7(), again, "{}", file.display());
                assert_eq!(reparsed.tree_lines(), m.tree_lines(), "{}", file.display());
            }
            batch_messages += all.len();
            continue;
        }
        total += 1;
        let rel = file.strip_prefix(root.join("messages")).unwrap();
        let m = match Message::parse(&text, &ParseOptions::default()) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{}: {e}", rel.display()));
                continue;
            }
        };
        parsed += 1;
        let normalised = normalised(&text);
        if m.to_er7() == normalised {
            exact += 1;
        } else {
            failures.push(format!("{}: not byte-exact", rel.display()));
        }
        let json = root.join("expected").join(rel.with_extension("json"));
        if let Ok(j) = std::fs::read_to_string(&json) {
            let j: serde_json::Value = serde_json::from_str(&j).unwrap();
            // Trees the peer could not build (no structure name) or built by dropping
            // segments are not a reference.
            if j.get("hl7apy_lossy").is_some()
                || j.get("children").is_none()
                || j["name"].as_str().is_none_or(str::is_empty)
            {
                continue;
            }
            with_tree += 1;
            let ours = m.tree_lines();
            let theirs = expected_tree(&j);
            if ours == theirs {
                same_tree += 1;
            } else {
                diverging.push(rel.display().to_string());
                failures.push(format!(
                    "{}: tree differs\n  ours:   {}\n  theirs: {}",
                    rel.display(),
                    ours.join(" | "),
                    theirs.join(" | ")
                ));
            }
        }
    }
    eprintln!("{}", failures.join("\n"));
    eprintln!(
        "messages={total} parsed={parsed} exact={exact} trees={with_tree} same_tree={same_tree} batch_messages={batch_messages}"
    );
    assert!(batch_messages > 0);
    // Every message that parses writes back byte for byte.
    assert_eq!(exact, parsed);
    // Every message parses: types no version defines (site-specific `ZDT`, `CUSTOM`, test
    // `AAA`/`ZZZ`, an empty MSH-9, one MSH-2 that makes `~` the component separator) are read
    // as generic messages, every segment kept.
    assert_eq!(parsed, total, "parse failures:\n{}", failures.join("\n"));
    // Tree divergences from the peer, each listed with its reason in corpus-tree-divergences.tsv:
    // a change either way (a fix or a regression) must update that reviewed list.
    let listed = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("corpus-tree-divergences.tsv"),
    )
    .unwrap();
    let listed: Vec<&str> = listed
        .lines()
        .filter(|l| !l.starts_with('#') && !l.is_empty())
        .map(|l| l.split('\t').next().unwrap_or(""))
        .collect();
    assert_eq!(listed, diverging, "the tree divergences changed");
}

/// `text` as a reader keeps it: split at `\r`, `\n` and `\r\n`, without a byte order mark,
/// MLLP start blocks before a header, and lines of only whitespace or control characters;
/// each segment ended by `\r`.
fn normalised(text: &str) -> String {
    text.trim_start_matches('\u{feff}')
        .replace("\r\n", "\r")
        .split(['\r', '\n'])
        .map(|l| match l.strip_prefix('\u{b}') {
            Some(rest) if ["MSH", "BHS", "FHS"].iter().any(|h| rest.starts_with(h)) => rest,
            _ => l,
        })
        .filter(|l| !l.chars().all(|c| c.is_whitespace() || c.is_control()))
        .flat_map(|l| [l, "\r"])
        .collect()
}
