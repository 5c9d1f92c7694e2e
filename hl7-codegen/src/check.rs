//! The schema checker: every rule a version folder must satisfy before code is generated
//! from it. Each finding names its file, line, what is wrong and what to fix.

use std::collections::{HashMap, HashSet};

use heck::ToSnakeCase;

use crate::load::{Finding, Rule, SchemaFile, Sources};
use crate::schema::{ANY_SEGMENT, Card, Group, Item, Max, VARIES, VersionSchema};

/// Checks `schema` and returns every finding (empty when the schema is sound).
pub fn check_version(schema: &VersionSchema, src: &Sources) -> Vec<Finding> {
    let mut c = Checker {
        schema,
        src,
        out: Vec::new(),
    };
    c.duplicate_keys();
    c.datatypes();
    c.segments();
    c.structures();
    c.events();
    c.tables();
    c.out
        .sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
    c.out
}

struct Checker<'a> {
    schema: &'a VersionSchema,
    src: &'a Sources,
    out: Vec<Finding>,
}

/// Whether `s` can be used in a Rust type name as it stands (`ORU_R01`, `XPN`,
/// `PATIENT_RESULT`, the standard's generic `QBP_Qnn`).
fn is_type_name(s: &str) -> bool {
    let mut chars = s.chars();
    matches!(chars.next(), Some(c) if c.is_ascii_uppercase())
        && chars.all(|c| c.is_ascii_alphanumeric() || c == '_')
}

/// Whether a descriptive name (`Set ID - PID`) turns into a snake-case identifier that starts
/// with a letter.
fn makes_identifier(name: &str) -> bool {
    let ascii: String = name
        .chars()
        .map(|c| if c.is_ascii_alphanumeric() { c } else { ' ' })
        .collect();
    let snake = ascii.to_snake_case();
    matches!(snake.chars().next(), Some(c) if c.is_ascii_alphabetic())
}

