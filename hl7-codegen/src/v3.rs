//! HL7 v3 data types, the NullFlavor code system and the coding-system OIDs, read from
//! `schemas/v3/` (`datatypes.yaml`, `nullflavor.yaml`, `codesystems.yaml`) and checked.
//!
//! [`load_and_check`] reads both files and returns every problem as a located
//! [`Finding`]. The rules reuse [`Rule`]:
//!
//! - [`Rule::Syntax`]: unreadable file, YAML or shape errors (unknown keys included), a type
//!   expression that does not parse, `derivation` without `parent` (or the reverse), and cycles
//!   (in type parents or in either nullFlavor hierarchy);
//! - [`Rule::UnknownDatatype`]: a parent or property type naming no defined type, simple type or
//!   type parameter, a generic used with the wrong number of arguments, a type other than ANY
//!   without a parent;
//! - [`Rule::UnknownTable`]: a nullFlavor `parent` or `subsumed_by` naming a code that the code
//!   system does not define (or, for an R1 code, a parent that is not an R1 code);
//! - [`Rule::DuplicateName`]: a key defined twice, two types with one long name, a type and a
//!   simple type with one id, a property or type parameter named twice, two codes with one
//!   display name;
//! - [`Rule::MinAboveMax`]: a property cardinality whose min is above its max (`0..0`, a
//!   property that a restriction prohibits, is allowed).

use std::collections::{HashMap, HashSet};
use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use indexmap::IndexMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::lines::LineIndex;
use crate::load::{Finding, Rule};
use crate::schema::{Card, Max};

/// File of the data types in the `schemas/v3` folder.
pub const DATATYPES_FILE: &str = "datatypes.yaml";
/// File of the NullFlavor code system in the `schemas/v3` folder.
pub const NULLFLAVOR_FILE: &str = "nullflavor.yaml";
/// File of the coding-system mnemonics and their OIDs in the `schemas/v3` folder.
pub const CODESYSTEMS_FILE: &str = "codesystems.yaml";
pub const CODETABLES_FILE: &str = "codetables.yaml";
/// The root of every type.
pub const ROOT_TYPE: &str = "ANY";

/// The files of `schemas/v3`.
#[derive(Debug, Clone, PartialEq)]
pub struct V3Schema {
    pub datatypes: Datatypes,
    pub null_flavors: NullFlavors,
    pub code_systems: CodeSystems,
    pub code_tables: CodeTables,
}

/// `codetables.yaml`: v2 table codes and the v3 values the mapping writes for them.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeTables {
    pub tables: IndexMap<String, CodeTable>,
}

/// One v2 table's mapping.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeTable {
    /// The v2 table number (`0200`).
    pub v2: String,
    /// What the values are (`EntityNameUse`, `URL scheme`).
    pub v3: String,
    /// v2 code → v3 value, each value once.
    pub rows: IndexMap<String, String>,
    /// v2 code → a value `rows` give to another code.
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub lossy: IndexMap<String, String>,
    /// `lossy` code → a v3 code written beside its value that tells it apart, so that it
    /// reads back as itself (equipment type CP: the use MC on a `tel:` URL).
    #[serde(default, skip_serializing_if = "IndexMap::is_empty")]
    pub marked: IndexMap<String, String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// The tables `hl7_v3::map` reads.
pub const REQUIRED_CODE_TABLES: &[&str] = &[
    "name_use",
    "representation",
    "address_use",
    "telecom_use",
    "equipment_type",
    "universal_id_type",
    "media_type",
    "priority",
];

fn check_code_tables(ct: &CodeTables, src: &Located) -> Vec<Finding> {
    let mut out = src.duplicate_keys();
    let at = |t: &str, k: &str| vec!["tables".to_owned(), t.to_owned(), k.to_owned()];
    for name in REQUIRED_CODE_TABLES {
        if !ct.tables.contains_key(*name) {
            out.push(src.finding(
                &["tables".to_owned()],
                Rule::Syntax,
                format!("code table `{name}` is missing; hl7_v3::map reads it"),
                "add it back",
            ));
        }
    }
    for (name, t) in &ct.tables {
        if !name.bytes().all(|b| b.is_ascii_lowercase() || b == b'_') || name.is_empty() {
            out.push(src.finding(
                &at(name, "v2"),
                Rule::Syntax,
                format!("code table name `{name}` is not snake_case"),
                "name it in lower case with underscores; it becomes a Rust constant",
            ));
        }
        if t.v2.len() != 4 || !t.v2.bytes().all(|b| b.is_ascii_digit()) {
            out.push(src.finding(
                &at(name, "v2"),
                Rule::Syntax,
                format!(
                    "code table `{name}` has v2 table `{}`, not four digits",
                    t.v2
                ),
                "write the v2 table number as four digits, quoted",
            ));
        }
        let mut seen = std::collections::HashSet::new();
        for (code, value) in &t.rows {
            if !seen.insert(value) {
                out.push(src.finding(
                    &at(name, "rows"),
                    Rule::Syntax,
                    format!("code table `{name}` maps `{code}` to `{value}`, which another row already has: the way back would be ambiguous"),
                    "move one of the two rows to `lossy`",
                ));
            }
        }
        for (code, value) in &t.lossy {
            if t.rows.contains_key(code) {
                out.push(src.finding(
                    &at(name, "lossy"),
                    Rule::Syntax,
                    format!("code table `{name}` lists `{code}` in both rows and lossy"),
                    "keep it in one of them",
                ));
            }
            if !t.rows.values().any(|v| v == value) {
                out.push(src.finding(
                    &at(name, "lossy"),
                    Rule::Syntax,
                    format!("code table `{name}` maps lossy `{code}` to `{value}`, which no row has, so it would read back as nothing"),
                    "move it to `rows`",
                ));
            }
        }
        for code in t.marked.keys() {
            if !t.lossy.contains_key(code) {
                out.push(src.finding(
                    &at(name, "marked"),
                    Rule::Syntax,
                    format!("code table `{name}` marks `{code}`, which is not a lossy code"),
                    "list it in `lossy`, or drop its marker",
                ));
            }
        }
    }
    out
}

