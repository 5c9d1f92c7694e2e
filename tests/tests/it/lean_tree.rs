//! The lean representation (`hl7_model::tree`: segment text in one buffer, a flat group tree
//! built from segment ids alone) on every corpus message: every segment is held once, in the
//! order sent, at an item of its id or kept as unexpected; the message costs about what was
//! sent; and the version and structure it is read as follow its header.

use crate::common::corpus_messages;
use hl7_model::descriptor::{GroupDesc, ItemDesc};
use hl7_model::er7;
use hl7_model::message::{Message, ParseOptions};
use hl7_model::tree::{Entry, EntryKind, Lean};

/// Checks the group occurrence of definition `g` whose entries are `range`: each segment
/// entry sits at a segment item of `g` whose id matches it, each group entry at a group item,
/// and each group occurrence holds a segment. Gives how many segments the occurrence holds.
fn check_group(
    lean: &Lean,
    g: &'static GroupDesc,
    range: std::ops::Range<usize>,
) -> Result<usize, String> {
    let mut segments = 0;
    for (i, e) in lean.tree().children(range) {
        match (e.kind, g.items.get(e.item as usize)) {
            (EntryKind::Group, Some(ItemDesc::Group { group, .. })) => {
                let held = check_group(lean, group, i + 1..e.value as usize)?;
                if held == 0 {
                    return Err(format!("an empty {} at entry {i}", group.name));
                }
                segments += held;
            }
            (EntryKind::Segment, Some(ItemDesc::Segment { id, .. })) => {
                let text = lean.segment(e.value);
                let sent = text.split(lean.delimiters().field).next().unwrap_or("");
                if *id != "*" && *id != sent {
                    return Err(format!("{sent} at item {} ({id}) of {}", e.item, g.name));
                }
                segments += 1;
            }
            (EntryKind::Unexpected, _) => segments += 1,
            (kind, item) => {
                return Err(format!(
                    "a {kind:?} entry at item {} of {}: {item:?}",
                    e.item, g.name
                ));
            }
        }
    }
    Ok(segments)
}

#[test]
fn the_lean_tree_holds_every_segment_once_in_order_at_an_item_of_its_id() {
    assert_eq!(std::mem::size_of::<Entry>(), 8);
    let opts = ParseOptions::default();
    let (mut compared, mut unexpected) = (0, 0);
    for (file, text) in corpus_messages() {
        let Ok(m) = Message::parse(&text, &opts) else {
            continue;
        };
        let name = file.display();
        let tokens = er7::Tokenized::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let lean = m.lean();
        // The segments in tree order are the segments sent, each once.
        let held: Vec<&str> = lean
            .tree()
            .entries
            .iter()
            .filter(|e| e.kind != EntryKind::Group)
            .map(|e| lean.segment(e.value))
            .collect();
        let sent: Vec<&str> = tokens.segments().iter().map(|s| s.as_str()).collect();
        assert_eq!(held, sent, "{name}");
        let mut indices: Vec<u32> = lean
            .tree()
            .entries
            .iter()
            .filter(|e| e.kind != EntryKind::Group)
            .map(|e| e.value)
            .collect();
        indices.sort_unstable();
        assert!(
            indices.iter().copied().eq(0..lean.segment_count() as u32),
            "{name}: segment indices {indices:?}"
        );
        let placed = check_group(lean, lean.root(), 0..lean.tree().entries.len())
            .unwrap_or_else(|e| panic!("{name}: {e}"));
        assert_eq!(placed, sent.len(), "{name}");
        // The tree lines: the structure, then a line per entry.
        let lines = m.tree_lines();
        assert_eq!(lines[0], lean.root().name, "{name}");
        assert_eq!(lines.len(), lean.tree().entries.len() + 1, "{name}");
        // The text as sent, read into the structure directly, is the same message.
        let direct = Lean::parse(m.structure().body, &text, &opts)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .with_version(m.version());
        assert_eq!(&direct, lean, "{name}");
        unexpected += lean
            .tree()
            .entries
            .iter()
            .filter(|e| e.kind == EntryKind::Unexpected)
            .count();
        compared += 1;
    }
    assert!(compared >= 380, "{compared}");
    // Z-segments and segments out of place are kept.
    assert!(unexpected > 50, "{unexpected} unexpected segments");
}

/// `2.5.1` → `[2, 5, 1]`: the leading numeric parts of a version as sent (`v2.3.z` → `[2, 3]`).
fn version_key(s: &str) -> Vec<u32> {
    s.trim()
        .trim_start_matches(['v', 'V'])
        .split('.')
        .map_while(|p| p.parse().ok())
        .collect()
}

