//! The lean representation (`hl7_model::tree`: segment text in one buffer, a flat group tree
//! built from segment ids alone) places every corpus message's segments exactly as the typed
//! structs do, and writes every message back byte for byte.

use crate::common::corpus_messages;
use hl7_model::tree::{Entry, Lean};

#[test]
fn the_lean_tree_equals_the_typed_tree_on_every_corpus_message() {
    assert_eq!(std::mem::size_of::<Entry>(), 8);
    let opts = hl7_model::message::ParseOptions::default();
    let mut compared = 0;
    for (file, text) in corpus_messages() {
        let Ok(parsed) = hl7_model::message::parse(&text) else {
            continue;
        };
        let group = parsed.message.as_group();
        let lean = Lean::parse(group.desc(), &text, &opts)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        assert_eq!(
            lean.tree_lines(),
            hl7_model::grammar::tree(group),
            "{}",
            file.display()
        );
        assert_eq!(lean.to_er7(), parsed.to_er7(), "{}", file.display());
        compared += 1;
    }
    assert!(compared >= 380, "{compared}");
}

/// The memory target of the lean form, on every corpus message of every version: at most
/// twice the wire size for messages of 1 KB or more, at most the wire size plus 1 KB below.
#[test]
fn a_lean_message_costs_about_what_was_sent() {
    let opts = hl7_model::message::ParseOptions::default();
    let mut measured = 0;
    let mut worst = (0.0f64, String::new());
    for (file, text) in corpus_messages() {
        let Ok((lean, _, _)) = hl7_model::message::parse_lean(&text, &opts) else {
            continue;
        };
        let wire = text.len();
        let held = lean.heap_bytes() + std::mem::size_of::<Lean>();
        if wire >= 1024 {
            assert!(
                held <= 2 * wire,
                "{}: {held} bytes for {wire}",
                file.display()
            );
        } else {
            assert!(
                held <= wire + 1024,
                "{}: {held} bytes for {wire}",
                file.display()
            );
        }
        let ratio = held as f64 / wire as f64;
        if ratio > worst.0 {
            worst = (ratio, file.display().to_string());
        }
        measured += 1;
    }
    assert!(measured >= 380, "{measured}");
    eprintln!("worst ratio {:.2} ({})", worst.0, worst.1);
}

/// `LeanMessage` reads every corpus message as `parse` does: the same version and structure,
/// the same fallback notes, text, tree, validation and JSON.
#[test]
fn a_lean_message_reads_every_corpus_message_as_parse_does() {
    let opts = hl7_model::message::ParseOptions::default();
    let (mut compared, mut fallbacks) = (0, 0);
    for (file, text) in corpus_messages() {
        let Ok(parsed) = hl7_model::message::parse(&text) else {
            assert!(
                hl7_model::message::LeanMessage::parse(&text, &opts).is_err(),
                "{}",
                file.display()
            );
            continue;
        };
        let m = hl7_model::message::LeanMessage::parse(&text, &opts)
            .unwrap_or_else(|e| panic!("{}: {e}", file.display()));
        let name = file.display();
        assert_eq!(
            m.version().version,
            parsed.message.version().version,
            "{name}"
        );
        assert_eq!(m.structure().id, parsed.message.structure().id, "{name}");
        assert_eq!(
            m.version_fallback(),
            parsed.version_fallback.as_deref(),
            "{name}"
        );
        assert_eq!(
            m.structure_fallback(),
            parsed.structure_fallback.as_deref(),
            "{name}"
        );
        assert_eq!(m.to_er7(), parsed.to_er7(), "{name}");
        assert_eq!(
            m.tree_lines(),
            hl7_model::grammar::tree(parsed.message.as_group()),
            "{name}"
        );
        assert_eq!(m.validate(), parsed.validate(), "{name}");
        assert_eq!(
            serde_json::to_value(&m).unwrap(),
            serde_json::to_value(&parsed).unwrap(),
            "{name}"
        );
        fallbacks +=
            usize::from(m.version_fallback().is_some() || m.structure_fallback().is_some());
        compared += 1;
    }
    assert!(compared >= 380, "{compared}");
    assert!(fallbacks >= 10, "{fallbacks} messages read with a fallback");
}
