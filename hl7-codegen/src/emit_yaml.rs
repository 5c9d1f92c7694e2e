//! Writes a [`VersionSchema`] back as YAML in the one canonical layout: one line per field,
//! component, segment reference and table value, groups as indented blocks, keys in a fixed
//! order. Both the importer and `cargo xtask regenerate` write through here, so a hand edit
//! followed by a normalisation gives a small, stable diff.

use std::fmt::Write;

use crate::schema::{Card, Component, Datatypes, Field, Item, VersionSchema};

/// The five files of a version folder, in the order they are written.
pub fn version_files(schema: &VersionSchema) -> Vec<(&'static str, String)> {
    let v = &schema.version;
    vec![
        ("datatypes.yaml", datatypes(v, &schema.datatypes)),
        ("segments.yaml", segments(v, schema)),
        ("structures.yaml", structures(v, schema)),
        ("events.yaml", events(v, schema)),
        ("tables.yaml", tables(v, schema)),
    ]
}

fn header(out: &mut String, version: &str, what: &str) {
    let _ = writeln!(out, "# HL7 {version}: {what}");
    out.push_str("# Layout and provenance: schemas/README.md. Normalise after editing: cargo xtask regenerate.\n");
}

/// `datatypes.yaml`.
pub fn datatypes(version: &str, dts: &Datatypes) -> String {
    let mut out = String::new();
    header(&mut out, version, "datatypes");
    out.push_str("primitives:\n");
    for (id, p) in &dts.primitives {
        let _ = writeln!(out, "  {}: {{ name: {} }}", scalar(id), scalar(&p.name));
    }
    out.push_str("composites:\n");
    for (id, c) in &dts.composites {
        let _ = writeln!(out, "  {}:", scalar(id));
        let _ = writeln!(out, "    name: {}", scalar(&c.name));
        out.push_str("    components:\n");
        for comp in &c.components {
            let _ = writeln!(out, "      - {}", component(comp));
        }
    }
    out
}

fn component(c: &Component) -> String {
    let mut parts = vec![
        format!("seq: {}", c.seq),
        format!("name: {}", scalar(&c.name)),
        format!("type: {}", scalar(&c.datatype)),
        format!("usage: {}", c.usage.as_str()),
    ];
    if let Some(len) = c.len {
        parts.push(format!("len: {len}"));
    }
    if let Some(t) = &c.table {
        parts.push(format!("table: {}", scalar(t)));
    }
    format!("{{ {} }}", parts.join(", "))
}

fn field(f: &Field) -> String {
    let mut parts = vec![
        format!("seq: {}", f.seq),
        format!("name: {}", scalar(&f.name)),
        format!("type: {}", scalar(&f.datatype)),
        format!("usage: {}", f.usage.as_str()),
        format!("card: {}", card(f.card)),
    ];
    if let Some(len) = f.len {
        parts.push(format!("len: {len}"));
    }
    if let Some(t) = &f.table {
        parts.push(format!("table: {}", scalar(t)));
    }
    if let Some(i) = &f.item {
        parts.push(format!("item: {}", scalar(i)));
    }
    if let Some(d) = &f.desc {
        parts.push(format!("desc: {}", scalar(d)));
    }
    format!("{{ {} }}", parts.join(", "))
}

/// `segments.yaml`.
pub fn segments(version: &str, schema: &VersionSchema) -> String {
    let mut out = String::new();
    header(&mut out, version, "segments");
    for (id, s) in &schema.segments {
        let _ = writeln!(out, "{}:", scalar(id));
        let _ = writeln!(out, "  name: {}", scalar(&s.name));
        if s.fields.is_empty() {
            out.push_str("  fields: []\n");
        } else {
            out.push_str("  fields:\n");
            for f in &s.fields {
                let _ = writeln!(out, "    - {}", field(f));
            }
        }
    }
    out
}

/// `structures.yaml`.
pub fn structures(version: &str, schema: &VersionSchema) -> String {
    let mut out = String::new();
    header(&mut out, version, "message structures");
    for (id, s) in &schema.structures {
        let _ = writeln!(out, "{}:", scalar(id));
        let _ = writeln!(out, "  name: {}", scalar(&s.name));
        out.push_str("  body:\n");
        body(&mut out, &s.body, 4);
    }
    out
}

