//! A representation weighed against the one `hl7_model::Message` holds: owned and decoded, but
//! sparse. Each segment keeps only the fields that were sent; a field holds its repetitions, a
//! repetition that has components holds them boxed, and every value is a [`Value`] (inline up
//! to 24 bytes). Segments sit in the same flat group tree as in [`hl7_model::tree::Lean`], so
//! the two differ only in how a segment is held.

use compact_str::CompactString;
use hl7_model::delimiters::Delimiters;
use hl7_model::descriptor::GroupDesc;
use hl7_model::tree::{Tree, assign};

/// A primitive value as sent: absent, null (`""`) or text, inline up to 24 bytes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum Value {
    #[default]
    Absent,
    Null,
    Text(CompactString),
}

impl Value {
    fn from_wire(s: &str) -> Value {
        match s {
            "" => Value::Absent,
            "\"\"" => Value::Null,
            s => Value::Text(CompactString::new(s)),
        }
    }
}

/// One repetition of a field: a single value, or its components.
pub enum Rep {
    Value(Value),
    Components(Box<[Value]>),
}

/// A field that was sent, with its position.
pub struct SparseField {
    pub seq: u16,
    pub reps: Box<[Rep]>,
}

/// A segment: its id and the fields sent.
pub struct SparseSegment {
    pub id: Value,
    pub fields: Box<[SparseField]>,
}

/// A message held sparse and owned.
pub struct SparseMessage {
    pub delimiters: Delimiters,
    pub segments: Box<[SparseSegment]>,
    pub tree: Tree,
}

fn segment(line: &str, d: &Delimiters) -> SparseSegment {
    let mut parts = line.split(d.field);
    let id = parts.next().unwrap_or("");
    let header = hl7_model::delimiters::is_header(id);
    let mut fields = Vec::new();
    for (i, text) in parts.enumerate() {
        if text.is_empty() {
            continue;
        }
        let verbatim = header && i == 0;
        let reps: Box<[Rep]> = if verbatim {
            Box::new([Rep::Value(Value::from_wire(text))])
        } else {
            text.split(d.repetition)
                .map(|r| {
                    if r.contains(d.component) {
                        Rep::Components(r.split(d.component).map(Value::from_wire).collect())
                    } else {
                        Rep::Value(Value::from_wire(r))
                    }
                })
                .collect()
        };
        fields.push(SparseField {
            seq: (i + if header { 2 } else { 1 }) as u16,
            reps,
        });
    }
    SparseSegment {
        id: Value::from_wire(id),
        fields: fields.into_boxed_slice(),
    }
}

/// Reads `text` into the structure whose body is `root`.
pub fn parse(root: &'static GroupDesc, text: &str) -> Option<SparseMessage> {
    let opts = hl7_model::message::ParseOptions::default();
    let tokens = hl7_model::parsing::tokenize(text, &opts).ok()?;
    let lines = hl7_model::parsing::segment_lines(&tokens);
    let d = *tokens.delimiters();
    let tree = assign(
        root,
        lines.iter().map(|l| l.split(d.field).next().unwrap_or("")),
    );
    let segments = lines.iter().map(|l| segment(l, &d)).collect();
    Some(SparseMessage {
        delimiters: d,
        segments,
        tree,
    })
}