impl Checker<'_> {
    fn push<S: AsRef<str>>(
        &mut self,
        file: SchemaFile,
        path: &[S],
        rule: Rule,
        msg: String,
        fix: &str,
    ) {
        self.out.push(self.src.finding(file, path, rule, msg, fix));
    }

    fn duplicate_keys(&mut self) {
        for file in SchemaFile::ALL {
            let Some(idx) = self.src.index(file) else {
                continue;
            };
            for (path, line) in &idx.duplicate_keys {
                self.out.push(Finding {
                    file: self.src.path(file),
                    line: Some(*line),
                    rule: Rule::DuplicateName,
                    message: format!("`{}` is defined twice", path.join(".")),
                    fix: "keep one definition and delete or rename the other".into(),
                });
            }
        }
    }

    fn datatype_known(&self, id: &str) -> bool {
        id == VARIES
            || self.schema.datatypes.primitives.contains_key(id)
            || self.schema.datatypes.composites.contains_key(id)
    }

    fn card(&mut self, file: SchemaFile, path: &[String], what: &str, card: Card) {
        match card.max {
            Max::Bounded(max) if card.min > max => self.push(
                file,
                path,
                Rule::MinAboveMax,
                format!("{what} has cardinality {card}: min {} is above max {max}", card.min),
                "lower min or raise max (`*` for unbounded)",
            ),
            Max::Bounded(0) => self.push(
                file,
                path,
                Rule::MinAboveMax,
                format!("{what} has cardinality {card}: max 0 allows nothing"),
                "use a max of at least 1, or `*` for unbounded; delete the entry if it is not allowed",
            ),
            _ => {}
        }
    }

    fn table_ref(&mut self, file: SchemaFile, path: &[String], what: &str, table: &Option<String>) {
        if let Some(t) = table
            && !self.schema.tables.contains_key(t)
        {
            self.push(
                file,
                path,
                Rule::UnknownTable,
                format!("{what} names table `{t}`, which tables.yaml does not define"),
                "add the table to tables.yaml (values may be empty) or correct the id",
            );
        }
    }

    fn datatypes(&mut self) {
        let f = SchemaFile::Datatypes;
        let dts = &self.schema.datatypes;
        for id in dts.primitives.keys() {
            if dts.composites.contains_key(id) {
                self.push(
                    f,
                    &["composites".to_owned(), id.clone()],
                    Rule::DuplicateName,
                    format!("datatype `{id}` is both a primitive and a composite"),
                    "keep it in one of the two sections",
                );
            }
        }
        for (section, ids) in [
            ("primitives", dts.primitives.keys().collect::<Vec<_>>()),
            ("composites", dts.composites.keys().collect()),
        ] {
            for id in ids {
                if !is_type_name(id) {
                    self.push(
                        f,
                        &[section.to_owned(), id.clone()],
                        Rule::NotAnIdentifier,
                        format!("datatype id `{id}` cannot become a Rust type name"),
                        "use upper-case letters, digits and `_`, starting with a letter",
                    );
                }
            }
        }
        for (id, comp) in &dts.composites {
            let base = vec!["composites".to_owned(), id.clone()];
            if comp.components.is_empty() {
                self.push(
                    f,
                    &base,
                    Rule::EmptyGroup,
                    format!("composite `{id}` has no components"),
                    "list its components, or move it to `primitives`",
                );
            }
            for (i, c) in comp.components.iter().enumerate() {
                let path = [base.clone(), vec!["components".into(), i.to_string()]].concat();
                let what = format!("{id}.{}", c.seq);
                if c.seq as usize != i + 1 {
                    self.push(
                        f,
                        &path,
                        Rule::BadPosition,
                        format!("component {} of `{id}` has seq {}", i + 1, c.seq),
                        "number components 1, 2, 3 … in order, without gaps",
                    );
                }
                if !self.datatype_known(&c.datatype) {
                    self.push(
                        f,
                        &[path.clone(), vec!["type".into()]].concat(),
                        Rule::UnknownDatatype,
                        format!(
                            "{what} names datatype `{}`, which is not defined",
                            c.datatype
                        ),
                        "define the datatype in datatypes.yaml or correct the name",
                    );
                }
                if !makes_identifier(&c.name) {
                    self.push(
                        f,
                        &path,
                        Rule::NotAnIdentifier,
                        format!(
                            "{what} is named `{}`, which gives no Rust identifier",
                            c.name
                        ),
                        "give it a name that starts with a letter",
                    );
                }
                self.table_ref(
                    f,
                    &[path.clone(), vec!["table".into()]].concat(),
                    &what,
                    &c.table,
                );
            }
        }
    }

    fn segments(&mut self) {
        let f = SchemaFile::Segments;
        for (id, seg) in &self.schema.segments {
            let base = vec![id.clone()];
            if !(id.len() == 3 && is_type_name(id) && !id.contains('_')) {
                self.push(
                    f,
                    &base,
                    Rule::NotAnIdentifier,
                    format!("segment id `{id}` is not three upper-case letters or digits"),
                    "use the three-character segment id, e.g. PID or ZPI",
                );
            }
            for (i, fld) in seg.fields.iter().enumerate() {
                let path = [base.clone(), vec!["fields".into(), i.to_string()]].concat();
                let what = format!("{id}-{}", fld.seq);
                if fld.seq as usize != i + 1 {
                    self.push(
                        f,
                        &path,
                        Rule::BadPosition,
                        format!("field {} of `{id}` has seq {}", i + 1, fld.seq),
                        "number fields 1, 2, 3 … in order, without gaps",
                    );
                }
                if !self.datatype_known(&fld.datatype) {
                    self.push(
                        f,
                        &[path.clone(), vec!["type".into()]].concat(),
                        Rule::UnknownDatatype,
                        format!(
                            "{what} names datatype `{}`, which datatypes.yaml does not define",
                            fld.datatype
                        ),
                        "define the datatype in datatypes.yaml or correct the name",
                    );
                }
                if !makes_identifier(&fld.name) {
                    self.push(
                        f,
                        &path,
                        Rule::NotAnIdentifier,
                        format!(
                            "{what} is named `{}`, which gives no Rust identifier",
                            fld.name
                        ),
                        "give it a name that starts with a letter",
                    );
                }
                self.card(
                    f,
                    &[path.clone(), vec!["card".into()]].concat(),
                    &what,
                    fld.card,
                );
                self.table_ref(
                    f,
                    &[path.clone(), vec!["table".into()]].concat(),
                    &what,
                    &fld.table,
                );
            }
        }
    }

    fn structures(&mut self) {
        for (id, st) in &self.schema.structures {
            let base = vec![id.clone()];
            if !is_type_name(id) {
                self.push(
                    SchemaFile::Structures,
                    &base,
                    Rule::NotAnIdentifier,
                    format!("structure id `{id}` cannot become a Rust type name"),
                    "use upper-case letters, digits and `_`, e.g. ORU_R01",
                );
            }
            if st.body.is_empty() {
                self.push(
                    SchemaFile::Structures,
                    &base,
                    Rule::EmptyGroup,
                    format!("structure `{id}` has an empty body"),
                    "list its segments and groups",
                );
            }
            let mut groups: HashMap<String, &Group> = HashMap::new();
            self.items(
                id,
                &st.body,
                &[base, vec!["body".into()]].concat(),
                &mut groups,
            );
        }
    }

    /// Checks a body. A group name may recur in a structure only for the same definition (the
    /// standard reuses e.g. TIMING in two places), which then becomes one type.
    fn items<'s>(
        &mut self,
        structure: &str,
        items: &'s [Item],
        path: &[String],
        groups: &mut HashMap<String, &'s Group>,
    ) {
        let f = SchemaFile::Structures;
        for (i, item) in items.iter().enumerate() {
            let p = [path.to_vec(), vec![i.to_string()]].concat();
            match item {
                Item::Segment(s) => {
                    if s.segment != ANY_SEGMENT && !self.schema.segments.contains_key(&s.segment) {
                        self.push(
                            f,
                            &p,
                            Rule::UnknownSegment,
                            format!("`{structure}` uses segment `{}`, which segments.yaml does not define", s.segment),
                            "define the segment in segments.yaml or correct the id",
                        );
                    }
                    self.card(f, &p, &format!("`{}` in `{structure}`", s.segment), s.card);
                }
                Item::Group(g) => {
                    let what = format!("group `{}` in `{structure}`", g.name);
                    if !is_type_name(&g.name) {
                        self.push(
                            f,
                            &p,
                            Rule::NotAnIdentifier,
                            format!("{what} cannot become a Rust type name"),
                            "use upper-case letters, digits and `_`, as the standard names groups",
                        );
                    }
                    let first = *groups.entry(g.name.clone()).or_insert(g);
                    if first.body != g.body || first.choice != g.choice {
                        self.push(
                            f,
                            &p,
                            Rule::DuplicateName,
                            format!("{what} is defined more than once, differently"),
                            "give each differing group of a structure its own name",
                        );
                    }
                    if g.body.is_empty() {
                        self.push(
                            f,
                            &p,
                            Rule::EmptyGroup,
                            format!("{what} is empty"),
                            "list its segments or delete the group",
                        );
                    }
                    self.card(f, &p, &what, g.card);
                    self.items(
                        structure,
                        &g.body,
                        &[p.clone(), vec!["body".into()]].concat(),
                        groups,
                    );
                }
            }
        }
    }

    fn events(&mut self) {
        let f = SchemaFile::Events;
        for (key, structure) in &self.schema.events {
            let path = [key.clone()];
            let well_formed = key.split_once('^').is_some_and(|(t, e)| {
                is_type_name(t) && !t.contains('_') && !e.is_empty() && is_type_name(e)
            });
            if !well_formed {
                self.push(
                    f,
                    &path,
                    Rule::BadEventKey,
                    format!("event key `{key}` is not TYPE^EVENT"),
                    "write the message type and trigger event as in MSH-9, e.g. \"ADT^A04\"",
                );
            }
            if !self.schema.structures.contains_key(structure) {
                self.push(
                    f,
                    &path,
                    Rule::UnknownStructure,
                    format!("`{key}` maps to structure `{structure}`, which structures.yaml does not define"),
                    "define the structure or map the event to an existing one",
                );
            }
        }
    }

    fn tables(&mut self) {
        let f = SchemaFile::Tables;
        for (id, table) in &self.schema.tables {
            if id.is_empty() || !id.chars().all(|c| c.is_ascii_alphanumeric()) {
                self.push(
                    f,
                    std::slice::from_ref(id),
                    Rule::NotAnIdentifier,
                    format!("table id `{id}` is not letters and digits"),
                    "use the table number, four digits, e.g. \"0001\"",
                );
            }
            let mut seen = HashSet::new();
            for (i, v) in table.values.iter().enumerate() {
                if !seen.insert(v.code.as_str()) {
                    self.push(
                        f,
                        &[id.clone(), "values".into(), i.to_string()],
                        Rule::DuplicateName,
                        format!("table {id} lists code `{}` twice", v.code),
                        "keep one entry per code",
                    );
                }
            }
        }
    }
}
