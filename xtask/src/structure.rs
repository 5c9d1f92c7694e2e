//! `cargo xtask structure FILE`: which structure definition a message resolves to, from its
//! MSH-9 and MSH-12, printed as the schema's group tree.

use std::fmt::Write;
use std::path::Path;

use anyhow::{Context, Result, bail};
use hl7_codegen::load;
use hl7_codegen::schema::{Card, Item, VersionSchema};

/// The MSH fields needed to resolve a structure: (MSH-9 components, MSH-12 version).
fn msh(text: &str) -> Result<(Vec<String>, String)> {
    let line = text
        .split(['\r', '\n'])
        .find(|l| l.starts_with("MSH"))
        .context("no MSH segment")?;
    let bytes = line.as_bytes();
    if bytes.len() < 5 {
        bail!("MSH segment too short to hold its delimiters");
    }
    let field_sep = line[3..].chars().next().context("no field separator")?;
    let fields: Vec<&str> = line.split(field_sep).collect();
    let component_sep = fields.get(1).and_then(|f| f.chars().next()).unwrap_or('^');
    // fields[0] is "MSH" and fields[1] is MSH-2, so MSH-n is fields[n - 1].
    let msh9 = fields.get(8).copied().unwrap_or_default();
    let msh12 = fields.get(11).copied().unwrap_or_default();
    let version = msh12
        .split(component_sep)
        .next()
        .unwrap_or_default()
        .trim()
        .to_owned();
    Ok((
        msh9.split(component_sep).map(str::to_owned).collect(),
        version,
    ))
}

/// The schema folder for `version`, or the nearest lower one (docs/conformance.md §1).
fn version_dir(schemas: &Path, version: &str) -> Result<std::path::PathBuf> {
    let wanted = load::version_key(&format!("v{version}"))
        .with_context(|| format!("MSH-12 `{version}` is not a v2 version"))?;
    let dirs = load::version_dirs(schemas)?;
    dirs.into_iter()
        .rfind(|d| {
            load::version_key(&d.file_name().unwrap_or_default().to_string_lossy())
                .is_some_and(|k| k <= wanted)
        })
        .with_context(|| format!("no schema at or below version {version}"))
}

pub fn run(schemas: &Path, file: &Path) -> Result<String> {
    let text = std::fs::read(file).with_context(|| format!("reading {}", file.display()))?;
    let text = String::from_utf8_lossy(&text);
    let (msh9, version) = msh(&text)?;
    let dir = version_dir(schemas, &version)?;
    let (schema, _) = load::load_version(&dir).map_err(|f| {
        anyhow::anyhow!(
            f.iter()
                .map(ToString::to_string)
                .collect::<Vec<_>>()
                .join("\n")
        )
    })?;
    let get = |i: usize| msh9.get(i).map(String::as_str).unwrap_or_default();
    let id = schema
        .resolve_structure(get(0), get(1), msh9.get(2).map(String::as_str))
        .with_context(|| {
            format!(
                "{}: no structure for MSH-9 `{}`",
                schema.version,
                msh9.join("^")
            )
        })?;
    Ok(render(&schema, id))
}

fn render(schema: &VersionSchema, id: &str) -> String {
    let st = &schema.structures[id];
    let mut out = format!("{id} ({}): {}\n", schema.version, st.name);
    fn card(c: Card) -> String {
        if c == Card::ONE {
            String::new()
        } else {
            format!(" [{c}]")
        }
    }
    fn body(out: &mut String, schema: &VersionSchema, items: &[Item], depth: usize) {
        let pad = "  ".repeat(depth);
        for item in items {
            match item {
                Item::Segment(s) => {
                    let name = schema
                        .segments
                        .get(&s.segment)
                        .map_or("any segment", |seg| seg.name.as_str());
                    let _ = writeln!(out, "{pad}{}{}  {name}", s.segment, card(s.card));
                }
                Item::Group(g) => {
                    let _ = writeln!(
                        out,
                        "{pad}{}{}{}",
                        g.name,
                        card(g.card),
                        if g.choice { " (one of)" } else { "" }
                    );
                    body(out, schema, &g.body, depth + 1);
                }
            }
        }
    }
    body(&mut out, schema, &st.body, 1);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reads_delimiters_from_the_message() {
        let (msh9, v) = msh("MSH$%#!($A$B$C$D$E$$ORU%R01%ORU_R01$1$P$2.5.1%x\rPID$1").unwrap();
        assert_eq!(msh9, ["ORU", "R01", "ORU_R01"]);
        assert_eq!(v, "2.5.1");
    }

    #[test]
    fn bundled_example_resolves_to_oru_r01() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("..");
        let out = run(&root.join("schemas"), &root.join("examples/oru_r01.hl7")).unwrap();
        assert!(out.starts_with("ORU_R01 (v2.5): "), "{out}");
        assert!(
            out.contains("\n      OBSERVATION [0..*]\n        OBX  "),
            "{out}"
        );
    }
}
