//! What must hold for any input, however hostile: the bodies of the fuzz targets in `fuzz/`,
//! kept here so that CI runs every input the fuzzer ever found (`fuzz/regressions/`) through
//! the same checks on every build (`tests/tests/it/hostile_inputs.rs`).
//!
//! Each check panics when an invariant breaks: that is what a fuzzer reports. An input the
//! toolkit refuses with a typed error passes; only a panic, a broken round trip or a
//! disagreement between two readers fails.

use hl7_model::er7::{Batch, FindingKind};
use hl7_model::message::{Message, ParseOptions};
use hl7_model::path::TerserPath;

/// The checks, by the name of their fuzz target (and of their folder under `fuzz/regressions/`).
pub const TARGETS: &[(&str, fn(&[u8]))] = &[
    ("tokenize", tokenize),
    ("parse", parse),
    ("roundtrip", roundtrip),
    ("validate", validate),
    ("paths", paths),
];

/// Limits small enough that a fuzzer's inputs meet them, so that refusing is exercised too.
fn options() -> ParseOptions {
    ParseOptions::new()
        .max_message_len(1 << 20)
        .max_segments(4096)
}

/// The tokenizer: a batch splits any text, and writes back exactly what it read when nothing
/// was skipped.
pub fn tokenize(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(batch) = Batch::parse(text) else {
        return;
    };
    let mut out = String::with_capacity(text.len());
    batch.write_original(&mut out);
    // What the tokenizer skips it reports: blank lines, noise lines, a byte order mark and
    // MLLP start bytes. With none of them, writing back gives the input byte for byte.
    let lines = batch.line_report();
    let skipped = batch.all_findings().iter().any(|f| {
        matches!(
            f.kind,
            FindingKind::ByteOrderMark
                | FindingKind::MllpStartBlock
                | FindingKind::NoiseLine { .. }
        )
    });
    if !skipped && lines.blank_lines == 0 && lines.noise_lines == 0 {
        assert_eq!(
            out, text,
            "a batch with nothing skipped writes back its input"
        );
    }
}

/// The typed parse from bytes: any input is a message or a typed error.
pub fn parse(data: &[u8]) {
    if let Ok(m) = hl7_model::parse(data) {
        exercise(&m);
    }
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    if let Ok(m) = Message::parse(text, &options()) {
        exercise(&m);
    }
}

fn exercise(m: &Message) {
    let _ = m.tree_lines();
    let _ = m.heap_bytes();
    let _ = m.typed::<hl7_model::v2_5::OruR01>();
    let _ = serde_json::to_string(m).expect("a parsed message serialises");
}

/// Encoding is a fixed point: parse(encode(parse(x))) encodes to the same text and places its
/// segments in the same tree.
pub fn roundtrip(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(m) = Message::parse(text, &options()) else {
        return;
    };
    let once = m.to_er7();
    let again = Message::parse(&once, &options())
        .unwrap_or_else(|e| panic!("the encoded message does not parse again: {e}\n{once:?}"));
    assert_eq!(again.to_er7(), once, "encoding is not a fixed point");
    assert_eq!(again.tree_lines(), m.tree_lines(), "the tree changed");
    assert_eq!(again.structure().id, m.structure().id);
    assert_eq!(again.version().version, m.version().version);
}

/// Validation of any parsed message: findings, never a panic; every finding has a location
/// inside the message.
pub fn validate(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let Ok(m) = Message::parse(text, &options()) else {
        return;
    };
    for f in m.validate() {
        let _ = f.to_string();
    }
}

/// Paths: `path \0 value \0 message`. Parsing a path never panics; a read or a write on any
/// message is a value or a typed error; a write that succeeded reads back and leaves a message
/// that parses again to the same text.
pub fn paths(data: &[u8]) {
    let Ok(text) = std::str::from_utf8(data) else {
        return;
    };
    let mut parts = text.splitn(3, '\0');
    let (Some(path), Some(value), Some(message)) = (parts.next(), parts.next(), parts.next())
    else {
        let _ = TerserPath::parse(text);
        return;
    };
    let _ = TerserPath::parse(path);
    let Ok(mut m) = Message::parse(message, &options()) else {
        return;
    };
    let existed = matches!(m.get(path), Ok(Some(_)));
    let _ = m.get_er7(path);
    if m.set(path, value).is_err() {
        return;
    }
    let written = m.to_er7();
    let again = Message::parse(&written, &options())
        .unwrap_or_else(|e| panic!("after set({path:?}) the message does not parse: {e}"));
    assert_eq!(again.to_er7(), written, "after set({path:?})");
    // A write to a value that was there reads back. A write that has to create segments or
    // groups may place them where the same path does not find them again: a known fault of
    // the path writer, recorded in tests/golden/path-write-faults.tsv.
    if existed && !value.is_empty() {
        assert_eq!(
            m.get(path).ok().flatten().as_deref(),
            Some(value),
            "set({path:?}) does not read back"
        );
    }
}
