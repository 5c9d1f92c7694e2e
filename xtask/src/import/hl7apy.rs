//! hl7apy's per-version definition modules (`hl7apy/v2_5/*.py`), read into plain Rust data.

use std::collections::BTreeMap;

use anyhow::{Context, Result, bail};
use indexmap::IndexMap;

use super::pylit::{Py, assignments};

/// An entry of a sequence: a segment or group of a message/group, a field of a segment, or a
/// component of a datatype.
#[derive(Debug, Clone)]
pub struct Child {
    pub name: String,
    pub min: u32,
    /// `None` for unbounded (hl7apy's `-1`).
    pub max: Option<u32>,
    /// `SEG`, `GRP`, `FIE`, `CMP`.
    pub kind: String,
}

/// A field or component definition: `('leaf', None, 'ST', 'STREET_ADDRESS', 'HL70190', -1)`.
#[derive(Debug, Clone)]
pub struct Leaf {
    pub datatype: String,
    pub long_name: String,
    /// Table id without the `HL7` prefix (`0190`).
    pub table: Option<String>,
    pub len: Option<u32>,
}

#[derive(Debug, Default)]
pub struct Version {
    pub messages: IndexMap<String, Vec<Child>>,
    pub groups: IndexMap<String, Vec<Child>>,
    /// Groups defined as a `'choice'` of their children rather than a `'sequence'`.
    pub choices: std::collections::BTreeSet<String>,
    pub segments: IndexMap<String, Vec<Child>>,
    pub fields: IndexMap<String, Leaf>,
    /// Components (`CE_1`).
    pub components: IndexMap<String, Leaf>,
    /// Composite datatypes and their components.
    pub composites: IndexMap<String, Vec<Child>>,
    /// Table id (`0001`) → (name, codes); empty for versions without `tables.py`.
    pub tables: IndexMap<String, (String, Vec<String>)>,
    /// Malformed entries read anyway: (entry, what was done).
    pub quirks: Vec<(String, String)>,
}

/// The hl7apy module folder for a schema version (`v2.3.1` → `v2_3_1`).
pub fn module_dir(version: &str) -> String {
    version.replace('.', "_")
}

/// Reads version `module` (`v2_5`) from the wheel's files.
pub fn read(files: &BTreeMap<String, String>, module: &str) -> Result<Version> {
    let file = |name: &str| -> Result<Option<IndexMap<String, Py>>> {
        match files.get(&format!("hl7apy/{module}/{name}.py")) {
            Some(src) => Ok(Some(
                assignments(src).with_context(|| format!("hl7apy/{module}/{name}.py"))?,
            )),
            None => Ok(None),
        }
    };
    let need = |name: &str| -> Result<IndexMap<String, Py>> {
        file(name)?.with_context(|| format!("hl7apy has no {module}/{name}.py"))
    };
    let mut v = Version::default();
    let messages = need("messages")?;
    for (k, val) in messages["MESSAGES"].str_dict()? {
        v.messages.insert(
            k.to_owned(),
            sequence(val).with_context(|| format!("message {k}"))?,
        );
    }
    let groups = need("groups")?;
    for (k, val) in groups["GROUPS"].str_dict()? {
        if matches!(val.seq(), Some([Py::Str(kind), _]) if kind == "choice") {
            v.choices.insert(k.to_owned());
        }
        v.groups.insert(
            k.to_owned(),
            sequence(val).with_context(|| format!("group {k}"))?,
        );
    }
    let segments = need("segments")?;
    for (k, val) in segments["SEGMENTS"].str_dict()? {
        v.segments.insert(
            k.to_owned(),
            sequence(val).with_context(|| format!("segment {k}"))?,
        );
    }
    let fields = need("fields")?;
    for (k, val) in fields["FIELDS"].str_dict()? {
        let (l, quirk) = leaf(val).with_context(|| format!("field {k}"))?;
        if let Some(q) = quirk {
            v.quirks.push((k.to_owned(), q));
        }
        v.fields.insert(k.to_owned(), l);
    }
    let datatypes = need("datatypes")?;
    for (k, val) in datatypes["DATATYPES"].str_dict()? {
        let (l, quirk) = leaf(val).with_context(|| format!("component {k}"))?;
        if let Some(q) = quirk {
            v.quirks.push((k.to_owned(), q));
        }
        v.components.insert(k.to_owned(), l);
    }
    for (k, val) in datatypes["DATATYPES_STRUCTS"].str_dict()? {
        let items = val
            .seq()
            .with_context(|| format!("datatype {k} is not a tuple"))?;
        v.composites.insert(
            k.to_owned(),
            items.iter().map(child).collect::<Result<_>>()?,
        );
    }
    if let Some(tables) = file("tables")? {
        for (k, val) in tables["TABLES"].str_dict()? {
            let id = k.strip_prefix("HL7").unwrap_or(k).to_owned();
            let t = val.seq().context("table is not a tuple")?;
            let name = t.first().and_then(Py::str).unwrap_or_default().to_owned();
            let codes = match t.get(1) {
                Some(Py::Seq(codes)) => codes
                    .iter()
                    .filter_map(|c| c.str().map(str::to_owned))
                    .collect(),
                _ => Vec::new(),
            };
            v.tables.insert(id, (name, codes));
        }
    }
    Ok(v)
}