/// `codesystems.yaml`: HL7 table 0396 mnemonics and their OIDs.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSystems {
    pub systems: IndexMap<String, CodingSystem>,
}

/// One coding system of table 0396.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodingSystem {
    pub name: String,
    pub oid: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub uri: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Whether `s` is an OID: `[0-2](\.(0|[1-9][0-9]*))*`.
pub fn is_oid(s: &str) -> bool {
    let mut arcs = s.split('.');
    matches!(arcs.next(), Some("0" | "1" | "2"))
        && arcs.all(|a| {
            !a.is_empty()
                && a.bytes().all(|b| b.is_ascii_digit())
                && (a == "0" || !a.starts_with('0'))
        })
}

fn check_code_systems(cs: &CodeSystems, src: &Located) -> Vec<Finding> {
    let mut out = src.duplicate_keys();
    for (m, sys) in &cs.systems {
        if !is_oid(&sys.oid) {
            out.push(src.finding(
                &["systems".to_owned(), m.clone(), "oid".to_owned()],
                Rule::Syntax,
                format!("coding system `{m}` has `{}`, which is not an OID", sys.oid),
                "write the OID as dot-separated numbers without leading zeros",
            ));
        }
    }
    out
}

/// `datatypes.yaml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Datatypes {
    /// XSD simple types of attribute values (`bl`, `cs`, `uid`, `ts` …).
    #[serde(default)]
    pub simple_types: IndexMap<String, SimpleType>,
    /// Data types by id (`ANY`, `CD`, `IVL` …).
    #[serde(default)]
    pub types: IndexMap<String, Datatype>,
    /// Instantiations of generic types that the XSD names (`IVL<TS>` is `IVL_TS`): the types an
    /// `xsi:type` may name besides the non-generic ones.
    #[serde(default)]
    pub instances: Vec<String>,
}

/// An XSD simple type used by attributes.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SimpleType {
    /// Its XSD definition, in words.
    pub xsd: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// One v3 data type.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Datatype {
    /// Long name (`Instance Identifier`).
    pub name: String,
    /// Type expression of the base type (`CD`, `SXCM<T>`, `T`); `None` only for ANY.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub parent: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub derivation: Option<Derivation>,
    /// Type parameters of a generic type (`[T]`, `[N, D]`).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub params: Vec<String>,
    #[serde(default, rename = "abstract")]
    pub is_abstract: bool,
    /// The element has character content besides its child elements.
    #[serde(default)]
    pub mixed: bool,
    /// Listed among the types in use (docs/conformance.md §7.3).
    #[serde(default)]
    pub in_use: bool,
    /// Properties this type declares or changes; inherited ones are not repeated.
    #[serde(default)]
    pub properties: Vec<Property>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

impl Datatype {
    /// Whether the type takes type parameters (`IVL<T>`).
    pub fn is_generic(&self) -> bool {
        !self.params.is_empty()
    }

    /// The property named `name` that this type declares.
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }
}

/// How a type is derived from its parent.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Derivation {
    /// XSD extension: adds properties.
    Extension,
    /// XSD restriction: narrows or prohibits properties.
    Restriction,
    /// Abstract-specification specialisation; no XSD complex type of its own.
    Specialisation,
}

/// One property of a type as the XML ITS carries it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Property {
    /// XML name (attribute or element name; `content` for character content).
    pub name: String,
    pub xml: XmlForm,
    /// Simple type, type expression or type parameter.
    #[serde(rename = "type")]
    pub datatype: String,
    /// Occurrences; `0..0` means prohibited by a restriction.
    pub card: Card,
    /// HL7 v3 vocabulary domain of a coded value.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub vocab: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub default: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub fixed: Option<String>,
    /// Name of the repeating `xs:choice` the element belongs to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub choice: Option<String>,
    /// Fixed `partType` of an address or name part element.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub part_type: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Where a property sits in XML.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum XmlForm {
    Attribute,
    Element,
    /// The element's character content.
    Text,
}

/// `nullflavor.yaml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NullFlavors {
    pub code_system: CodeSystem,
    pub codes: IndexMap<String, NullFlavor>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CodeSystem {
    pub name: String,
    pub oid: String,
}

/// One nullFlavor code.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NullFlavor {
    /// Print name.
    pub display: String,
    pub definition: String,
    /// Part of the R1/CDA code set.
    pub r1: bool,
    /// Parent in the R1/CDA hierarchy (docs/conformance.md §7.1); `None` for its roots and for
    /// non-R1 codes.
    #[serde(default)]
    pub parent: Option<String>,
    /// Parents in the current UTG hierarchy.
    #[serde(default)]
    pub subsumed_by: Vec<String>,
    /// In the CDA R2 schema's NullFlavor set.
    pub cda_r2: bool,
    /// In the ISO 21090 NullFlavor enumeration.
    pub iso21090: bool,
    pub status: CodeStatus,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CodeStatus {
    Active,
    Retired,
}

impl NullFlavors {
    /// The R1/CDA ancestors of `code`, nearest first (`NAV` → `[ASKU, UNK, NI]`).
    pub fn r1_ancestors(&self, code: &str) -> Vec<&str> {
        let mut out: Vec<&str> = Vec::new();
        let mut cur = self.codes.get(code).and_then(|c| c.parent.as_deref());
        while let Some(p) = cur {
            if p == code || out.contains(&p) {
                break;
            }
            out.push(p);
            cur = self.codes.get(p).and_then(|c| c.parent.as_deref());
        }
        out
    }

    /// Whether `code` is `general` or lies under it in the R1/CDA hierarchy.
    pub fn r1_implies(&self, code: &str, general: &str) -> bool {
        code == general || self.r1_ancestors(code).contains(&general)
    }
}

/// A parsed type expression: `TS`, `IVL<TS>`, `RTO<PQ, PQ>`, `SET<HXIT<T>>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct TypeExpr {
    pub name: String,
    pub args: Vec<TypeExpr>,
}

