//! Merging the sources into one [`VersionSchema`] per version, by the rules written in
//! `schemas/README.md` ("Merge rules"). Every decision that overrides or drops what a source
//! says is recorded in the [`Log`].

use std::collections::{BTreeMap, BTreeSet};

use heck::ToTitleCase;
use hl7_codegen::schema::{
    ANY_SEGMENT, Card, Component, Composite, Field, Group, Item, Max, Primitive, Segment,
    SegmentRef, Structure, Table, TableValue, Usage, VARIES, VersionSchema,
};
use indexmap::IndexMap;

use super::dictionary as dict;
use super::hl7apy as apy;

/// One merge decision, for the report.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
pub struct Note {
    pub version: String,
    pub kind: &'static str,
    pub item: String,
    pub detail: String,
}

#[derive(Debug, Default)]
pub struct Log {
    pub notes: Vec<Note>,
}

impl Log {
    fn note(
        &mut self,
        version: &str,
        kind: &'static str,
        item: impl Into<String>,
        detail: impl Into<String>,
    ) {
        self.notes.push(Note {
            version: version.to_owned(),
            kind,
            item: item.into(),
            detail: detail.into(),
        });
    }
}

/// Names of primitive datatypes, from HL7 v2 chapter 2A, for primitives that hl7-dictionary does
/// not name in a version.
/// hl7apy's pseudo segment standing for "any HL7 segment".
const APY_ANY_SEGMENT: &str = "ANYHL7SEGMENT";

const PRIMITIVE_NAMES: &[(&str, &str)] = &[
    ("CM", "Composite (miscellaneous)"),
    ("DT", "Date"),
    ("DTM", "Date/Time"),
    ("FT", "Formatted Text Data"),
    ("GTS", "General Timing Specification"),
    ("ID", "Coded Value for HL7 Defined Tables"),
    ("IS", "Coded Value for User-Defined Tables"),
    ("NM", "Numeric"),
    ("SI", "Sequence ID"),
    ("ST", "String Data"),
    ("TM", "Time"),
    ("TN", "Telephone Number"),
    ("TS", "Time Stamp"),
    ("TX", "Text Data"),
    ("WD", "Withdrawn"),
];

/// Inputs for one version.
pub struct Sources<'a> {
    /// Schema folder name, `v2.5`.
    pub version: &'a str,
    pub apy: &'a apy::Version,
    /// Which hl7apy version `apy` is (differs from `version` for 2.7.1).
    pub apy_version: &'a str,
    pub dict: Option<&'a dict::Version>,
    /// hl7-dictionary's newest version at or below this one, for the names of segments,
    /// datatypes and structures that `dict` lacks (2.8 and later have no hl7-dictionary data).
    pub names: Option<&'a dict::Version>,
    pub dict_tables: &'a IndexMap<String, dict::Table>,
    /// Contents of `xtask/data/eventmaps/<ver>.properties`, and which file it was.
    pub eventmap: Option<(&'a str, &'a str)>,
}

fn title(long_name: &str) -> String {
    long_name.to_title_case()
}

fn clean(desc: &Option<String>) -> Option<String> {
    desc.as_deref()
        .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|d| !d.is_empty())
}

fn usage_of(opt: Option<u32>) -> Option<Usage> {
    match opt? {
        1 => Some(Usage::O),
        2 => Some(Usage::R),
        3 => Some(Usage::C),
        4 => Some(Usage::B),
        _ => None,
    }
}

fn same_datatype(a: &str, b: &str) -> bool {
    let norm = |s: &str| {
        if s.eq_ignore_ascii_case(VARIES) || s == "*" {
            VARIES.to_owned()
        } else {
            s.to_owned()
        }
    };
    norm(a) == norm(b)
}

fn card(min: u32, max: Option<u32>) -> Card {
    Card {
        min,
        max: max.map_or(Max::Unbounded, Max::Bounded),
    }
}

fn dict_max(rep: Option<u32>) -> Option<Max> {
    rep.map(|r| {
        if r == 0 {
            Max::Unbounded
        } else {
            Max::Bounded(r)
        }
    })
}