/// `('sequence', (child, child, ...))`; a few definitions lack the `'sequence'` tag and are
/// just `((child, ...),)`.
fn sequence(v: &Py) -> Result<Vec<Child>> {
    match v.seq() {
        Some([Py::Str(kind), Py::Seq(items)]) if kind == "sequence" || kind == "choice" => {
            items.iter().map(child).collect()
        }
        Some([Py::Seq(items)]) if items.iter().all(|i| child(i).is_ok()) => {
            items.iter().map(child).collect()
        }
        // Withdrawn segments (QRD from 2.7) have no fields.
        Some([Py::Str(kind)]) if kind == "sequence" => Ok(Vec::new()),
        _ => bail!("not a ('sequence', (...)) definition: {v:?}"),
    }
}

/// `('PID_1', FIELDS['PID_1'], (0, 1), 'FIE')`
fn child(v: &Py) -> Result<Child> {
    let Some([name, _, Py::Seq(card), kind]) = v.seq() else {
        bail!("not a child entry: {v:?}")
    };
    let [min, max] = card.as_slice() else {
        bail!("bad cardinality in {v:?}")
    };
    let min = min.int().context("min")?;
    let max = max.int().context("max")?;
    Ok(Child {
        name: name.str().context("child name")?.to_owned(),
        min: u32::try_from(min)?,
        max: if max < 0 {
            None
        } else {
            Some(u32::try_from(max)?)
        },
        kind: kind.str().context("child kind")?.to_owned(),
    })
}

/// `('leaf' | 'sequence', ref, datatype, LONG_NAME, table, max_len)`, with a note when the
/// entry is malformed but readable (a few carry a second datatype before the name).
fn leaf(v: &Py) -> Result<(Leaf, Option<String>)> {
    let (dt, name, table, len, quirk) = match v.seq() {
        Some([_, _, dt, name, table, len]) => (dt, name, table, len, None),
        Some([_, _, dt, extra, name, table, len]) => {
            let q = format!(
                "entry names two datatypes, {} and {}: kept the first",
                dt.str().unwrap_or("?"),
                extra.str().unwrap_or("?")
            );
            (dt, name, table, len, Some(q))
        }
        _ => bail!("not a leaf entry: {v:?}"),
    };
    let leaf = Leaf {
        // A few withdrawn or reserved fields have no datatype: left empty for the merge.
        datatype: match dt {
            Py::None => String::new(),
            dt => dt.str().context("datatype")?.to_owned(),
        },
        long_name: name.str().context("long name")?.to_owned(),
        table: table
            .str()
            .map(|t| t.strip_prefix("HL7").unwrap_or(t).to_owned()),
        len: len
            .int()
            .and_then(|l| u32::try_from(l).ok())
            .filter(|&l| l > 0),
    };
    Ok((leaf, quirk))
}