impl TypeExpr {
    /// Every name in the expression, outermost first.
    pub fn names(&self) -> Vec<&TypeExpr> {
        let mut out = vec![self];
        for a in &self.args {
            out.extend(a.names());
        }
        out
    }
}

impl fmt::Display for TypeExpr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)?;
        if !self.args.is_empty() {
            f.write_str("<")?;
            for (i, a) in self.args.iter().enumerate() {
                if i > 0 {
                    f.write_str(", ")?;
                }
                write!(f, "{a}")?;
            }
            f.write_str(">")?;
        }
        Ok(())
    }
}

/// Why a type expression did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("type expression `{0}` is not NAME or NAME<ARG, …>")]
pub struct TypeExprError(pub String);

impl FromStr for TypeExpr {
    type Err = TypeExprError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let chars: Vec<char> = s.chars().collect();
        let mut pos = 0;
        let expr = parse_expr(&chars, &mut pos).ok_or_else(|| TypeExprError(s.to_owned()))?;
        skip_ws(&chars, &mut pos);
        if pos == chars.len() {
            Ok(expr)
        } else {
            Err(TypeExprError(s.to_owned()))
        }
    }
}

fn skip_ws(c: &[char], pos: &mut usize) {
    while *pos < c.len() && c[*pos].is_whitespace() {
        *pos += 1;
    }
}

fn parse_expr(c: &[char], pos: &mut usize) -> Option<TypeExpr> {
    skip_ws(c, pos);
    let start = *pos;
    while *pos < c.len() && (c[*pos].is_ascii_alphanumeric() || c[*pos] == '_') {
        *pos += 1;
    }
    if *pos == start || !(c[start].is_ascii_alphabetic() || c[start] == '_') {
        return None;
    }
    let name: String = c[start..*pos].iter().collect();
    let mut args = Vec::new();
    skip_ws(c, pos);
    if *pos < c.len() && c[*pos] == '<' {
        *pos += 1;
        loop {
            args.push(parse_expr(c, pos)?);
            skip_ws(c, pos);
            match c.get(*pos) {
                Some(',') => *pos += 1,
                Some('>') => {
                    *pos += 1;
                    break;
                }
                _ => return None,
            }
        }
    }
    Some(TypeExpr { name, args })
}

/// A file's path and line index, to locate findings in it.
#[derive(Debug, Clone)]
pub(crate) struct Located {
    pub file: PathBuf,
    pub index: LineIndex,
}

impl Located {
    pub fn finding<S: AsRef<str>>(
        &self,
        path: &[S],
        rule: Rule,
        message: impl Into<String>,
        fix: impl Into<String>,
    ) -> Finding {
        Finding {
            file: self.file.clone(),
            line: self.index.line(path),
            rule,
            message: message.into(),
            fix: fix.into(),
        }
    }

    /// A [`Rule::DuplicateName`] finding for each mapping key defined twice.
    pub fn duplicate_keys(&self) -> Vec<Finding> {
        self.index
            .duplicate_keys
            .iter()
            .map(|(path, line)| Finding {
                file: self.file.clone(),
                line: Some(*line),
                rule: Rule::DuplicateName,
                message: format!("`{}` is defined twice", path.join(".")),
                fix: "keep one definition and delete or rename the other".into(),
            })
            .collect()
    }
}

/// Reads and deserialises one YAML file; a read or shape error becomes a [`Rule::Syntax`]
/// finding with the line serde reports.
pub(crate) fn read_yaml<T: DeserializeOwned>(
    path: &Path,
    fix: &str,
) -> Result<(T, Located), Finding> {
    let text = std::fs::read_to_string(path).map_err(|e| Finding {
        file: path.to_path_buf(),
        line: None,
        rule: Rule::Syntax,
        message: format!("cannot read the file: {e}"),
        fix: fix.to_owned(),
    })?;
    let located = Located {
        file: path.to_path_buf(),
        index: LineIndex::new(&text),
    };
    match serde_yaml_ng::from_str::<T>(&text) {
        Ok(v) => Ok((v, located)),
        Err(e) => Err(Finding {
            file: path.to_path_buf(),
            line: e.location().map(|l| l.line()),
            rule: Rule::Syntax,
            message: e.to_string(),
            fix: fix.to_owned(),
        }),
    }
}

/// Loads `dir/datatypes.yaml`, `dir/nullflavor.yaml`, `dir/codesystems.yaml` and
/// `dir/codetables.yaml` and checks them. Returns the schema
/// when there is no finding, otherwise every finding of every file, in file and line order.
pub fn load_and_check(dir: &Path) -> Result<V3Schema, Vec<Finding>> {
    let fix = "follow the layout described in the file's header comment";
    let dts = read_yaml::<Datatypes>(&dir.join(DATATYPES_FILE), fix);
    let nfs = read_yaml::<NullFlavors>(&dir.join(NULLFLAVOR_FILE), fix);
    let css = read_yaml::<CodeSystems>(&dir.join(CODESYSTEMS_FILE), fix);
    let cts = read_yaml::<CodeTables>(&dir.join(CODETABLES_FILE), fix);
    let mut findings = Vec::new();
    let (datatypes, null_flavors, code_systems, code_tables) = match (dts, nfs, css, cts) {
        (Ok(d), Ok(n), Ok(c), Ok(t)) => (d, n, c, t),
        (d, n, c, t) => {
            findings.extend(d.err());
            findings.extend(n.err());
            findings.extend(c.err());
            findings.extend(t.err());
            return Err(findings);
        }
    };
    findings.extend(check_datatypes(&datatypes.0, &datatypes.1));
    findings.extend(check_null_flavors(&null_flavors.0, &null_flavors.1));
    findings.extend(check_code_systems(&code_systems.0, &code_systems.1));
    findings.extend(check_code_tables(&code_tables.0, &code_tables.1));
    if findings.is_empty() {
        Ok(V3Schema {
            datatypes: datatypes.0,
            null_flavors: null_flavors.0,
            code_systems: code_systems.0,
            code_tables: code_tables.0,
        })
    } else {
        findings.sort_by(|a, b| (&a.file, a.line).cmp(&(&b.file, b.line)));
        Err(findings)
    }
}