/// The segment ids of a message's JSON form (`hl7_model::json`), each segment once: segment
/// objects by their key (without the `_n` suffix of a key held twice), the wire text of
/// unexpected segments and of a generic message's segments by their id.
fn json_segment_ids(group: &serde_json::Value, field: char, out: &mut Vec<String>) {
    let Some(items) = group.as_object() else {
        return;
    };
    for (key, value) in items {
        let occurrences = match value {
            serde_json::Value::Array(a) => a.iter().collect(),
            v => vec![v],
        };
        for v in occurrences {
            match v {
                serde_json::Value::String(wire) => {
                    out.push(wire.split(field).next().unwrap_or("").to_owned());
                }
                serde_json::Value::Object(o) if o.keys().all(|k| k.contains('.')) => {
                    let id = key.split('_').next().unwrap_or(key);
                    out.push(id.to_owned());
                }
                v => json_segment_ids(v, field, out),
            }
        }
    }
}

/// Every corpus message is read as the version its MSH-12 names (or a reported fallback), as
/// the structure its MSH-9.3 names when the version has it (or another, reported), as the
/// structure the peer recorded (`tests/corpus/expected`), byte for byte, and its JSON form
/// holds each of its segments once.
#[test]
fn a_lean_message_reads_every_corpus_message_by_its_header() {
    let opts = ParseOptions::default();
    let root = crate::common::corpus();
    let (mut compared, mut fallbacks, mut by_peer) = (0, 0, 0);
    let mut structure_differs = Vec::new();
    for (file, text) in corpus_messages() {
        let Ok(m) = Message::parse(&text, &opts) else {
            continue;
        };
        let name = file.display();
        let tokens = er7::Tokenized::parse(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
        let msh = tokens.header();
        let component = |f: usize, c: usize| {
            msh.field(f)
                .and_then(|f| f.component(c))
                .map_or("", |c| c.as_str())
        };

        // MSH-12: the version sent, or a fallback that says what was sent.
        let sent = component(12, 1);
        match m.version_fallback() {
            None => assert_eq!(
                version_key(m.version().version),
                version_key(sent),
                "{name}"
            ),
            Some(note) => {
                assert_eq!(note, sent, "{name}");
                assert_ne!(
                    version_key(m.version().version),
                    version_key(sent),
                    "{name}"
                );
            }
        }
        // MSH-9.3 names the structure when the version defines it; any other choice is
        // reported, naming what it chose.
        let named = msh
            .field(9)
            .and_then(|f| f.component(3))
            .and_then(|c| c.subcomponent(1))
            .filter(|s| !s.is_empty());
        match m.structure_fallback() {
            None => {
                if let Some(named) = named.filter(|s| m.version().structure(s).is_some()) {
                    assert_eq!(m.structure().id, named, "{name}");
                }
            }
            Some(note) => assert!(
                note.contains(m.structure().id) || m.structure().id == "GENERIC",
                "{name}: {note}"
            ),
        }
        fallbacks +=
            usize::from(m.version_fallback().is_some() || m.structure_fallback().is_some());
        // The structure the peer chose, where it recorded one.
        let rel = file.strip_prefix(root.join("messages")).unwrap();
        let peer = root.join("expected").join(rel.with_extension("json"));
        if let Ok(j) = std::fs::read_to_string(&peer) {
            let j: serde_json::Value = serde_json::from_str(&j).unwrap();
            if let Some(theirs) = j["name"].as_str().filter(|s| !s.is_empty()) {
                by_peer += 1;
                // A type no version defines is read as a generic message; the peer names a
                // structure after its type and event, which no version defines either.
                let generic = m.structure().id == "GENERIC"
                    && hl7_model::VERSIONS
                        .iter()
                        .all(|v| v.structure(theirs).is_none());
                if theirs != m.structure().id && !generic {
                    structure_differs.push(format!("{name}: {} / {theirs}", m.structure().id));
                }
            }
        }

        // Byte for byte: the segments the tokenizer gives.
        let sent: String = tokens
            .segments()
            .iter()
            .flat_map(|s| [s.as_str(), "\r"])
            .collect();
        assert_eq!(m.to_er7(), sent, "{name}");

        // The JSON form: the version and structure read as, every segment once.
        let json = serde_json::to_value(&m).unwrap();
        assert_eq!(json["version"], m.version().version, "{name}");
        assert_eq!(json["structure"], m.structure().id, "{name}");
        let mut in_json = Vec::new();
        json_segment_ids(&json["message"], m.lean().delimiters().field, &mut in_json);
        let mut ids: Vec<String> = tokens
            .segments()
            .iter()
            .map(|s| s.id().to_owned())
            .collect();
        in_json.sort();
        ids.sort();
        assert_eq!(in_json, ids, "{name}");
        compared += 1;
    }
    assert!(compared >= 380, "{compared}");
    assert!(fallbacks >= 10, "{fallbacks} messages read with a fallback");
    assert!(by_peer > 300, "{by_peer} structures recorded by the peer");
    assert!(
        structure_differs.is_empty(),
        "ours / the peer's:\n{}",
        structure_differs.join("\n")
    );
}
