//! hl7-dictionary's per-version definitions (`lib/2.5/{segments,fields,messages}.js`) and its
//! shared table file (`lib/tables.js`). Each file is one JavaScript object literal in JSON
//! syntax, assigned to a variable.

use std::collections::BTreeMap;

use anyhow::{Context, Result};
use indexmap::IndexMap;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
pub struct Element {
    pub datatype: String,
    pub desc: Option<String>,
    /// 1 optional, 2 required, 3 conditional, 4 backward compatible.
    pub opt: Option<u32>,
    /// Maximum repetitions; 0 means unbounded.
    pub rep: Option<u32>,
    pub len: Option<u32>,
    pub table: Option<u32>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Segment {
    pub desc: Option<String>,
    pub fields: Vec<Element>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Datatype {
    pub desc: Option<String>,
    #[serde(default)]
    pub subfields: Vec<Element>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Message {
    pub desc: Option<String>,
}

#[derive(Debug, Default)]
pub struct Version {
    pub segments: IndexMap<String, Segment>,
    pub datatypes: IndexMap<String, Datatype>,
    pub messages: IndexMap<String, Message>,
}

#[derive(Debug, Clone, Deserialize)]
pub struct Table {
    pub desc: Option<String>,
    #[serde(default)]
    pub values: IndexMap<String, String>,
}

/// The object literal of a `var x = {...};` module.
fn object<T: serde::de::DeserializeOwned>(
    files: &BTreeMap<String, String>,
    path: &str,
) -> Result<T> {
    let src = files
        .get(path)
        .with_context(|| format!("hl7-dictionary has no {path}"))?;
    let start = src
        .find('{')
        .with_context(|| format!("no object in {path}"))?;
    let end = src
        .rfind('}')
        .with_context(|| format!("no object in {path}"))?;
    serde_json::from_str(&src[start..=end]).with_context(|| format!("parsing {path}"))
}

/// Whether the package defines `version` (`2.5`).
pub fn has_version(files: &BTreeMap<String, String>, version: &str) -> bool {
    files.contains_key(&format!("package/lib/{version}/segments.js"))
}

pub fn read(files: &BTreeMap<String, String>, version: &str) -> Result<Version> {
    Ok(Version {
        segments: object(files, &format!("package/lib/{version}/segments.js"))?,
        datatypes: object(files, &format!("package/lib/{version}/fields.js"))?,
        messages: object(files, &format!("package/lib/{version}/messages.js"))?,
    })
}

/// The shared tables, keyed by four-digit id (`0001`).
pub fn tables(files: &BTreeMap<String, String>) -> Result<IndexMap<String, Table>> {
    let raw: IndexMap<String, Table> = object(files, "package/lib/tables.js")?;
    Ok(raw.into_iter().map(|(k, v)| (table_id(&k), v)).collect())
}

/// `1` → `0001`.
pub fn table_id(n: &str) -> String {
    format!("{n:0>4}")
}