/// Which kind of thing a name in a type expression resolved to.
enum Resolved {
    Type(usize),
    Simple,
    Param,
    Unknown,
}

fn resolve(dts: &Datatypes, params: &[String], name: &str) -> Resolved {
    if params.iter().any(|p| p == name) {
        Resolved::Param
    } else if let Some(t) = dts.types.get(name) {
        Resolved::Type(t.params.len())
    } else if dts.simple_types.contains_key(name) {
        Resolved::Simple
    } else {
        Resolved::Unknown
    }
}

/// A parent or property type to check: where it is, whose it is, and what it is.
struct ExprSite<'a> {
    path: &'a [String],
    owner: &'a str,
    what: &'a str,
    /// Whether simple types are allowed (property types) or not (parents).
    simple_ok: bool,
}

/// Checks every name of `expr_text` (a parent or a property type of `site.owner`).
fn check_type_expr(
    dts: &Datatypes,
    src: &Located,
    site: &ExprSite,
    expr_text: &str,
    out: &mut Vec<Finding>,
) -> Option<TypeExpr> {
    let ExprSite {
        path,
        owner,
        what,
        simple_ok,
    } = *site;
    let params = dts
        .types
        .get(owner)
        .map(|t| t.params.clone())
        .unwrap_or_default();
    let expr = match expr_text.parse::<TypeExpr>() {
        Ok(e) => e,
        Err(e) => {
            out.push(src.finding(
                path,
                Rule::Syntax,
                format!("{what} of `{owner}`: {e}"),
                "write a type id, optionally with arguments: `TS`, `IVL<TS>`, `RTO<PQ, PQ>`",
            ));
            return None;
        }
    };
    for e in expr.names() {
        let arity = e.args.len();
        match resolve(dts, &params, &e.name) {
            Resolved::Type(n) if n == arity => {}
            Resolved::Type(n) => out.push(src.finding(
                path,
                Rule::UnknownDatatype,
                format!(
                    "{what} of `{owner}` uses `{}` with {arity} type argument(s); it takes {n}",
                    e.name
                ),
                "give the generic type as many arguments as it has `params`",
            )),
            Resolved::Simple if simple_ok && arity == 0 => {}
            Resolved::Simple => out.push(src.finding(
                path,
                Rule::UnknownDatatype,
                format!(
                    "{what} of `{owner}` uses simple type `{}` where a data type is needed",
                    e.name
                ),
                "name a data type from `types` (simple types only type attribute values)",
            )),
            Resolved::Param if arity == 0 => {}
            Resolved::Param => out.push(src.finding(
                path,
                Rule::UnknownDatatype,
                format!(
                    "{what} of `{owner}` gives type parameter `{}` arguments",
                    e.name
                ),
                "a type parameter takes no arguments",
            )),
            Resolved::Unknown => out.push(src.finding(
                path,
                Rule::UnknownDatatype,
                format!(
                    "{what} of `{owner}` names `{}`, which is neither a type, a simple type nor a parameter of `{owner}`",
                    e.name
                ),
                "define the type in `types` (or the simple type in `simple_types`), or correct the name",
            )),
        }
    }
    Some(expr)
}

fn check_datatypes(dts: &Datatypes, src: &Located) -> Vec<Finding> {
    let mut out = src.duplicate_keys();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();

    if !dts.types.contains_key(ROOT_TYPE) {
        out.push(src.finding(
            &s(&["types"]),
            Rule::UnknownDatatype,
            format!("there is no `{ROOT_TYPE}` type, from which every type derives"),
            format!("define `{ROOT_TYPE}` with its nullFlavor attribute"),
        ));
    }
    for id in dts.simple_types.keys() {
        if dts.types.contains_key(id) {
            out.push(src.finding(
                &s(&["simple_types", id]),
                Rule::DuplicateName,
                format!("`{id}` is both a simple type and a type"),
                "rename one of them",
            ));
        }
    }
    let mut long_names: HashMap<&str, &str> = HashMap::new();
    for (id, t) in &dts.types {
        if let Some(first) = long_names.insert(t.name.as_str(), id.as_str()) {
            out.push(src.finding(
                &s(&["types", id, "name"]),
                Rule::DuplicateName,
                format!("types `{first}` and `{id}` are both named `{}`", t.name),
                "give each type its own long name",
            ));
        }
    }

    for (i, text) in dts.instances.iter().enumerate() {
        let path = s(&["instances", &i.to_string()]);
        let site = ExprSite {
            path: &path,
            owner: "instances",
            what: "an instance",
            simple_ok: false,
        };
        if let Some(e) = check_type_expr(dts, src, &site, text, &mut out)
            && e.args.is_empty()
        {
            out.push(src.finding(
                &path,
                Rule::UnknownDatatype,
                format!("instance `{text}` is not a generic type with arguments"),
                "list instantiations of generic types only, e.g. `IVL<TS>`",
            ));
        }
    }

    // Parent heads, for the cycle check.
    let mut heads: HashMap<&str, String> = HashMap::new();
    for (id, t) in &dts.types {
        let base = s(&["types", id]);
        let mut seen_params = HashSet::new();
        for p in &t.params {
            if !seen_params.insert(p.as_str()) || dts.types.contains_key(p) {
                out.push(src.finding(
                    &[base.clone(), s(&["params"])].concat(),
                    Rule::DuplicateName,
                    format!("type parameter `{p}` of `{id}` is repeated or shadows a type"),
                    "use distinct parameter names that are not type ids, e.g. T, N, D",
                ));
            }
        }
        match (&t.parent, t.derivation) {
            (None, None) | (Some(_), Some(_)) => {}
            (Some(_), None) => out.push(src.finding(
                &[base.clone(), s(&["parent"])].concat(),
                Rule::Syntax,
                format!("`{id}` has a parent but no `derivation`"),
                "add derivation: extension, restriction or specialisation",
            )),
            (None, Some(_)) => out.push(src.finding(
                &[base.clone(), s(&["derivation"])].concat(),
                Rule::Syntax,
                format!("`{id}` has a `derivation` but no parent"),
                "add the parent or delete the derivation",
            )),
        }
        match &t.parent {
            None if id != ROOT_TYPE => out.push(src.finding(
                &base,
                Rule::UnknownDatatype,
                format!("`{id}` has no parent; every type derives from {ROOT_TYPE}"),
                "give it the parent its XSD type extends or restricts",
            )),
            None => {}
            Some(_) if id == ROOT_TYPE => out.push(src.finding(
                &[base.clone(), s(&["parent"])].concat(),
                Rule::Syntax,
                format!("`{ROOT_TYPE}` is the root and has no parent"),
                "delete its parent",
            )),
            Some(p) => {
                let path = [base.clone(), s(&["parent"])].concat();
                let site = ExprSite {
                    path: &path,
                    owner: id,
                    what: "the parent",
                    simple_ok: false,
                };
                if let Some(e) = check_type_expr(dts, src, &site, p, &mut out)
                    && !t.params.contains(&e.name)
                {
                    heads.insert(id.as_str(), e.name);
                }
            }
        }
        let mut names = HashSet::new();
        for (i, prop) in t.properties.iter().enumerate() {
            let path = [base.clone(), s(&["properties", &i.to_string()])].concat();
            if !names.insert(prop.name.as_str()) {
                out.push(src.finding(
                    &path,
                    Rule::DuplicateName,
                    format!("`{id}` declares property `{}` twice", prop.name),
                    "keep one entry per property",
                ));
            }
            let type_path = [path.clone(), s(&["type"])].concat();
            let what = format!("property `{}`", prop.name);
            let site = ExprSite {
                path: &type_path,
                owner: id,
                what: &what,
                simple_ok: true,
            };
            check_type_expr(dts, src, &site, &prop.datatype, &mut out);
            if let Max::Bounded(max) = prop.card.max
                && prop.card.min > max
            {
                out.push(src.finding(
                    &[path.clone(), s(&["card"])].concat(),
                    Rule::MinAboveMax,
                    format!(
                        "property `{}` of `{id}` has cardinality {}: min above max",
                        prop.name, prop.card
                    ),
                    "lower min or raise max (`*` for unbounded)",
                ));
            }
        }
    }

    // Parent chains must end at ANY (or at a type parameter) without a cycle.
    for id in dts.types.keys() {
        let mut chain = vec![id.as_str()];
        let mut cur = heads.get(id.as_str());
        while let Some(next) = cur {
            if chain.contains(&next.as_str()) {
                if next == id {
                    chain.push(next);
                    out.push(src.finding(
                        &s(&["types", id, "parent"]),
                        Rule::Syntax,
                        format!("type parents form a cycle: {}", chain.join(" → ")),
                        "break the cycle: every parent chain must end at ANY",
                    ));
                }
                break;
            }
            chain.push(next);
            cur = heads.get(next.as_str());
        }
    }
    out
}