struct Merger<'a> {
    src: &'a Sources<'a>,
    log: &'a mut Log,
    /// How often each hl7apy group definition is used by the structures.
    group_uses: BTreeMap<String, usize>,
}

/// Merges one version.
pub fn merge(src: &Sources, log: &mut Log) -> VersionSchema {
    let mut m = Merger {
        src,
        log,
        group_uses: BTreeMap::new(),
    };
    let mut schema = VersionSchema {
        version: src.version.to_owned(),
        ..Default::default()
    };
    if src.apy_version != src.version {
        m.note(
            "source",
            src.version,
            format!("hl7apy has no {0}; structures, segments, datatypes and tables are hl7apy's {1}, overlaid with hl7-dictionary's {0}", src.version, src.apy_version),
        );
    }
    for (entry, what) in &src.apy.quirks {
        m.note("hl7apy quirk", entry.as_str(), what.as_str());
    }
    schema.segments = m.segments();
    schema.datatypes.composites = m.composites();
    schema.datatypes.primitives = m.primitives(&schema);
    schema.structures = m.structures();
    schema.events = m.events(&schema.structures);
    schema.tables = m.tables(&schema);
    schema
}

impl Merger<'_> {
    fn note(&mut self, kind: &'static str, item: impl Into<String>, detail: impl Into<String>) {
        let version = self.src.version;
        self.log.note(version, kind, item, detail);
    }

    /// Merges one field or component: hl7apy's entry `leaf` with hl7-dictionary's `d`.
    #[allow(clippy::too_many_arguments)]
    fn element(
        &mut self,
        what: &str,
        leaf: &apy::Leaf,
        min: u32,
        max: Option<u32>,
        d: Option<&dict::Element>,
    ) -> (String, String, Usage, Card, Option<u32>, Option<String>) {
        let mut name = d
            .and_then(|d| clean(&d.desc))
            .unwrap_or_else(|| title(&leaf.long_name));
        if name.is_empty() {
            let from_table = leaf
                .table
                .as_ref()
                .and_then(|t| self.src.dict_tables.get(t))
                .and_then(|t| clean(&t.desc));
            name = from_table.unwrap_or_else(|| {
                format!("Component {}", what.rsplit(['.', '-']).next().unwrap_or(""))
            });
            self.note(
                "name",
                what,
                format!("no source names it: named `{name}` after its table or position"),
            );
        }
        let mut datatype = leaf.datatype.clone();
        if datatype.eq_ignore_ascii_case(VARIES) {
            datatype = VARIES.to_owned();
        } else if datatype.chars().any(|c| c.is_ascii_lowercase()) {
            let upper = datatype.to_ascii_uppercase();
            self.note(
                "datatype",
                what,
                format!("hl7apy `{datatype}`: written {upper}"),
            );
            datatype = upper;
        }
        let mut table = leaf.table.clone();
        let mut usage = if min > 0 { Usage::R } else { Usage::O };
        let mut c = card(min, max);
        // hl7apy marks withdrawn fields with a maximum of 0.
        let withdrawn = max == Some(0);
        if withdrawn {
            c = Card::OPTIONAL;
            self.note(
                "withdrawn",
                what,
                "hl7apy cardinality 0..0 (withdrawn): card 0..1, usage X",
            );
        }
        let mut len = leaf.len;
        if datatype.is_empty() {
            datatype = match d {
                Some(d) if !d.datatype.is_empty() => d.datatype.clone(),
                _ => "ST".to_owned(),
            };
            self.note(
                "datatype",
                what,
                format!("hl7apy gives no datatype: {datatype} (hl7-dictionary's, else ST)"),
            );
        } else if let Some(d) = d
            && !same_datatype(&d.datatype, &datatype)
        {
            self.note(
                "datatype",
                what,
                format!(
                    "hl7apy {datatype}, hl7-dictionary {}: kept hl7apy",
                    d.datatype
                ),
            );
        }
        if let Some(d) = d {
            if let Some(dt) = d.table.map(|t| dict::table_id(&t.to_string())) {
                match &table {
                    None => table = Some(dt),
                    Some(t) if *t != dt => {
                        self.note(
                            "table",
                            what,
                            format!("hl7apy {t}, hl7-dictionary {dt}: kept hl7apy"),
                        );
                    }
                    _ => {}
                }
            }
            if let Some(u) = usage_of(d.opt) {
                usage = u;
            }
            if withdrawn {
                usage = Usage::X;
            }
            if let Some(dmax) = dict_max(d.rep)
                && dmax != c.max
                && what.contains('-')
            {
                let dcard = Card {
                    min: c.min,
                    max: dmax,
                };
                self.note(
                    "repetition",
                    what,
                    format!("hl7apy {c}, hl7-dictionary {dcard}: kept hl7apy"),
                );
            }
            if d.len.is_some() {
                len = d.len;
            }
        }
        (name, datatype, usage, c, len, table)
    }

    fn segments(&mut self) -> IndexMap<String, Segment> {
        let src = self.src;
        let mut out = IndexMap::new();
        let mut ids: Vec<&String> = src.apy.segments.keys().collect();
        ids.sort();
        for id in ids {
            if id == APY_ANY_SEGMENT {
                self.note(
                    "pseudo",
                    id.as_str(),
                    "hl7apy's stand-in for any segment: not a segment; structures write it as `*`",
                );
                continue;
            }
            let children = &src.apy.segments[id];
            let d = src.dict.and_then(|d| d.segments.get(id));
            let older = src
                .names
                .and_then(|n| n.segments.get(id))
                .and_then(|s| clean(&s.desc));
            let name = d.and_then(|d| clean(&d.desc)).or(older).unwrap_or_else(|| {
                self.note(
                    "name",
                    id.as_str(),
                    "no source names the segment: named by its id",
                );
                id.clone()
            });
            let mut fields = Vec::new();
            for (i, child) in children.iter().enumerate() {
                let what = format!("{id}-{}", i + 1);
                let Some(leaf) = src.apy.fields.get(&child.name) else {
                    self.note(
                        "dropped",
                        what,
                        format!("hl7apy lists field {} without defining it", child.name),
                    );
                    continue;
                };
                let df = d.and_then(|d| d.fields.get(i));
                let (name, datatype, usage, card, len, table) =
                    self.element(&what, leaf, child.min, child.max, df);
                fields.push(Field {
                    seq: i as u32 + 1,
                    name,
                    datatype,
                    usage,
                    card,
                    len,
                    table,
                    item: None,
                    desc: None,
                });
            }
            if let Some(d) = d
                && d.fields.len() > fields.len()
            {
                for (i, df) in d.fields.iter().enumerate().skip(fields.len()) {
                    let what = format!("{id}-{}", i + 1);
                    self.note(
                        "added",
                        what.as_str(),
                        "field only in hl7-dictionary: added from it",
                    );
                    let max = dict_max(df.rep).unwrap_or(Max::Bounded(1));
                    let usage = usage_of(df.opt).unwrap_or(Usage::O);
                    fields.push(Field {
                        seq: i as u32 + 1,
                        name: clean(&df.desc).unwrap_or_else(|| what.clone()),
                        datatype: if same_datatype(&df.datatype, VARIES) {
                            VARIES.to_owned()
                        } else {
                            df.datatype.clone()
                        },
                        usage,
                        card: Card {
                            min: u32::from(usage == Usage::R),
                            max,
                        },
                        len: df.len,
                        table: df.table.map(|t| dict::table_id(&t.to_string())),
                        item: None,
                        desc: None,
                    });
                }
            }
            out.insert(id.clone(), Segment { name, fields });
        }
        if let Some(d) = src.dict {
            for id in d.segments.keys() {
                if !out.contains_key(id) {
                    self.note(
                        "not imported",
                        id.as_str(),
                        "segment only in hl7-dictionary: no hl7apy structure uses it",
                    );
                }
            }
        }
        out
    }

    fn composites(&mut self) -> IndexMap<String, Composite> {
        let src = self.src;
        let mut out = IndexMap::new();
        let mut ids: Vec<&String> = src.apy.composites.keys().collect();
        ids.sort();
        for id in ids {
            let d = src.dict.and_then(|d| d.datatypes.get(id));
            let older = src
                .names
                .and_then(|n| n.datatypes.get(id))
                .and_then(|t| clean(&t.desc));
            let name = d.and_then(|d| clean(&d.desc)).or(older).unwrap_or_else(|| {
                self.note(
                    "name",
                    id.as_str(),
                    "no source names the datatype: named by its id",
                );
                id.clone()
            });
            let mut components = Vec::new();
            for (i, child) in src.apy.composites[id].iter().enumerate() {
                let what = format!("{id}.{}", i + 1);
                let Some(leaf) = src.apy.components.get(&child.name) else {
                    self.note(
                        "dropped",
                        what,
                        format!("hl7apy lists component {} without defining it", child.name),
                    );
                    continue;
                };
                let dc = d.and_then(|d| d.subfields.get(i));
                let (name, datatype, usage, _card, len, table) =
                    self.element(&what, leaf, 0, Some(1), dc);
                components.push(Component {
                    seq: i as u32 + 1,
                    name,
                    datatype,
                    usage,
                    len,
                    table,
                });
            }
            out.insert(id.clone(), Composite { name, components });
        }
        out
    }

    fn primitives(&mut self, schema: &VersionSchema) -> IndexMap<String, Primitive> {
        let mut used = BTreeSet::new();
        for s in schema.segments.values() {
            used.extend(s.fields.iter().map(|f| f.datatype.clone()));
        }
        for c in schema.datatypes.composites.values() {
            used.extend(c.components.iter().map(|c| c.datatype.clone()));
        }
        let mut out = IndexMap::new();
        for id in used {
            if id == VARIES || schema.datatypes.composites.contains_key(&id) {
                continue;
            }
            let d = self
                .src
                .dict
                .or(self.src.names)
                .and_then(|d| d.datatypes.get(&id))
                .and_then(|d| clean(&d.desc));
            let builtin = PRIMITIVE_NAMES
                .iter()
                .find(|(k, _)| *k == id)
                .map(|(_, n)| (*n).to_owned());
            let name = d.or(builtin).unwrap_or_else(|| {
                self.note(
                    "name",
                    id.as_str(),
                    "no source names the datatype: named by its id",
                );
                id.clone()
            });
            out.insert(id, Primitive { name });
        }
        out
    }

    fn structures(&mut self) -> IndexMap<String, Structure> {
        let src = self.src;
        let mut out = IndexMap::new();
        let mut ids: Vec<&String> = src.apy.messages.keys().collect();
        ids.sort();
        for id in ids {
            let name = src
                .dict
                .or(src.names)
                .and_then(|d| d.messages.get(id))
                .and_then(|m| clean(&m.desc))
                .or_else(|| self.event_name(id))
                .unwrap_or_else(|| {
                    self.note(
                        "name",
                        id.as_str(),
                        "no source describes the structure: named by its id",
                    );
                    id.clone()
                });
            let mut stack = Vec::new();
            let body = self.body(id, &src.apy.messages[id], &mut stack);
            out.insert(id.clone(), Structure { name, body });
        }
        let unused: Vec<&str> = src
            .apy
            .groups
            .keys()
            .filter(|g| !self.group_uses.contains_key(*g))
            .map(String::as_str)
            .collect();
        if !unused.is_empty() {
            let detail = format!(
                "hl7apy defines them, no structure uses them: not written: {}",
                unused.join(", ")
            );
            self.note("group", format!("{} unused", unused.len()), detail);
        }
        let reused: Vec<String> = self
            .group_uses
            .iter()
            .filter(|(_, n)| **n > 1)
            .map(|(g, n)| format!("{g} ({n}×)"))
            .collect();
        if !reused.is_empty() {
            let detail = format!(
                "one hl7apy definition used at several places, each counted as a group: {}",
                reused.join(", ")
            );
            self.note("group", format!("{} reused", reused.len()), detail);
        }
        out
    }

    /// The description of a structure's trigger event in table 0003, for structures that
    /// hl7-dictionary does not describe.
    fn event_name(&self, structure: &str) -> Option<String> {
        let (_, event) = structure.split_once('_')?;
        let t = self.src.dict_tables.get("0003")?;
        t.values
            .get(event)
            .map(|d| d.split_whitespace().collect::<Vec<_>>().join(" "))
    }

    fn body(
        &mut self,
        structure: &str,
        children: &[apy::Child],
        stack: &mut Vec<String>,
    ) -> Vec<Item> {
        let mut items = Vec::new();
        for child in children {
            let c = card(child.min, child.max);
            match child.kind.as_str() {
                "SEG" if child.name == APY_ANY_SEGMENT => items.push(Item::Segment(SegmentRef {
                    segment: ANY_SEGMENT.to_owned(),
                    card: c,
                })),
                "SEG" => items.push(Item::Segment(SegmentRef {
                    segment: child.name.clone(),
                    card: c,
                })),
                "GRP" => {
                    let Some(def) = self.src.apy.groups.get(&child.name) else {
                        self.note(
                            "dropped",
                            format!("{structure}/{}", child.name),
                            "group used but not defined in hl7apy",
                        );
                        continue;
                    };
                    *self.group_uses.entry(child.name.clone()).or_default() += 1;
                    if stack.contains(&child.name) {
                        self.note(
                            "dropped",
                            format!("{structure}/{}", child.name),
                            "group contains itself",
                        );
                        continue;
                    }
                    let name = match child.name.strip_prefix(&format!("{structure}_")) {
                        Some(n) => n.to_owned(),
                        None => {
                            let short = child
                                .name
                                .splitn(3, '_')
                                .nth(2)
                                .unwrap_or(&child.name)
                                .to_owned();
                            self.note(
                                "group",
                                format!("{structure}/{}", child.name),
                                format!("hl7apy group of another structure reused: named {short}"),
                            );
                            short
                        }
                    };
                    stack.push(child.name.clone());
                    let mut body = self.body(structure, def, stack);
                    stack.pop();
                    if body.is_empty() {
                        self.note(
                            "group",
                            format!("{structure}/{name}"),
                            "hl7apy leaves the group empty where the standard has any segments (Hxx): body `*` 1..*",
                        );
                        body.push(Item::Segment(SegmentRef {
                            segment: ANY_SEGMENT.to_owned(),
                            card: Card::MANY,
                        }));
                    }
                    let choice = self.src.apy.choices.contains(&child.name);
                    items.push(Item::Group(Group {
                        name,
                        card: c,
                        choice,
                        body,
                    }));
                }
                other => {
                    self.note(
                        "dropped",
                        format!("{structure}/{}", child.name),
                        format!("unknown entry kind {other}"),
                    );
                }
            }
        }
        items
    }

    fn events(&mut self, structures: &IndexMap<String, Structure>) -> IndexMap<String, String> {
        let mut map = BTreeMap::new();
        match self.src.eventmap {
            Some((text, file)) => {
                for line in text.lines() {
                    let line = line.split('#').next().unwrap_or("").trim();
                    let mut parts = line.split_whitespace();
                    let (Some(ev), Some(st)) = (parts.next(), parts.next()) else {
                        continue;
                    };
                    let Some((typ, trig)) = ev
                        .split_once('_')
                        .filter(|(_, t)| !t.chars().any(|c| c.is_ascii_lowercase()))
                    else {
                        self.note("event", ev, format!("{file}: not TYPE_EVENT with a trigger event code, skipped (messages of that type resolve by type alone)"));
                        continue;
                    };
                    if !structures.contains_key(st) {
                        self.note(
                            "event",
                            format!("{typ}^{trig}"),
                            format!(
                                "{file} maps it to {st}, which hl7apy does not define: dropped"
                            ),
                        );
                        continue;
                    }
                    map.insert(format!("{typ}^{trig}"), st.to_owned());
                }
            }
            None => {
                // 2.1 and 2.2 name a structure for every trigger event.
                for id in structures.keys() {
                    if let Some((typ, trig)) = id.split_once('_') {
                        map.insert(format!("{typ}^{trig}"), id.clone());
                    }
                }
            }
        }
        self.cross_check_0354(&map);
        map.into_iter().collect()
    }

    /// Compares the event map with hl7-dictionary's table 0354 (structure → events).
    fn cross_check_0354(&mut self, map: &BTreeMap<String, String>) {
        let Some(t) = self.src.dict_tables.get("0354") else {
            return;
        };
        if self.src.eventmap.is_none() {
            return;
        }
        for (key, st) in map {
            let Some((typ, trig)) = key.split_once('^') else {
                continue;
            };
            let listed = |s: &str| {
                t.values
                    .get(s)
                    .is_some_and(|evs| evs.split([',', ' ']).any(|e| e.trim() == trig))
            };
            if t.values.contains_key(st) && !listed(st) {
                let other: Vec<&String> = t
                    .values
                    .keys()
                    .filter(|s| s.starts_with(typ) && listed(s))
                    .collect();
                let detail = match other.as_slice() {
                    [] => {
                        format!("event map: {st}; table 0354 lists {trig} under no {typ} structure")
                    }
                    o => format!(
                        "event map: {st}; table 0354: {}",
                        o.iter().map(|s| s.as_str()).collect::<Vec<_>>().join(", ")
                    ),
                };
                self.note("0354", key.as_str(), detail);
            }
        }
    }

    fn tables(&mut self, schema: &VersionSchema) -> IndexMap<String, Table> {
        let mut referenced = BTreeSet::new();
        for s in schema.segments.values() {
            referenced.extend(s.fields.iter().filter_map(|f| f.table.clone()));
        }
        for c in schema.datatypes.composites.values() {
            referenced.extend(c.components.iter().filter_map(|c| c.table.clone()));
        }
        let ids: BTreeSet<String> = referenced
            .iter()
            .cloned()
            .chain(self.src.apy.tables.keys().cloned())
            .collect();
        let mut out = IndexMap::new();
        let mut undefined = Vec::new();
        for id in ids {
            let d = self.src.dict_tables.get(&id);
            let table = match self.src.apy.tables.get(&id) {
                Some((name, codes)) => {
                    let mut seen = BTreeSet::new();
                    let values = codes
                        .iter()
                        .filter(|c| {
                            let fresh = seen.insert(c.to_string());
                            if !fresh {
                                self.note(
                                    "table",
                                    format!("{id}/{c}"),
                                    "code listed twice by hl7apy: kept once",
                                );
                            }
                            fresh
                        })
                        .map(|c| TableValue {
                            code: c.clone(),
                            desc: d
                                .and_then(|d| d.values.get(c))
                                .and_then(|s| clean(&Some(s.clone()))),
                        })
                        .collect();
                    let name =
                        clean(&Some(name.clone())).or_else(|| d.and_then(|d| clean(&d.desc)));
                    Table { name, values }
                }
                None => match d {
                    Some(d) => Table {
                        name: clean(&d.desc),
                        values: d
                            .values
                            .iter()
                            .map(|(c, s)| TableValue {
                                code: c.clone(),
                                desc: clean(&Some(s.clone())),
                            })
                            .collect(),
                    },
                    None => {
                        undefined.push(id.clone());
                        Table::default()
                    }
                },
            };
            out.insert(id, table);
        }
        // Table 0104 (version ID) must accept the version's own MSH-12: some sources stop a
        // release or two short of the version they describe.
        if let Some(t) = out.get_mut("0104") {
            let own = super::VERSIONS
                .iter()
                .position(|v| *v == self.src.version)
                .map_or(0, |i| i + 1);
            let mut added = Vec::new();
            for v in &super::VERSIONS[..own] {
                let code = v.trim_start_matches('v');
                if !t.values.iter().any(|x| x.code == code) {
                    t.values.push(TableValue {
                        code: code.to_owned(),
                        desc: Some(format!("Release {code}")),
                    });
                    added.push(code);
                }
            }
            if !added.is_empty() {
                self.note(
                    "table",
                    "0104",
                    format!(
                        "releases up to this version's own missing from the sources: added {}",
                        added.join(", ")
                    ),
                );
            }
        }
        if !undefined.is_empty() {
            self.note(
                "table",
                format!("{} tables", undefined.len()),
                format!(
                    "referenced, but no source defines them (user-defined tables, whose values are site-specific): added without name or values: {}",
                    undefined.join(", ")
                ),
            );
        }
        out
    }
}