fn body(out: &mut String, items: &[Item], indent: usize) {
    let pad = " ".repeat(indent);
    for item in items {
        match item {
            Item::Segment(s) if s.card == Card::ONE => {
                let _ = writeln!(out, "{pad}- {}", scalar(&s.segment));
            }
            Item::Segment(s) => {
                let _ = writeln!(
                    out,
                    "{pad}- {{ segment: {}, card: {} }}",
                    scalar(&s.segment),
                    card(s.card)
                );
            }
            Item::Group(g) => {
                let _ = writeln!(out, "{pad}- group: {}", scalar(&g.name));
                let _ = writeln!(out, "{pad}  card: {}", card(g.card));
                if g.choice {
                    let _ = writeln!(out, "{pad}  choice: true");
                }
                let _ = writeln!(out, "{pad}  body:");
                body(out, &g.body, indent + 4);
            }
        }
    }
}

/// `events.yaml`.
pub fn events(version: &str, schema: &VersionSchema) -> String {
    let mut out = String::new();
    header(
        &mut out,
        version,
        "message type ^ trigger event -> message structure",
    );
    if schema.events.is_empty() {
        out.push_str("{}\n");
    }
    for (k, v) in &schema.events {
        let _ = writeln!(out, "{}: {}", scalar(k), scalar(v));
    }
    out
}

/// `tables.yaml`.
pub fn tables(version: &str, schema: &VersionSchema) -> String {
    let mut out = String::new();
    header(&mut out, version, "code tables");
    for (id, t) in &schema.tables {
        let _ = writeln!(out, "{}:", scalar(id));
        if let Some(n) = &t.name {
            let _ = writeln!(out, "  name: {}", scalar(n));
        }
        if t.values.is_empty() {
            out.push_str("  values: []\n");
            continue;
        }
        out.push_str("  values:\n");
        for v in &t.values {
            match &v.desc {
                Some(d) => {
                    let _ = writeln!(
                        out,
                        "    - {{ code: {}, desc: {} }}",
                        scalar(&v.code),
                        scalar(d)
                    );
                }
                None => {
                    let _ = writeln!(out, "    - {{ code: {} }}", scalar(&v.code));
                }
            }
        }
    }
    out
}

fn card(c: Card) -> String {
    format!("\"{c}\"")
}

/// A YAML scalar for `s`: plain when a reader (and every YAML 1.1 or 1.2 parser) reads it back
/// as the same string, double-quoted otherwise.
pub fn scalar(s: &str) -> String {
    if is_plain_safe(s) {
        s.to_owned()
    } else {
        let mut q = String::with_capacity(s.len() + 2);
        q.push('"');
        for ch in s.chars() {
            match ch {
                '"' => q.push_str("\\\""),
                '\\' => q.push_str("\\\\"),
                '\n' => q.push_str("\\n"),
                '\r' => q.push_str("\\r"),
                '\t' => q.push_str("\\t"),
                c if c.is_control() => {
                    let _ = write!(q, "\\u{:04X}", c as u32);
                }
                c => q.push(c),
            }
        }
        q.push('"');
        q
    }
}

fn is_plain_safe(s: &str) -> bool {
    const RESERVED: &[&str] = &[
        "y", "n", "yes", "no", "on", "off", "true", "false", "null", "~",
    ];
    let Some(first) = s.chars().next() else {
        return false;
    };
    if !first.is_ascii_alphabetic() || s.ends_with(' ') {
        return false;
    }
    if RESERVED.iter().any(|r| r.eq_ignore_ascii_case(s)) {
        return false;
    }
    s.chars()
        .all(|c| c.is_ascii_alphanumeric() || " _-./()'&+".contains(c))
}

#[cfg(test)]
mod tests {
    use super::scalar;

    #[test]
    fn scalars_that_would_change_meaning_are_quoted() {
        assert_eq!(scalar("ST"), "ST");
        assert_eq!(scalar("Set ID - PID"), "Set ID - PID");
        assert_eq!(scalar("0001"), "\"0001\"");
        assert_eq!(scalar("Y"), "\"Y\"");
        assert_eq!(scalar("no"), "\"no\"");
        assert_eq!(scalar("a: b"), "\"a: b\"");
        assert_eq!(scalar("ADT^A04"), "\"ADT^A04\"");
        assert_eq!(scalar(""), "\"\"");
        assert_eq!(scalar("say \"hi\"\\"), "\"say \\\"hi\\\"\\\\\"");
    }
}