/// Cycles in a graph given as code → parents; each cycle is reported once, at its first
/// member in `order`.
fn cycles<'a>(order: &[&'a str], parents: &HashMap<&'a str, Vec<&'a str>>) -> Vec<Vec<&'a str>> {
    fn visit<'a>(
        node: &'a str,
        parents: &HashMap<&'a str, Vec<&'a str>>,
        stack: &mut Vec<&'a str>,
        done: &mut HashSet<&'a str>,
        found: &mut Vec<Vec<&'a str>>,
    ) {
        if done.contains(node) {
            return;
        }
        if let Some(pos) = stack.iter().position(|n| *n == node) {
            let mut cycle = stack[pos..].to_vec();
            cycle.push(node);
            found.push(cycle);
            return;
        }
        stack.push(node);
        for p in parents.get(node).into_iter().flatten() {
            visit(p, parents, stack, done, found);
        }
        stack.pop();
        done.insert(node);
    }
    let mut done = HashSet::new();
    let mut found = Vec::new();
    for n in order {
        visit(n, parents, &mut Vec::new(), &mut done, &mut found);
    }
    found
}

fn check_null_flavors(nfs: &NullFlavors, src: &Located) -> Vec<Finding> {
    let mut out = src.duplicate_keys();
    let s = |v: &[&str]| v.iter().map(|x| (*x).to_owned()).collect::<Vec<String>>();
    let mut displays: HashMap<&str, &str> = HashMap::new();
    let mut r1_parents: HashMap<&str, Vec<&str>> = HashMap::new();
    let mut utg_parents: HashMap<&str, Vec<&str>> = HashMap::new();

    for (code, nf) in &nfs.codes {
        let base = s(&["codes", code]);
        if let Some(first) = displays.insert(nf.display.as_str(), code.as_str()) {
            out.push(src.finding(
                &[base.clone(), s(&["display"])].concat(),
                Rule::DuplicateName,
                format!(
                    "codes `{first}` and `{code}` have the same display name `{}`",
                    nf.display
                ),
                "give each code its own display name",
            ));
        }
        if let Some(p) = &nf.parent {
            let path = [base.clone(), s(&["parent"])].concat();
            match nfs.codes.get(p) {
                None => out.push(src.finding(
                    &path,
                    Rule::UnknownTable,
                    format!("nullFlavor `{code}` has parent `{p}`, which is not a code"),
                    "define the parent code or correct it",
                )),
                Some(_) if !nf.r1 => out.push(src.finding(
                    &path,
                    Rule::Syntax,
                    format!("nullFlavor `{code}` is not an R1 code but has an R1 parent"),
                    "set r1: true, or use subsumed_by for the current hierarchy only",
                )),
                Some(parent) if !parent.r1 => out.push(src.finding(
                    &path,
                    Rule::UnknownTable,
                    format!("R1 nullFlavor `{code}` has parent `{p}`, which is not an R1 code"),
                    "an R1 code's parent must be an R1 code",
                )),
                Some(_) => {
                    r1_parents
                        .entry(code.as_str())
                        .or_default()
                        .push(p.as_str());
                }
            }
        }
        let mut seen = HashSet::new();
        for (i, p) in nf.subsumed_by.iter().enumerate() {
            let path = [base.clone(), s(&["subsumed_by", &i.to_string()])].concat();
            if !seen.insert(p.as_str()) {
                out.push(src.finding(
                    &path,
                    Rule::DuplicateName,
                    format!("nullFlavor `{code}` lists `{p}` twice in subsumed_by"),
                    "list each parent once",
                ));
            } else if nfs.codes.contains_key(p) {
                utg_parents
                    .entry(code.as_str())
                    .or_default()
                    .push(p.as_str());
            } else {
                out.push(src.finding(
                    &path,
                    Rule::UnknownTable,
                    format!("nullFlavor `{code}` is subsumed by `{p}`, which is not a code"),
                    "define the code or correct it",
                ));
            }
        }
    }

    let order: Vec<&str> = nfs.codes.keys().map(String::as_str).collect();
    for (field, graph) in [("parent", &r1_parents), ("subsumed_by", &utg_parents)] {
        for cycle in cycles(&order, graph) {
            out.push(src.finding(
                &s(&["codes", cycle[0], field]),
                Rule::Syntax,
                format!(
                    "nullFlavor {field} links form a cycle: {}",
                    cycle.join(" → ")
                ),
                "break the cycle: the hierarchy must lead up to its roots",
            ));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    fn real_dir() -> PathBuf {
        Path::new(env!("CARGO_MANIFEST_DIR")).join("../schemas/v3")
    }

    /// A fresh directory under the system temp dir, removed on drop.
    struct TempDir(PathBuf);
    impl TempDir {
        fn new(tag: &str) -> Self {
            static N: AtomicUsize = AtomicUsize::new(0);
            let nanos = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .map(|d| d.as_nanos())
                .unwrap_or(0);
            let dir = std::env::temp_dir().join(format!(
                "hl7-codegen-v3-{tag}-{}-{nanos}-{}",
                std::process::id(),
                N.fetch_add(1, Ordering::SeqCst)
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }
    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    const DTS: &str = "\
simple_types:
  bl: { xsd: boolean }
  cs: { xsd: token }
types:
  ANY:
    name: DataValue
    properties:
      - { name: nullFlavor, xml: attribute, type: cs, card: \"0..1\" }
  BL:
    name: Boolean
    parent: ANY
    derivation: extension
    properties:
      - { name: value, xml: attribute, type: bl, card: \"0..1\" }
  SXCM:
    name: Set Component
    parent: T
    derivation: extension
    params: [T]
  IVL:
    name: Interval
    parent: \"SXCM<T>\"
    derivation: extension
    params: [T]
    properties:
      - { name: low, xml: element, type: T, card: \"0..1\" }
";

    const NFS: &str = "\
code_system: { name: NullFlavor, oid: 2.16.840.1.113883.5.1008 }
codes:
  NI: { display: NoInformation, definition: d, r1: true, parent: null, subsumed_by: [], cda_r2: true, iso21090: true, status: active }
  UNK: { display: unknown, definition: d, r1: true, parent: NI, subsumed_by: [NI], cda_r2: true, iso21090: true, status: active }
  ASKU: { display: asked but unknown, definition: d, r1: true, parent: UNK, subsumed_by: [UNK], cda_r2: true, iso21090: true, status: active }
";

    const CSS: &str = "systems:\n  LN: { name: LOINC, oid: 2.16.840.1.113883.6.1 }\n";

    /// Loads a fixture made of `DTS` and `NFS` with one replacement applied to each.
    fn load_fixture(dts: (&str, &str), nfs: (&str, &str)) -> Result<V3Schema, Vec<Finding>> {
        let dir = TempDir::new("fixture");
        std::fs::write(dir.0.join(DATATYPES_FILE), DTS.replace(dts.0, dts.1)).unwrap();
        std::fs::write(dir.0.join(NULLFLAVOR_FILE), NFS.replace(nfs.0, nfs.1)).unwrap();
        std::fs::write(dir.0.join(CODESYSTEMS_FILE), CSS).unwrap();
        std::fs::copy(
            real_dir().join(CODETABLES_FILE),
            dir.0.join(CODETABLES_FILE),
        )
        .unwrap();
        load_and_check(&dir.0)
    }

    fn only_finding(r: Result<V3Schema, Vec<Finding>>) -> Finding {
        let f = r.expect_err("the fixture must fail");
        assert_eq!(f.len(), 1, "expected one finding, got {f:#?}");
        f.into_iter().next().unwrap()
    }

    #[test]
    fn real_files_load_without_findings() {
        let v3 = load_and_check(&real_dir()).unwrap_or_else(|f| {
            panic!(
                "{}",
                f.iter()
                    .map(ToString::to_string)
                    .collect::<Vec<_>>()
                    .join("\n")
            )
        });
        let t = &v3.datatypes.types;
        for id in [
            "AD", "ANY", "BAG", "BL", "CD", "CE", "CS", "ED", "EN", "GTS", "HIST", "II", "INT",
            "IVL", "LIST", "MO", "ON", "PN", "PPD", "PQ", "REAL", "RTO", "SC", "SET", "ST", "TEL",
            "TN", "TS", "UVP",
        ] {
            assert!(
                t.get(id).is_some_and(|d| d.in_use),
                "{id} missing or not in_use"
            );
        }
        assert_eq!(t.values().filter(|d| d.in_use).count(), 29);
        assert_eq!(v3.null_flavors.code_system.oid, "2.16.840.1.113883.5.1008");
    }

    #[test]
    fn spot_checks() {
        let v3 = load_and_check(&real_dir()).unwrap();
        let t = &v3.datatypes.types;
        let ii_root = t["II"].property("root").unwrap();
        assert_eq!(ii_root.xml, XmlForm::Attribute);
        assert_eq!(ii_root.datatype, "uid");
        for a in ["extension", "assigningAuthorityName", "displayable"] {
            assert_eq!(t["II"].property(a).unwrap().xml, XmlForm::Attribute);
        }
        let nf = t["ANY"].property("nullFlavor").unwrap();
        assert_eq!(nf.xml, XmlForm::Attribute);
        assert_eq!(t["CE"].parent.as_deref(), Some("CD"));
        assert_eq!(t["CE"].derivation, Some(Derivation::Restriction));
        assert_eq!(t["PN"].parent.as_deref(), Some("EN"));
        assert_eq!(t["TS"].parent.as_deref(), Some("QTY"));
        assert!(t["IVL"].is_generic() && t["SET"].is_generic() && !t["CD"].is_generic());
        assert_eq!(
            t["PQ"].property("unit").unwrap().default.as_deref(),
            Some("1")
        );
        for a in [
            "code",
            "codeSystem",
            "codeSystemName",
            "codeSystemVersion",
            "displayName",
        ] {
            assert_eq!(t["CD"].property(a).unwrap().xml, XmlForm::Attribute, "{a}");
        }
        for e in ["originalText", "qualifier", "translation"] {
            assert_eq!(t["CD"].property(e).unwrap().xml, XmlForm::Element, "{e}");
        }

        let nfs = &v3.null_flavors;
        assert_eq!(nfs.codes["NAV"].parent.as_deref(), Some("ASKU"));
        assert_eq!(nfs.codes["ASKU"].parent.as_deref(), Some("UNK"));
        assert_eq!(nfs.r1_ancestors("NAV"), vec!["ASKU", "UNK", "NI"]);
        assert!(nfs.r1_implies("PINF", "OTH") && !nfs.r1_implies("PINF", "UNK"));
        // The R1/CDA hierarchy of docs/conformance.md §7.1:
        // NI ⊃ {MSK, OTH ⊃ {NINF, PINF}, UNK ⊃ {ASKU ⊃ NAV, NASK, QS, TRC}, NA}.
        for (code, parent) in [
            ("MSK", "NI"),
            ("OTH", "NI"),
            ("NINF", "OTH"),
            ("PINF", "OTH"),
            ("UNK", "NI"),
            ("NASK", "UNK"),
            ("QS", "UNK"),
            ("TRC", "UNK"),
            ("NA", "NI"),
        ] {
            assert_eq!(nfs.codes[code].parent.as_deref(), Some(parent), "{code}");
        }
        assert_eq!(nfs.codes["NP"].status, CodeStatus::Retired);
        let iso: Vec<&str> = nfs
            .codes
            .iter()
            .filter(|(_, c)| c.iso21090)
            .map(|(k, _)| k.as_str())
            .collect();
        assert_eq!(iso.len(), 15);
        assert!(!iso.contains(&"NAVU") && !iso.contains(&"NP"));
        assert!(v3.datatypes.instances.iter().any(|i| i == "IVL<TS>"));
    }

    #[test]
    fn code_tables_read_back_unambiguously() {
        let v3 = load_and_check(&real_dir()).unwrap();
        let t = &v3.code_tables.tables;
        assert_eq!(t["name_use"].rows["S"], "P");
        assert_eq!(t["address_use"].lossy["O"], "WP");
        let real = std::fs::read_to_string(real_dir().join(CODETABLES_FILE)).unwrap();
        for (from, to, says) in [
            ("{ L: L, S: P,", "{ L: L, S: L,", "ambiguous"),
            (
                "lossy: { O: WP, P: H }",
                "lossy: { O: XX, P: H }",
                "no row has",
            ),
            ("  media_type:", "  media_types:", "`media_type` is missing"),
            (
                "marked: { CP: MC }",
                "marked: { PH: MC }",
                "not a lossy code",
            ),
        ] {
            let dir = TempDir::new("tables");
            for f in [DATATYPES_FILE, NULLFLAVOR_FILE, CODESYSTEMS_FILE] {
                std::fs::copy(real_dir().join(f), dir.0.join(f)).unwrap();
            }
            std::fs::write(dir.0.join(CODETABLES_FILE), real.replace(from, to)).unwrap();
            let f = only_finding(load_and_check(&dir.0));
            assert!(f.message.contains(says), "{f:?}");
        }
    }

    #[test]
    fn code_systems() {
        let v3 = load_and_check(&real_dir()).unwrap();
        let cs = &v3.code_systems.systems;
        assert_eq!(cs["LN"].oid, "2.16.840.1.113883.6.1");
        assert_eq!(cs["SCT"].oid, "2.16.840.1.113883.6.96");
        assert!(cs.values().all(|s| is_oid(&s.oid)));
        for bad in ["", "3.1", "1..2", "1.02", "1.a", "1."] {
            assert!(!is_oid(bad), "{bad}");
        }
        assert!(is_oid("2.16.840.1.113883.6.1") && is_oid("1.0.3166.1"));
    }

    #[test]
    fn instances_must_be_generic_instantiations() {
        let ok = load_fixture(
            ("\ntypes:\n", "\ninstances: [\"IVL<BL>\"]\ntypes:\n"),
            ("", ""),
        );
        assert!(ok.is_ok(), "{ok:?}");
        let f = only_finding(load_fixture(
            ("\ntypes:\n", "\ninstances: [BL]\ntypes:\n"),
            ("", ""),
        ));
        assert_eq!(f.rule, Rule::UnknownDatatype);
        let f = only_finding(load_fixture(
            ("\ntypes:\n", "\ninstances: [\"IVL<XX>\"]\ntypes:\n"),
            ("", ""),
        ));
        assert_eq!(f.rule, Rule::UnknownDatatype);
    }

    #[test]
    fn fixture_is_clean() {
        load_fixture(("", ""), ("", "")).unwrap();
    }

    #[test]
    fn type_expressions_parse() {
        let e: TypeExpr = "SET< HXIT<T> >".parse().unwrap();
        assert_eq!(e.to_string(), "SET<HXIT<T>>");
        assert_eq!("RTO<PQ,PQ>".parse::<TypeExpr>().unwrap().args.len(), 2);
        for bad in ["", "IVL<", "IVL<TS", "IVL<>", "1TS", "IVL<TS>>", "A B"] {
            assert!(bad.parse::<TypeExpr>().is_err(), "{bad:?}");
        }
    }

    #[test]
    fn unknown_property_type() {
        let f = only_finding(load_fixture(("type: bl", "type: XX"), ("", "")));
        assert_eq!(f.rule, Rule::UnknownDatatype);
        assert_eq!(f.line, Some(14));
        assert!(f.message.contains("`XX`"), "{}", f.message);
    }

    #[test]
    fn unknown_parent() {
        let f = only_finding(load_fixture(("parent: ANY", "parent: NOPE"), ("", "")));
        assert_eq!(f.rule, Rule::UnknownDatatype);
        assert_eq!(f.line, Some(11));
    }

    #[test]
    fn wrong_generic_arity() {
        let f = only_finding(load_fixture(("\"SXCM<T>\"", "\"SXCM<T, T>\""), ("", "")));
        assert_eq!(f.rule, Rule::UnknownDatatype);
        assert!(f.message.contains("takes 1"), "{}", f.message);
    }

    #[test]
    fn simple_type_as_parent() {
        let f = only_finding(load_fixture(("parent: ANY", "parent: bl"), ("", "")));
        assert_eq!(f.rule, Rule::UnknownDatatype);
    }

    #[test]
    fn bad_type_expression() {
        let f = only_finding(load_fixture(("type: T,", "type: \"T<\","), ("", "")));
        assert_eq!(f.rule, Rule::Syntax);
    }

    #[test]
    fn root_with_parent() {
        let errs = load_fixture(
            (
                "    name: DataValue\n",
                "    name: DataValue\n    parent: BL\n    derivation: extension\n",
            ),
            ("", ""),
        )
        .unwrap_err();
        assert!(
            errs.iter()
                .any(|f| f.rule == Rule::Syntax && f.message.contains("root")),
            "{errs:#?}"
        );
    }

    #[test]
    fn type_parent_cycle() {
        // A type argument is not a parent link.
        let ok = load_fixture(("parent: ANY", "parent: IVL<BL>"), ("", ""));
        assert!(ok.is_ok(), "{ok:?}");
        let errs = load_fixture(
            (
                "  SXCM:\n    name: Set Component\n    parent: T",
                "  SXCM:\n    name: Set Component\n    parent: IVL<T>",
            ),
            ("", ""),
        )
        .unwrap_err();
        assert!(
            errs.iter()
                .all(|f| f.rule == Rule::Syntax && f.message.contains("cycle")),
            "{errs:#?}"
        );
        assert!(!errs.is_empty());
    }

    #[test]
    fn duplicate_type_key_and_long_name() {
        let errs = load_fixture(
            (
                "  SXCM:\n    name: Set Component",
                "  BL:\n    name: Boolean",
            ),
            ("", ""),
        )
        .unwrap_err();
        assert!(
            errs.iter()
                .any(|f| f.rule == Rule::DuplicateName && f.line == Some(15)),
            "{errs:#?}"
        );
        let f = only_finding(load_fixture(("name: Interval", "name: Boolean"), ("", "")));
        assert_eq!(f.rule, Rule::DuplicateName);
    }

    #[test]
    fn duplicate_property() {
        let line = "      - { name: value, xml: attribute, type: bl, card: \"0..1\" }\n";
        let f = only_finding(load_fixture((line, &format!("{line}{line}")), ("", "")));
        assert_eq!(f.rule, Rule::DuplicateName);
        assert_eq!(f.line, Some(15));
    }

    #[test]
    fn min_above_max() {
        let f = only_finding(load_fixture(
            ("card: \"0..1\" }\n  BL", "card: \"2..1\" }\n  BL"),
            ("", ""),
        ));
        assert_eq!(f.rule, Rule::MinAboveMax);
    }

    #[test]
    fn unknown_key_is_a_located_syntax_error() {
        let f = only_finding(load_fixture(
            (
                "    name: Boolean\n",
                "    name: Boolean\n    colour: red\n",
            ),
            ("", ""),
        ));
        assert_eq!(f.rule, Rule::Syntax);
        assert!(f.file.ends_with(DATATYPES_FILE));
        assert!(f.line.is_some());
    }

    #[test]
    fn missing_file() {
        let dir = TempDir::new("missing");
        let errs = load_and_check(&dir.0).unwrap_err();
        assert_eq!(errs.len(), 4);
        assert!(errs.iter().all(|f| f.rule == Rule::Syntax));
    }

    #[test]
    fn null_flavor_unknown_parent() {
        let f = only_finding(load_fixture(("", ""), ("parent: UNK,", "parent: UNKK,")));
        assert_eq!(f.rule, Rule::UnknownTable);
        assert_eq!(f.line, Some(5));
        let f = only_finding(load_fixture(
            ("", ""),
            ("subsumed_by: [UNK]", "subsumed_by: [XX]"),
        ));
        assert_eq!(f.rule, Rule::UnknownTable);
    }

    #[test]
    fn null_flavor_cycle() {
        let f = only_finding(load_fixture(("", ""), ("parent: null,", "parent: ASKU,")));
        assert_eq!(f.rule, Rule::Syntax);
        assert!(f.message.contains("NI → ASKU → UNK → NI"), "{}", f.message);
        let f = only_finding(load_fixture(
            ("", ""),
            ("subsumed_by: [],", "subsumed_by: [ASKU],"),
        ));
        assert_eq!(f.rule, Rule::Syntax);
    }

    #[test]
    fn null_flavor_duplicates() {
        let f = only_finding(load_fixture(
            ("", ""),
            ("display: unknown", "display: NoInformation"),
        ));
        assert_eq!(f.rule, Rule::DuplicateName);
        assert_eq!(f.line, Some(4));
        let errs = load_fixture(("", ""), ("  ASKU:", "  UNK:")).unwrap_err();
        assert!(
            errs.iter()
                .any(|f| f.rule == Rule::DuplicateName && f.line == Some(5)),
            "{errs:#?}"
        );
    }

    #[test]
    fn non_r1_code_with_r1_parent() {
        let f = only_finding(load_fixture(
            ("", ""),
            ("r1: true, parent: UNK,", "r1: false, parent: UNK,"),
        ));
        assert_eq!(f.rule, Rule::Syntax);
    }
}
