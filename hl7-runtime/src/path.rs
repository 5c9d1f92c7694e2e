//! Terser-style paths: reading and writing one value of a message by a short location (`PID-5-1`, `PID-3(1)-1`, `/PATIENT_RESULT/ORDER_OBSERVATION(1)/OBX(2)-5`).
//!
//! # Syntax
//!
//! ```text
//! path    = ["/"] step { "/" step } [ "-" field [rep] [ sep component [ sep subcomponent ] ] ]
//! step    = ["."] NAME [rep]          NAME: a segment id (PID) or a group name (PATIENT_RESULT)
//! rep     = "(" n ")"                 from 0, as in HAPI's Terser: PID-3(1) is the second repetition
//!         | "[" n "]"                 from 1, as in HL7 error locations: PID-3[2] is the same one
//! sep     = "-" | "."                 PID-5-1 and PID-5.1 are the same
//! ```
//!
//! Field, component and subcomponent numbers count from 1. Omitting a repetition means the
//! first. Group names are the standard's, without the structure prefix (`ORDER_OBSERVATION`).
//!
//! # Resolution
//!
//! - A path starting with `/` starts at the message's root; each step names an item of the
//!   group reached so far. When the group has no item of that name, the step searches below it
//!   (so `/PATIENT_RESULT/ORDER_OBSERVATION(1)/OBX(2)` is the third OBX of the second order, in
//!   whichever OBSERVATION group it sits).
//! - A step starting with `.`, and the first step of a path not starting with `/`, searches:
//!   its repetition counts the occurrences of that name anywhere below, in message order. So
//!   `PID-5-1` finds the PID wherever the structure nests it, and `OBX(2)-5` is the message's
//!   third OBX.
//! - Segments kept outside the grammar (Z-segments, segments out of place) and the segments of
//!   a message read with the [generic structure](crate::grammar::GENERIC) are found by search
//!   like any other.
//!
//! # Reading and writing
//!
//! [`TerserPath::get`] gives the value with escapes decoded, `None` when nothing is there; a path
//! that stops at a composite gives its first component, as HAPI's Terser does. `""` (null) is
//! given as `""`. [`TerserPath::get_er7`] gives the wire text of exactly what the path names (a
//! whole field with its components, a segment, a group's segments). Both read the segments'
//! text of a message ([`crate::tree::Lean`]); [`TerserPath::get_tokenized`] reads a tokenised one.
//!
//! [`TerserPath::set`] writes a value, escaping delimiters; [`TerserPath::set_er7`] writes wire text.
//! MSH-1 and MSH-2 hold the delimiters the message is written with: a write that would change
//! them is refused ([`PathError::EncodingCharacters`]).
//! Writing creates what is missing on the way: repetitions, segments and groups, where the
//! structure allows another occurrence, and a segment the structure does not define is added
//! at the end of the group, as an unexpected segment. Writing past the last occurrence creates
//! the ones between, empty: `NTE(2)` where there is no NTE gives three, as `PID-3(3)` of a
//! field with one repetition gives `a~~~x` (HAPI's Terser refuses both). A new occurrence
//! reached by search is placed in the last occurrence of each repeating group on the way, so
//! building a message top to bottom puts each segment where it belongs. Text beyond a type's
//! definition (a component a version does not define, OBX-5's components) is read and written
//! as text.
//! The segment text is spliced, and new segments and group occurrences are put into the
//! tree. Fields follow the definitions of the version given with
//! [`crate::tree::Lean::with_version`] (a field the version defines as repeating takes
//! repetitions, one it does not is refused with [`PathError::NotRepeating`]).
//!
//! ```
//! let text = "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||123~456||Doe^John\rOBR|1\rOBX|1|NM|GLU||5.4\rOBX|2|NM|NA||140\r";
//! let mut m = hl7_model::parse(text).unwrap();
//! assert_eq!(m.get("PID-5-2").unwrap().as_deref(), Some("John"));
//! assert_eq!(m.get("PID-3(1)").unwrap().as_deref(), Some("456"));
//! assert_eq!(m.get("PID-3[2]").unwrap().as_deref(), Some("456"));
//! assert_eq!(m.get("/PATIENT_RESULT/ORDER_OBSERVATION/OBX(1)-5").unwrap().as_deref(), Some("140"));
//! assert_eq!(m.get_er7("PID-5").unwrap().as_deref(), Some("Doe^John"));
//!
//! m.set("PID-5-1", "O'Brien & Sons").unwrap();
//! assert!(m.to_er7().contains("PID|1||123~456||O'Brien \\T\\ Sons^John\r"));
//! m.set("OBX(2)-5", "99").unwrap(); // a third OBX, in a new OBSERVATION group
//! assert!(m.to_er7().ends_with("OBX|2|NM|NA||140\rOBX|||||99\r"));
//! ```

use std::fmt;
use std::str::FromStr;

use crate::delimiters::is_header;
use crate::delimiters::{Delimiters, Level};
use crate::descriptor::{GroupDesc, ItemDesc, SegmentDesc, VersionDesc};
use crate::er7::escape::{escape_formatted, unescape};
use crate::grammar::{ANY_SEGMENT_ID, segment_id};
use crate::tree::{Entry, EntryKind, Lean};

/// The largest repetition index, field, component or subcomponent number a path may name
/// unless [`TerserPath::with_max_index`] says otherwise: writing `PID-3(999999999)` would otherwise
/// create a billion repetitions.
pub const DEFAULT_MAX_INDEX: usize = 9_999;

/// Why a path could not be read or used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum PathError {
    #[error("path `{path}`, at byte {at}: expected {expected}")]
    Syntax {
        path: String,
        at: usize,
        expected: &'static str,
    },
    #[error("path `{path}`: index {index} is above the limit of {limit}")]
    IndexTooLarge {
        path: String,
        index: usize,
        limit: usize,
    },
    #[error("path `{path}`: {name} is a segment, so it must be the last step")]
    SegmentNotLast { path: String, name: String },
    #[error("path `{path}`: {name} is a group; name a segment below it to reach a field")]
    FieldOfGroup { path: String, name: String },
    #[error("path `{path}`: {group} has no segment or group {name}")]
    NoSuchItem {
        path: String,
        group: String,
        name: String,
    },
    #[error("path `{path}`: {what} does not repeat, so only repetition 0 can be written")]
    NotRepeating { path: String, what: String },
    #[error("path `{path}`: the structure has no room for another {name} there")]
    CannotCreate { path: String, name: String },
    #[error("path `{path}`: MSH-1 is the field separator itself; it cannot be written")]
    FieldSeparator { path: String },
    /// The write would change MSH-1 or MSH-2, the delimiters the message is written with:
    /// its text would then read back as another message. Build the message again with the
    /// delimiters wanted (`hl7_model::build`).
    #[error(
        "path `{path}`: the message is written with `{expected}`; a path write cannot change its delimiters to `{found}`"
    )]
    EncodingCharacters {
        path: String,
        /// MSH-1 and MSH-2 as the write would leave them.
        found: String,
        /// MSH-1 and MSH-2 as they are.
        expected: String,
    },
    #[error(
        "path `{path}`: a value is written to a field; name one (PID-5), or write a whole segment as ER7 text"
    )]
    NoField { path: String },
    #[error("path `{path}`: the text written is segment {found}, not {expected}")]
    WrongSegment {
        path: String,
        expected: String,
        found: String,
    },
    #[error("path `{path}`: an untokenised message has no groups; name a segment")]
    NoGroups { path: String },
    #[error("path `{path}`: the lean message refused the edit: {source}")]
    Edit {
        path: String,
        source: crate::tree::EditError,
    },
}

/// A parsed path, to be used on any number of messages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TerserPath {
    text: String,
    anchored: bool,
    steps: Vec<PathStep>,
    field: Option<FieldSpec>,
    max_index: usize,
}

#[derive(Debug, Clone, PartialEq, Eq)]
struct PathStep {
    /// Upper case.
    name: String,
    rep: usize,
    search: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct FieldSpec {
    field: u32,
    rep: usize,
    component: Option<u32>,
    subcomponent: Option<u32>,
}

impl FromStr for TerserPath {
    type Err = PathError;
    fn from_str(s: &str) -> Result<TerserPath, PathError> {
        TerserPath::parse(s)
    }
}

impl fmt::Display for TerserPath {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text)
    }
}

/// Reads a path from left to right.
struct Reader<'a> {
    text: &'a str,
    at: usize,
}

impl Reader<'_> {
    fn peek(&self) -> Option<char> {
        self.text[self.at..].chars().next()
    }

    fn eat(&mut self, c: char) -> bool {
        let hit = self.peek() == Some(c);
        if hit {
            self.at += c.len_utf8();
        }
        hit
    }

    fn error(&self, expected: &'static str) -> PathError {
        PathError::Syntax {
            path: self.text.to_owned(),
            at: self.at,
            expected,
        }
    }

    fn name(&mut self) -> Result<String, PathError> {
        let rest = &self.text[self.at..];
        let len = rest
            .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
            .unwrap_or(rest.len());
        if len == 0 {
            return Err(self.error("a segment id or group name"));
        }
        self.at += len;
        Ok(rest[..len].to_ascii_uppercase())
    }

    fn number(&mut self, expected: &'static str) -> Result<usize, PathError> {
        let rest = &self.text[self.at..];
        let len = rest
            .find(|c: char| !c.is_ascii_digit())
            .unwrap_or(rest.len());
        let n = rest[..len].parse().map_err(|_| self.error(expected))?;
        self.at += len;
        Ok(n)
    }

    /// A 1-based position (field, component, subcomponent).
    fn position(&mut self, expected: &'static str, max: usize) -> Result<u32, PathError> {
        let start = self.at;
        let n = self.number(expected)?;
        if n == 0 {
            return Err(PathError::Syntax {
                path: self.text.to_owned(),
                at: start,
                expected,
            });
        }
        // Writing pads up to the position: a bound keeps `PID-4000000000` from asking for
        // billions of empty fields.
        if n > max {
            return Err(PathError::IndexTooLarge {
                path: self.text.to_owned(),
                index: n,
                limit: max,
            });
        }
        u32::try_from(n).map_err(|_| PathError::IndexTooLarge {
            path: self.text.to_owned(),
            index: n,
            limit: max,
        })
    }

    /// An optional repetition, as a 0-based index.
    fn rep(&mut self, max: usize) -> Result<usize, PathError> {
        let (close, from_one) = if self.eat('(') {
            (')', false)
        } else if self.eat('[') {
            (']', true)
        } else {
            return Ok(0);
        };
        let start = self.at;
        let n = self.number("a repetition number")?;
        if !self.eat(close) {
            return Err(self.error(if from_one { "`]`" } else { "`)`" }));
        }
        let index = if from_one {
            n.checked_sub(1).ok_or(PathError::Syntax {
                path: self.text.to_owned(),
                at: start,
                expected: "a repetition from 1 inside `[ ]`",
            })?
        } else {
            n
        };
        if index > max {
            return Err(PathError::IndexTooLarge {
                path: self.text.to_owned(),
                index,
                limit: max,
            });
        }
        Ok(index)
    }
}

impl TerserPath {
    /// Parses `text` (see the [module docs](self) for the syntax).
    ///
    /// ```
    /// use hl7_model::path::{TerserPath, PathError};
    /// assert!(TerserPath::parse("/.ORDER_OBSERVATION(2)/OBR-4-1").is_ok());
    /// assert!(matches!(TerserPath::parse("PID-0"), Err(PathError::Syntax { at: 4, .. })));
    /// ```
    pub fn parse(text: &str) -> Result<TerserPath, PathError> {
        TerserPath::parse_with_max(text, DEFAULT_MAX_INDEX)
    }

    /// The same path with another limit on repetition indexes.
    pub fn with_max_index(self, max_index: usize) -> Result<TerserPath, PathError> {
        TerserPath::parse_with_max(&self.text, max_index)
    }

    fn parse_with_max(text: &str, max_index: usize) -> Result<TerserPath, PathError> {
        let mut r = Reader { text, at: 0 };
        let anchored = r.eat('/');
        let mut steps = Vec::new();
        loop {
            let search = r.eat('.');
            let name = r.name()?;
            let rep = r.rep(max_index)?;
            steps.push(PathStep { name, rep, search });
            if !r.eat('/') {
                break;
            }
        }
        let mut field = None;
        if r.eat('-') || r.eat('.') {
            let n = r.position("a field number from 1", max_index)?;
            let rep = r.rep(max_index)?;
            let mut spec = FieldSpec {
                field: n,
                rep,
                component: None,
                subcomponent: None,
            };
            if r.eat('-') || r.eat('.') {
                spec.component = Some(r.position("a component number from 1", max_index)?);
                if r.eat('-') || r.eat('.') {
                    spec.subcomponent =
                        Some(r.position("a subcomponent number from 1", max_index)?);
                }
            }
            field = Some(spec);
        }
        if r.at != text.len() {
            return Err(r.error("the end of the path"));
        }
        Ok(TerserPath {
            text: text.to_owned(),
            anchored,
            steps,
            field,
            max_index,
        })
    }

    fn err_no_item(&self, group: &str, name: &str) -> PathError {
        PathError::NoSuchItem {
            path: self.text.clone(),
            group: group.to_owned(),
            name: name.to_owned(),
        }
    }
}

fn item_name(item: &ItemDesc) -> &'static str {
    match item {
        ItemDesc::Segment { id, .. } => id,
        ItemDesc::Group { group, .. } => group.name,
    }
}

/// The items, from `items`, leading to the first definition of `name` (breadth first, so the
/// shallowest), as item indexes.
fn definition_path(items: &'static [ItemDesc], name: &str) -> Option<Vec<usize>> {
    let mut queue: std::collections::VecDeque<(&'static [ItemDesc], Vec<usize>)> =
        [(items, Vec::new())].into();
    while let Some((items, prefix)) = queue.pop_front() {
        for (i, item) in items.iter().enumerate() {
            let mut here = prefix.clone();
            here.push(i);
            if item_name(item) == name {
                return Some(here);
            }
            if let ItemDesc::Group { group, .. } = item {
                queue.push_back((group.items, here));
            }
        }
    }
    None
}

fn item_repeats(item: &ItemDesc) -> bool {
    match item {
        ItemDesc::Segment { card, .. } | ItemDesc::Group { card, .. } => card.repeats(),
    }
}

/// Whether `name` could be a segment id (three letters or digits).
/// `MSH`, `FHS`, `BHS`, `BTS`, `FTS`: segments a message holds once (MSH) or never.
fn is_envelope_or_header(name: &str) -> bool {
    is_header(name) || name == "BTS" || name == "FTS"
}

fn looks_like_segment(name: &str) -> bool {
    name.len() == 3 && name.bytes().all(|b| b.is_ascii_alphanumeric())
}

fn leaf(items: &'static [ItemDesc], chain: &[usize]) -> Option<&'static ItemDesc> {
    let mut items = items;
    let mut found = None;
    for &i in chain {
        let d = items.get(i)?;
        if let ItemDesc::Group { group, .. } = d {
            items = group.items;
        }
        found = Some(d);
    }
    found
}

/// What a path names inside a segment's text, for reading.
#[derive(Clone, Copy)]
enum Node<'a> {
    /// A whole segment line.
    RawSegment(&'a str),
    /// Wire text at a level.
    Raw(&'a str, Level),
}

/// Field `n` of a raw segment line, for reading.
fn raw_field<'a>(line: &'a str, n: u32, d: &Delimiters) -> Option<&'a str> {
    let id = segment_id(line);
    if is_header(id) {
        if n == 1 {
            let i = id.len();
            return line.get(i..i + d.field.len_utf8());
        }
        return line.split(d.field).nth(n as usize - 1);
    }
    line.split(d.field).nth(n as usize)
}

/// Part `i` (from 0) of `text` split by the separator of `level`'s parts.
fn raw_part<'a>(text: &'a str, level: Level, i: usize, d: &Delimiters) -> Option<&'a str> {
    match level.separator(d) {
        Some(sep) => text.split(sep).nth(i),
        None => (i == 0).then_some(text),
    }
}

/// The part at component `c` (from 1) of `node`.
fn child<'a>(node: Node<'a>, c: u32, d: &Delimiters) -> Option<Node<'a>> {
    let i = c as usize - 1;
    match node {
        Node::Raw(text, level) => match level.child() {
            Some(child_level) => raw_part(text, level, i, d).map(|t| Node::Raw(t, child_level)),
            // Below the last level, the first part is the value itself (MSH-1-1).
            None => (i == 0).then_some(node),
        },
        Node::RawSegment(_) => None,
    }
}

/// The field repetition a field spec names in `node` (a segment).
fn field_node<'a>(node: Node<'a>, spec: &FieldSpec, d: &Delimiters) -> Option<Node<'a>> {
    let Node::RawSegment(line) = node else {
        return None;
    };
    let raw = raw_field(line, spec.field, d)?;
    // MSH-1 and MSH-2 are the delimiters themselves, read as one value.
    if is_header(segment_id(line)) && spec.field <= 2 {
        return (spec.rep == 0).then_some(Node::Raw(raw, Level::Subcomponent));
    }
    raw.split(d.repetition)
        .nth(spec.rep)
        .map(|t| Node::Raw(t, Level::Field))
}

/// The value a node stands for, as HAPI's Terser reads it: the first primitive inside.
/// Separators inside a primitive's text (a sender's subcomponents in HD.1, OBX-5's
/// components) end its value, as they would in a composite.
fn first_value<'a>(node: Node<'a>, d: &Delimiters) -> Option<&'a str> {
    let Node::Raw(mut text, mut level) = node else {
        return None;
    };
    while let Some(sep) = level.separator(d) {
        text = text.split(sep).next().unwrap_or("");
        level = level.child()?;
    }
    Some(text).filter(|t| !t.is_empty())
}

impl TerserPath {
    /// From a segment to the field, component and subcomponent the path names.
    fn descend<'a>(&self, segment: Node<'a>, d: &Delimiters) -> Option<Node<'a>> {
        let Some(spec) = &self.field else {
            return Some(segment);
        };
        let mut node = field_node(segment, spec, d)?;
        for c in [spec.component, spec.subcomponent].into_iter().flatten() {
            node = child(node, c, d)?;
        }
        Some(node)
    }

    /// Whether the path names MSH-1 or MSH-2 (or FHS/BHS), which are read verbatim.
    fn names_header_field(&self) -> bool {
        self.field.is_some_and(|f| f.field <= 2)
            && self.steps.last().is_some_and(|s| is_header(&s.name))
    }
}

/// `text` with part `i` (from 0) at the separator `sep` replaced by `f` of the old part;
/// missing parts are added empty.
fn splice(text: &str, sep: char, i: usize, f: impl FnOnce(&str) -> String) -> String {
    let mut parts: Vec<&str> = if text.is_empty() {
        Vec::new()
    } else {
        text.split(sep).collect()
    };
    while parts.len() <= i {
        parts.push("");
    }
    let new = f(parts[i]);
    let mut out = String::with_capacity(text.len() + new.len() + i);
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            out.push(sep);
        }
        out.push_str(if k == i { &new } else { p });
    }
    out
}

/// `text` (wire text at `level`) with the position `at` (components, subcomponents, from 1)
/// replaced. Writing a plain value where a composite's text is (`whole` false) replaces the
/// first part, as reading gives it.
fn splice_level(
    text: &str,
    level: Level,
    at: &[u32],
    wire: &str,
    d: &Delimiters,
    whole: bool,
) -> String {
    match (at.split_first(), level.separator(d), level.child()) {
        (Some((c, rest)), Some(sep), Some(child)) => splice(text, sep, *c as usize - 1, |old| {
            splice_level(old, child, rest, wire, d, whole)
        }),
        // Below the subcomponent level there are no parts: the text is the value.
        (Some(_), _, _) => wire.to_owned(),
        (None, Some(sep), Some(child)) if !whole => splice(text, sep, 0, |old| {
            splice_level(old, child, &[], wire, d, whole)
        }),
        (None, _, _) => wire.to_owned(),
    }
}

/// A raw segment line with the field spec's position replaced.
fn splice_segment(
    line: &str,
    spec: &FieldSpec,
    wire: &str,
    d: &Delimiters,
    whole: bool,
    path: &TerserPath,
) -> Result<String, PathError> {
    let header = is_header(segment_id(line));
    if header && spec.field == 1 {
        return Err(PathError::FieldSeparator {
            path: path.text.clone(),
        });
    }
    let piece = if header { spec.field - 1 } else { spec.field } as usize;
    if header && spec.field == 2 {
        return Ok(splice(line, d.field, piece, |_| wire.to_owned()));
    }
    let at: Vec<u32> = [spec.component, spec.subcomponent]
        .into_iter()
        .flatten()
        .collect();
    Ok(splice(line, d.field, piece, |field| {
        splice(field, d.repetition, spec.rep, |rep| {
            splice_level(rep, Level::Field, &at, wire, d, whole)
        })
    }))
}

impl TerserPath {
    /// The value at this path in a tokenised message ([`crate::er7::Tokenized`]), which has
    /// segments but no groups: the path names a segment (searched in message order) and a
    /// position in it.
    ///
    /// ```
    /// use hl7_model::{er7, path::TerserPath};
    /// let m = er7::Tokenized::parse("MSH|^~\\&|A||||||ADT^A01|1|P|2.5\rPID|1||7~8^^^H\r").unwrap();
    /// let p: TerserPath = "PID-3(1)-4".parse().unwrap();
    /// assert_eq!(p.get_tokenized(&m).unwrap().as_deref(), Some("H"));
    /// ```
    pub fn get_tokenized(
        &self,
        m: &crate::er7::Tokenized<'_>,
    ) -> Result<Option<String>, PathError> {
        let [step] = self.steps.as_slice() else {
            return Err(PathError::NoGroups {
                path: self.text.clone(),
            });
        };
        let d = m.delimiters();
        let Some(seg) = m
            .segments()
            .iter()
            .filter(|s| s.id() == step.name)
            .nth(step.rep)
        else {
            return Ok(None);
        };
        if self.field.is_none() {
            return Ok(Some(seg.as_str().to_owned()));
        }
        let Some(node) = self.descend(Node::RawSegment(seg.as_str()), d) else {
            return Ok(None);
        };
        let header_verbatim = self.names_header_field();
        Ok(first_value(node, d).map(|v| {
            if header_verbatim {
                v.to_owned()
            } else {
                unescape(v, d).into_owned()
            }
        }))
    }
}

/// What a path's steps reach in a message.
enum Target {
    /// The segment whose entry is at `entry`, a child (or unexpected segment) of a group
    /// occurrence of definition `parent`.
    Segment {
        entry: usize,
        parent: &'static crate::descriptor::GroupDesc,
    },
    /// The group occurrence whose entry is at `entry`, of definition `desc`.
    Group {
        entry: usize,
        desc: &'static crate::descriptor::GroupDesc,
    },
}

/// The occurrence `rep` (in message order) of `name` among the entries `range` of `m`, whose
/// enclosing group is `desc`; and how many occurrences there are.
fn search(
    m: &crate::tree::Lean,
    desc: &'static crate::descriptor::GroupDesc,
    range: std::ops::Range<usize>,
    name: &str,
    rep: usize,
) -> (Option<Target>, usize) {
    use crate::tree::EntryKind;
    let entries = &m.tree().entries;
    // The definitions of the groups open around each entry, with where each ends.
    let mut open: Vec<(usize, &'static crate::descriptor::GroupDesc)> = vec![(range.end, desc)];
    let mut seen = 0;
    for i in range {
        while open.len() > 1 && open.last().is_some_and(|(end, _)| *end <= i) {
            open.pop();
        }
        let e = entries[i];
        let here = open.last().map_or(desc, |(_, d)| *d);
        let hit = match e.kind {
            EntryKind::Segment | EntryKind::Unexpected => (segment_id(m.segment(e.value)) == name)
                .then_some(Target::Segment {
                    entry: i,
                    parent: here,
                }),
            EntryKind::Group => {
                let Some(ItemDesc::Group { group, .. }) = here.items.get(e.item as usize) else {
                    continue;
                };
                open.push((e.value as usize, group));
                (group.name == name).then_some(Target::Group {
                    entry: i,
                    desc: group,
                })
            }
        };
        if let Some(t) = hit {
            if seen == rep {
                return (Some(t), seen + 1);
            }
            seen += 1;
        }
    }
    (None, seen)
}

impl TerserPath {
    /// Where the steps lead in message `m`: `None` when it does not exist there.
    fn locate(&self, m: &crate::tree::Lean) -> Result<Option<Target>, PathError> {
        use crate::tree::EntryKind;
        let entries = &m.tree().entries;
        let mut desc = m.root();
        let mut range = 0..entries.len();
        let last = self.steps.len() - 1;
        let mut target = None;
        for (k, step) in self.steps.iter().enumerate() {
            let searching = step.search || (k == 0 && !self.anchored);
            let direct = (!searching)
                .then(|| desc.items.iter().position(|i| item_name(i) == step.name))
                .flatten();
            let found = match direct {
                Some(i) => m
                    .tree()
                    .children(range.clone())
                    .filter(|(_, e)| e.kind != EntryKind::Unexpected && e.item as usize == i)
                    .nth(step.rep)
                    .map(|(at, e)| match (e.kind, &desc.items[i]) {
                        (EntryKind::Group, ItemDesc::Group { group, .. }) => Target::Group {
                            entry: at,
                            desc: group,
                        },
                        _ => Target::Segment {
                            entry: at,
                            parent: desc,
                        },
                    }),
                None => {
                    let (hit, _) = search(m, desc, range.clone(), &step.name, step.rep);
                    if hit.is_none()
                        && definition_path(desc.items, &step.name).is_none()
                        && !(k == last && looks_like_segment(&step.name))
                    {
                        return Err(self.err_no_item(desc.name, &step.name));
                    }
                    hit
                }
            };
            let Some(found) = found else {
                return Ok(None);
            };
            match found {
                Target::Segment { .. } if k != last => {
                    return Err(PathError::SegmentNotLast {
                        path: self.text.clone(),
                        name: step.name.clone(),
                    });
                }
                Target::Group { entry, desc: g } => {
                    desc = g;
                    range = entry + 1..entries[entry].value as usize;
                }
                Target::Segment { .. } => {}
            }
            target = Some(found);
        }
        if self.field.is_some() && matches!(target, Some(Target::Group { .. })) {
            return Err(PathError::FieldOfGroup {
                path: self.text.clone(),
                name: self.steps[last].name.clone(),
            });
        }
        Ok(target)
    }

    /// The value at this path in a message ([`crate::tree::Lean`]), read from the segment's
    /// text; `None` when nothing is there (see the [module docs](self) for the rules).
    ///
    /// ```
    /// use hl7_model::path::TerserPath;
    /// let text = "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||123~456||Doe^John\rOBR|1\rOBX|1|NM|GLU||5.4\rOBX|2|NM|NA||140\r";
    /// let m = hl7_model::parse(text).unwrap();
    /// let get = |p: &str| p.parse::<TerserPath>().unwrap().get(m.lean()).unwrap();
    /// assert_eq!(get("PID-3(1)").as_deref(), Some("456"));
    /// assert_eq!(get("/PATIENT_RESULT/ORDER_OBSERVATION/OBX(1)-5").as_deref(), Some("140"));
    /// assert_eq!(get("/PATIENT_RESULT/PATIENT/PID-5-2").as_deref(), Some("John"));
    /// ```
    pub fn get(&self, m: &crate::tree::Lean) -> Result<Option<String>, PathError> {
        let Some(Target::Segment { entry, .. }) = self.locate(m)? else {
            return Ok(None);
        };
        let Some(i) = m.tree().entries.get(entry).map(|e| e.value) else {
            return Ok(None);
        };
        let d = m.delimiters();
        let Some(node) = self.descend(Node::RawSegment(m.segment(i)), d) else {
            return Ok(None);
        };
        let header_verbatim = self.names_header_field();
        Ok(first_value(node, d).map(|v| {
            if header_verbatim {
                v.to_owned()
            } else {
                unescape(v, d).into_owned()
            }
        }))
    }
}

impl TerserPath {
    /// The wire text of what this path names in a message (a field with all its components,
    /// a segment, a group's segments each ended by `\r`); `None` when nothing is there.
    ///
    /// ```
    /// use hl7_model::path::TerserPath;
    /// let text = "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||7||Doe^John\rOBR|1\rOBX|1|NM|GLU||5.4\r";
    /// let m = hl7_model::parse(text).unwrap();
    /// let get = |p: &str| p.parse::<TerserPath>().unwrap().get_er7(m.lean()).unwrap();
    /// assert_eq!(get("PID-5").as_deref(), Some("Doe^John"));
    /// assert_eq!(get("/PATIENT_RESULT/ORDER_OBSERVATION").as_deref(), Some("OBR|1\rOBX|1|NM|GLU||5.4\r"));
    /// assert_eq!(get("PV1-2"), None);
    /// ```
    pub fn get_er7(&self, m: &crate::tree::Lean) -> Result<Option<String>, PathError> {
        use crate::tree::EntryKind;
        let entries = &m.tree().entries;
        match self.locate(m)? {
            None => Ok(None),
            Some(Target::Segment { entry, .. }) => {
                let Some(i) = entries.get(entry).map(|e| e.value) else {
                    return Ok(None);
                };
                let d = m.delimiters();
                Ok(self
                    .descend(Node::RawSegment(m.segment(i)), d)
                    .map(|node| match node {
                        Node::RawSegment(t) | Node::Raw(t, _) => t.to_owned(),
                    }))
            }
            Some(Target::Group { entry, .. }) => {
                let end = entries.get(entry).map_or(entry, |e| e.value as usize);
                let mut out = String::new();
                for e in entries.get(entry + 1..end).unwrap_or_default() {
                    if e.kind != EntryKind::Group {
                        out.push_str(m.segment(e.value));
                        out.push('\r');
                    }
                }
                Ok(Some(out))
            }
        }
    }
}

/// A group occurrence of a message: its entry (`None`: the structure itself) and its
/// definition.
#[derive(Clone, Copy)]
struct LeanGroup {
    entry: Option<usize>,
    desc: &'static GroupDesc,
}

impl LeanGroup {
    fn root(m: &Lean) -> LeanGroup {
        LeanGroup {
            entry: None,
            desc: m.root(),
        }
    }

    /// Its children's entries, as they are now.
    fn range(&self, m: &Lean) -> std::ops::Range<usize> {
        let entries = &m.tree().entries;
        match self.entry {
            None => 0..entries.len(),
            Some(e) => e + 1..entries.get(e).map_or(e + 1, |x| x.value as usize),
        }
    }
}

/// One step of where a write goes in a message, from the structure down. Entry indexes
/// are those of the tree before the write: the steps that create something come after every
/// step that names an existing entry, so creating never moves an entry still to be used.
#[derive(Clone, Copy)]
enum LeanStep {
    /// An existing group occurrence, found by search.
    Group(LeanGroup),
    /// An existing segment, found by search: its entry, and the definition of the group
    /// holding it.
    Segment {
        entry: usize,
        parent: &'static GroupDesc,
    },
    /// Occurrence `occurrence` of item `item` of the group reached so far, which may not
    /// exist yet.
    Item { item: usize, occurrence: usize },
}

/// Where a write goes: the steps from the structure down, and the id of a segment the
/// structure does not define, when the write adds one at the end of its group as unexpected.
struct LeanLocation {
    steps: Vec<LeanStep>,
    new_unexpected: Option<String>,
}

/// The entries of the occurrences of item `item` among the children of `g`.
fn occurrences(m: &Lean, g: LeanGroup, item: usize) -> impl Iterator<Item = usize> + '_ {
    m.tree()
        .children(g.range(m))
        .filter(move |(_, e)| e.kind != EntryKind::Unexpected && e.item as usize == item)
        .map(|(i, _)| i)
}

/// The existing group occurrence `steps` lead to.
fn lean_group_at(m: &Lean, steps: &[LeanStep]) -> Option<LeanGroup> {
    let mut g = LeanGroup::root(m);
    for step in steps {
        match *step {
            LeanStep::Group(found) => g = found,
            LeanStep::Segment { .. } => return None,
            LeanStep::Item { item, occurrence } => {
                let Some(ItemDesc::Group { group, .. }) = g.desc.items.get(item) else {
                    return None;
                };
                let entry = occurrences(m, g, item).nth(occurrence)?;
                g = LeanGroup {
                    entry: Some(entry),
                    desc: group,
                };
            }
        }
    }
    Some(g)
}

/// Steps for a new occurrence of the item reached by `chain` from `g`, through the last
/// occurrence of each group on the way.
fn new_occurrence_steps(
    m: &Lean,
    g: Option<LeanGroup>,
    items: &'static [ItemDesc],
    chain: &[usize],
) -> Option<Vec<LeanStep>> {
    let mut levels = Vec::with_capacity(chain.len());
    let mut cur = g;
    let mut items = items;
    for &i in chain {
        let desc = items.get(i)?;
        let (count, last) = cur.map_or((0, None), |g| {
            occurrences(m, g, i).fold((0usize, None), |(n, _), e| (n + 1, Some(e)))
        });
        levels.push((desc, count));
        cur = match (desc, last) {
            (ItemDesc::Group { group, .. }, Some(entry)) => Some(LeanGroup {
                entry: Some(entry),
                desc: group,
            }),
            _ => None,
        };
        if let ItemDesc::Group { group, .. } = desc {
            items = group.items;
        }
    }
    let new_at = levels
        .iter()
        .rposition(|(desc, count)| *count == 0 || item_repeats(desc))?;
    Some(
        chain
            .iter()
            .zip(&levels)
            .enumerate()
            .map(|(k, (&item, &(_, count)))| LeanStep::Item {
                item,
                occurrence: match k.cmp(&new_at) {
                    std::cmp::Ordering::Less => count.saturating_sub(1),
                    std::cmp::Ordering::Equal => count,
                    std::cmp::Ordering::Greater => 0,
                },
            })
            .collect(),
    )
}

/// Where a new occurrence of item `item` goes among the children of `g`, in definition
/// order: after the occurrences of that item and of the items before it, and after the
/// unexpected segments that arrived after those; before the later items and the unexpected
/// segments written after all items.
fn insertion_point(m: &Lean, g: LeanGroup, item: usize) -> usize {
    let range = g.range(m);
    let mut at = range.start;
    for (i, e) in m.tree().children(range.clone()) {
        if e.kind != EntryKind::Unexpected && e.item as usize <= item {
            at = match e.kind {
                EntryKind::Group => e.value as usize,
                _ => i + 1,
            };
        }
    }
    for (i, e) in m.tree().children(at..range.end) {
        if e.kind != EntryKind::Unexpected || e.item == Entry::AT_END {
            break;
        }
        at = i + 1;
    }
    at
}

/// The fields of segment line `line` as paths number them (for a header, field 1 is the
/// field separator and field 2 the encoding characters), after the id `id`.
fn typed_fields<'a>(line: &'a str, id: &str, d: &Delimiters) -> Vec<&'a str> {
    let rest = line.get(id.len()..).unwrap_or("");
    let mut fields = Vec::new();
    if is_header(id) {
        if let Some(sep) = rest.chars().next() {
            let (msh1, after) = rest.split_at(sep.len_utf8());
            fields.push(msh1);
            match after.split_once(d.field) {
                Some((msh2, remainder)) => {
                    fields.push(msh2);
                    fields.extend(remainder.split(d.field));
                }
                None => fields.push(after),
            }
        }
    } else if let Some(r) = rest.strip_prefix(d.field) {
        fields.extend(r.split(d.field));
    }
    fields
}

/// What a write puts, and by which definitions: the wire text, the delimiters, whether
/// it replaces a composite whole (ER7 text) or its first part (a value), and the version whose
/// datatypes say which elements are composites.
#[derive(Clone, Copy)]
struct Writing<'a> {
    wire: &'a str,
    d: &'a Delimiters,
    whole: bool,
    version: &'a VersionDesc,
}

/// The text of an element of datatype `datatype` at `level`, wire text `old`, once position
/// `at` (components, subcomponents, from 1) is written by the datatype's definition: a
/// composite writes into its components, keeping the parts it was sent with (trailing empty
/// ones included) and dropping empty parts beyond them; a primitive replaces its whole text,
/// or with a position, splices it as text.
fn write_typed_element(
    old: &str,
    datatype: &str,
    level: Level,
    at: &[u32],
    w: &Writing<'_>,
    depth: usize,
) -> String {
    let Writing {
        wire,
        d,
        whole,
        version,
    } = *w;
    let components = (datatype != VARIES)
        .then(|| version.datatype(datatype))
        .flatten()
        .map(|t| t.components)
        .filter(|c| !c.is_empty());
    // A definition nested deeper than any standard one is written as text.
    let Some(components) = components.filter(|_| depth < 8) else {
        return if at.is_empty() {
            wire.to_owned()
        } else {
            splice_level(old, level, at, wire, d, true)
        };
    };
    let (i, rest) = match at.split_first() {
        Some((i, rest)) => ((*i as usize).saturating_sub(1), rest),
        None if whole => return wire.to_owned(),
        None => (0, at),
    };
    let (Some(sep), Some(child)) = (level.separator(d), level.child()) else {
        // A composite at the subcomponent level holds its text in its first component, and
        // writes only that.
        let first = components.first().map_or("", |c| c.datatype);
        return write_typed_element(old, first, level, rest, w, depth + 1);
    };
    let mut parts: Vec<std::borrow::Cow<'_, str>> = if old.is_empty() {
        Vec::new()
    } else {
        old.split(sep).map(Into::into).collect()
    };
    let sent = parts.len();
    while parts.len() <= i {
        parts.push("".into());
    }
    parts[i] = match components.get(i) {
        Some(c) => write_typed_element(&parts[i], c.datatype, child, rest, w, depth + 1),
        None => splice_level(&parts[i], child, rest, wire, d, whole),
    }
    .into();
    // Parts beyond the definition are kept with every defined one before them; otherwise
    // the parts sent and those holding something are written.
    if parts.len() <= components.len() {
        let last_present = parts
            .iter()
            .rposition(|p| !p.is_empty())
            .map_or(0, |k| k + 1);
        parts.truncate(sent.max(last_present));
    }
    let mut out = String::with_capacity(old.len() + wire.len() + i);
    for (k, p) in parts.iter().enumerate() {
        if k > 0 {
            out.push(sep);
        }
        out.push_str(p);
    }
    out
}

/// Segment line `line` with the field spec's position written by segment definition `seg`:
/// a field that does not repeat takes no repetition beyond the first, a new value beyond the
/// fields sent adds the fields up to it, an empty one adds nothing, and fields beyond the
/// definition are written as text.
fn write_typed_segment(
    line: &str,
    seg: &SegmentDesc,
    spec: &FieldSpec,
    w: &Writing<'_>,
    path: &TerserPath,
) -> Result<String, PathError> {
    let Writing { wire, d, whole, .. } = *w;
    let id = seg.id;
    let header = is_header(id);
    if header && spec.field == 1 {
        return Err(PathError::FieldSeparator {
            path: path.text.clone(),
        });
    }
    let seq = spec.field as usize;
    let field = seg.fields.get(seq - 1).filter(|f| f.seq as usize == seq);
    // Text that is not this segment's, and fields beyond the definition, are text.
    let (Some(field), true) = (field, line.split(d.field).next() == Some(id)) else {
        return splice_segment(line, spec, wire, d, whole, path);
    };
    let mut fields: Vec<std::borrow::Cow<'_, str>> = typed_fields(line, id, d)
        .into_iter()
        .map(Into::into)
        .collect();
    let sent = fields.len();
    while fields.len() < seq {
        fields.push("".into());
    }
    let at: Vec<u32> = [spec.component, spec.subcomponent]
        .into_iter()
        .flatten()
        .collect();
    let text = &fields[seq - 1];
    let repeats = field.card.repeats();
    let new = if repeats {
        let mut reps: Vec<&str> = if text.is_empty() {
            Vec::new()
        } else {
            text.split(d.repetition).collect()
        };
        while reps.len() <= spec.rep {
            reps.push("");
        }
        let written = write_typed_element(reps[spec.rep], field.datatype, Level::Field, &at, w, 0);
        let mut out = String::with_capacity(text.len() + written.len() + spec.rep);
        for (k, r) in reps.iter().enumerate() {
            if k > 0 {
                out.push(d.repetition);
            }
            out.push_str(if k == spec.rep { &written } else { r });
        }
        out
    } else {
        if spec.rep > 0 {
            return Err(PathError::NotRepeating {
                path: path.text.clone(),
                what: format!("{id}-{}", spec.field),
            });
        }
        let verbatim = header && seq <= 2;
        let level = if verbatim {
            Level::Subcomponent
        } else {
            Level::Field
        };
        // Repetitions a non-repeating field was sent with are kept after the first.
        let (first, more) = match text.split_once(d.repetition).filter(|_| !verbatim) {
            Some((a, b)) => (a, Some(b)),
            None => (&**text, None),
        };
        let mut out = write_typed_element(first, field.datatype, level, &at, w, 0);
        if let Some(more) = more {
            out.push(d.repetition);
            out.push_str(more);
        }
        out
    };
    fields[seq - 1] = new.into();
    // Fields beyond the definition are kept with every defined one before them; otherwise
    // the fields sent and those holding something are written (a repeating field written to
    // holds a repetition, even an empty one).
    if fields.len() <= seg.fields.len() {
        let last_present = fields
            .iter()
            .enumerate()
            .filter(|(k, f)| !f.is_empty() || (repeats && *k == seq - 1))
            .map(|(k, _)| k + 1)
            .max()
            .unwrap_or(0);
        fields.truncate(sent.max(last_present));
    }
    let mut out = String::with_capacity(line.len() + wire.len() + seq);
    out.push_str(id);
    for (k, f) in fields.iter().enumerate() {
        if !(header && k == 1) {
            out.push(d.field);
        }
        if !(header && k == 0) {
            out.push_str(f);
        }
    }
    Ok(out)
}

/// The datatype id of fields whose datatype another field gives at run time (OBX-5).
const VARIES: &str = "varies";

impl TerserPath {
    fn edit_error(&self, source: crate::tree::EditError) -> PathError {
        PathError::Edit {
            path: self.text.clone(),
            source,
        }
    }

    /// Where a write of this path goes in `m`: the existing entries the steps name, then the
    /// occurrences to create.
    fn locate_lean_write(&self, m: &Lean) -> Result<LeanLocation, PathError> {
        let mut steps: Vec<LeanStep> = Vec::new();
        let mut exists = true;
        let mut desc = m.root();
        let mut target_is_group = true;
        let last = self.steps.len() - 1;
        for (k, step) in self.steps.iter().enumerate() {
            let cur = if exists {
                lean_group_at(m, &steps)
            } else {
                None
            };
            let searching = step.search || (k == 0 && !self.anchored);
            let direct = (!searching)
                .then(|| desc.items.iter().position(|i| item_name(i) == step.name))
                .flatten();
            let (found, found_group, found_exists) = if let Some(i) = direct {
                let occurs = cur.is_some_and(|g| occurrences(m, g, i).nth(step.rep).is_some());
                (
                    vec![LeanStep::Item {
                        item: i,
                        occurrence: step.rep,
                    }],
                    matches!(desc.items.get(i), Some(ItemDesc::Group { .. })),
                    occurs,
                )
            } else {
                let (hit, seen) = match cur {
                    Some(g) => search(m, g.desc, g.range(m), &step.name, step.rep),
                    None => (None, 0),
                };
                match hit {
                    Some(Target::Group { entry, desc: found }) => (
                        vec![LeanStep::Group(LeanGroup {
                            entry: Some(entry),
                            desc: found,
                        })],
                        true,
                        true,
                    ),
                    Some(Target::Segment { entry, parent }) => {
                        (vec![LeanStep::Segment { entry, parent }], false, true)
                    }
                    None => match definition_path(desc.items, &step.name) {
                        // Only the next occurrence can be created.
                        Some(chain) if step.rep == seen => {
                            let at = new_occurrence_steps(m, cur, desc.items, &chain).ok_or_else(
                                || PathError::CannotCreate {
                                    path: self.text.clone(),
                                    name: step.name.clone(),
                                },
                            )?;
                            let group =
                                matches!(leaf(desc.items, &chain), Some(ItemDesc::Group { .. }));
                            (at, group, false)
                        }
                        Some(_) => {
                            return Ok(LeanLocation {
                                steps,
                                new_unexpected: None,
                            });
                        }
                        // A message has one header and no envelope: a second MSH, or an
                        // FHS/BHS/BTS/FTS, would make a text that no longer reads as one
                        // message (found by fuzzing).
                        None if k == last
                            && step.rep == seen
                            && is_envelope_or_header(&step.name) =>
                        {
                            return Err(PathError::CannotCreate {
                                path: self.text.clone(),
                                name: step.name.clone(),
                            });
                        }
                        None if k == last && looks_like_segment(&step.name) => {
                            return Ok(LeanLocation {
                                steps,
                                new_unexpected: (step.rep == seen).then(|| step.name.clone()),
                            });
                        }
                        None => return Err(self.err_no_item(desc.name, &step.name)),
                    },
                }
            };
            if !found_group && k != last {
                return Err(PathError::SegmentNotLast {
                    path: self.text.clone(),
                    name: step.name.clone(),
                });
            }
            for s in &found {
                match *s {
                    LeanStep::Item { item, .. } => {
                        if let Some(ItemDesc::Group { group, .. }) = desc.items.get(item) {
                            desc = group;
                        }
                    }
                    LeanStep::Group(g) => desc = g.desc,
                    LeanStep::Segment { .. } => {}
                }
            }
            steps.extend(found);
            exists &= found_exists;
            target_is_group = found_group;
        }
        if self.field.is_some() && target_is_group {
            return Err(PathError::FieldOfGroup {
                path: self.text.clone(),
                name: self.steps[last].name.clone(),
            });
        }
        Ok(LeanLocation {
            steps,
            new_unexpected: None,
        })
    }

    /// The entry of occurrence `occurrence` of item `item` of `g`, adding occurrences with
    /// `add` (which inserts one at the position given) until it exists, where `repeats`
    /// allows more than one: `None` when it does not.
    fn lean_occurrence(
        &self,
        m: &mut Lean,
        g: LeanGroup,
        (item, occurrence): (usize, usize),
        repeats: bool,
        add: impl Fn(&mut Lean, Option<usize>, usize) -> Result<usize, crate::tree::EditError>,
    ) -> Result<Option<usize>, PathError> {
        loop {
            let mut count = 0;
            let mut found = None;
            for e in occurrences(m, g, item) {
                if count == occurrence {
                    found = Some(e);
                    break;
                }
                count += 1;
            }
            if found.is_some() {
                return Ok(found);
            }
            if count > 0 && !repeats {
                return Ok(None);
            }
            let at = insertion_point(m, g, item);
            add(m, g.entry, at).map_err(|e| self.edit_error(e))?;
        }
    }

    /// The group occurrence `steps` lead to, creating occurrences on the way.
    fn lean_group_at_mut(&self, m: &mut Lean, steps: &[LeanStep]) -> Result<LeanGroup, PathError> {
        let mut g = LeanGroup::root(m);
        for step in steps {
            match *step {
                LeanStep::Group(found) => g = found,
                LeanStep::Segment { .. } => {
                    return Err(self.err_no_item(g.desc.name, "an unexpected segment"));
                }
                LeanStep::Item { item, occurrence } => {
                    let name = g.desc.name;
                    let Some(&ItemDesc::Group { group, card }) = g.desc.items.get(item) else {
                        return Err(self.err_no_item(name, "a group"));
                    };
                    let item16 =
                        u16::try_from(item).map_err(|_| self.err_no_item(name, "a group"))?;
                    let entry = self
                        .lean_occurrence(m, g, (item, occurrence), card.repeats(), |m, p, at| {
                            m.insert_group(p, at, item16)
                        })?
                        .ok_or_else(|| PathError::CannotCreate {
                            path: self.text.clone(),
                            name: name.to_owned(),
                        })?;
                    g = LeanGroup {
                        entry: Some(entry),
                        desc: group,
                    };
                }
            }
        }
        Ok(g)
    }

    /// Writes `value` (plain text: delimiters in it are escaped) at this path in a message,
    /// creating what is missing on the way (see the [module docs](self)). Fields are written
    /// by the definitions of the message's version
    /// ([`Lean::with_version`]); without one, by the text's structure alone, as segments the
    /// structure does not define are.
    ///
    /// ```
    /// use hl7_model::path::TerserPath;
    /// let text = "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||123||Doe^John\rOBR|1\rOBX|1|NM|GLU||5.4\r";
    /// let mut lean = hl7_model::parse(text).unwrap().lean().clone();
    /// let set = |lean: &mut hl7_model::tree::Lean, p: &str, v: &str| {
    ///     p.parse::<TerserPath>().unwrap().set(lean, v).unwrap()
    /// };
    /// set(&mut lean, "PID-5-1", "O'Brien & Sons");
    /// set(&mut lean, "OBX(1)-5", "99"); // a second OBX, in a new OBSERVATION group
    /// set(&mut lean, "ZZZ-1", "z"); // not in the structure: added at the end
    /// assert_eq!(
    ///     lean.to_er7(),
    ///     "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||123||O'Brien \\T\\ Sons^John\r\
    ///      OBR|1\rOBX|1|NM|GLU||5.4\rOBX|||||99\rZZZ|z\r"
    /// );
    /// ```
    pub fn set(&self, m: &mut Lean, value: &str) -> Result<(), PathError> {
        if self.field.is_none() {
            return Err(PathError::NoField {
                path: self.text.clone(),
            });
        }
        let d = *m.delimiters();
        // MSH-1 and MSH-2 are the delimiters themselves: there is nothing to escape.
        let wire = if self.names_header_field() {
            value.into()
        } else {
            escape_formatted(value, &d)
        };
        self.write(m, &wire, false)
    }

    /// Writes `wire` (ER7 text, its delimiters taken as structure) at this path in a message,
    /// creating what is missing on the way, by the rules of [`TerserPath::set`]. A path naming
    /// a segment replaces it whole.
    ///
    /// The message holds text only, so text with a separator above the position written
    /// (`a~b` written to one repetition, `a|b` to a field) is at once the structure it spells:
    /// later paths find two repetitions or two fields there.
    pub fn set_er7(&self, m: &mut Lean, wire: &str) -> Result<(), PathError> {
        self.write(m, wire, true)
    }

    fn write(&self, m: &mut Lean, wire: &str, whole: bool) -> Result<(), PathError> {
        let loc = self.locate_lean_write(m)?;
        let d = *m.delimiters();
        let spec = self.field;
        let last_name = self.steps.last().map(|s| s.name.as_str()).unwrap_or("");
        // A whole segment written as ER7 must be that segment.
        if spec.is_none() && segment_id(wire) != last_name {
            return Err(if looks_like_segment(last_name) {
                PathError::WrongSegment {
                    path: self.text.clone(),
                    expected: last_name.to_owned(),
                    found: segment_id(wire).to_owned(),
                }
            } else {
                PathError::NoField {
                    path: self.text.clone(),
                }
            });
        }
        if let Some(id) = loc.new_unexpected {
            let g = self.lean_group_at_mut(m, &loc.steps)?;
            let mut line = id;
            if let Some(spec) = spec {
                line = splice_segment(&line, &spec, wire, &d, whole, self)?;
            } else if whole {
                line = wire.to_owned();
            }
            let end = g.range(m).end;
            m.insert_segment(g.entry, end, EntryKind::Unexpected, Entry::AT_END, &line)
                .map_err(|e| self.edit_error(e))?;
            return Ok(());
        }
        let Some((last, above)) = loc.steps.split_last() else {
            return Err(PathError::FieldOfGroup {
                path: self.text.clone(),
                name: m.root().name.to_owned(),
            });
        };
        let g = self.lean_group_at_mut(m, above)?;
        let name = self
            .steps
            .last()
            .map(|s| s.name.clone())
            .unwrap_or_default();
        let (entry, parent) = match *last {
            LeanStep::Segment { entry, parent } => (entry, parent),
            LeanStep::Group(_) => {
                return Err(PathError::NoField {
                    path: self.text.clone(),
                });
            }
            LeanStep::Item { item, occurrence } => match g.desc.items.get(item) {
                Some(&ItemDesc::Segment { id, card }) => {
                    let item16 =
                        u16::try_from(item).map_err(|_| self.err_no_item(g.desc.name, &name))?;
                    // A new segment holds its id alone; one taking any segment, nothing.
                    let text = if id == ANY_SEGMENT_ID { "" } else { id };
                    let entry = self
                        .lean_occurrence(m, g, (item, occurrence), card.repeats(), |m, p, at| {
                            m.insert_segment(p, at, EntryKind::Segment, item16, text)
                        })?
                        .ok_or_else(|| PathError::CannotCreate {
                            path: self.text.clone(),
                            name: name.clone(),
                        })?;
                    (entry, g.desc)
                }
                // Groups hold segments, not text.
                Some(ItemDesc::Group { .. }) => {
                    return Err(PathError::NoField {
                        path: self.text.clone(),
                    });
                }
                None => return Err(self.err_no_item(g.desc.name, &name)),
            },
        };
        let Some(e) = m.tree().entries.get(entry).copied() else {
            return Err(self.err_no_item(parent.name, &name));
        };
        // Segments at an item of the grammar follow their definition; segments kept outside
        // it, and those at an item taking any segment, are text.
        let typed_id = match (e.kind, parent.items.get(e.item as usize)) {
            (EntryKind::Segment, Some(ItemDesc::Segment { id, .. })) if *id != ANY_SEGMENT_ID => {
                Some(*id)
            }
            _ => None,
        };
        let old = m.segment(e.value);
        let new = match spec {
            Some(spec) => match typed_id
                .zip(m.version())
                .and_then(|(id, v)| Some((v.segment(id)?, v)))
            {
                Some((seg, version)) => {
                    let w = Writing {
                        wire,
                        d: &d,
                        whole,
                        version,
                    };
                    write_typed_segment(old, seg, &spec, &w, self)?
                }
                None => splice_segment(old, &spec, wire, &d, whole, self)?,
            },
            None => {
                if let Some(id) = typed_id
                    && wire.split(d.field).next() != Some(id)
                {
                    return Err(PathError::WrongSegment {
                        path: self.text.clone(),
                        expected: id.to_owned(),
                        found: segment_id(wire).to_owned(),
                    });
                }
                wire.to_owned()
            }
        };
        if is_header(segment_id(old)) {
            self.check_delimiters_kept(old, &new, &d)?;
        }
        m.replace_segment(e.value, &new)
            .map_err(|err| self.edit_error(err))
    }

    /// Refuses a header line `new` whose MSH-1 and MSH-2 are not those of `old` (or, for a
    /// header read with a repair, the delimiters `d` the message was read with).
    fn check_delimiters_kept(&self, old: &str, new: &str, d: &Delimiters) -> Result<(), PathError> {
        // MSH-1 and MSH-2 of a header line: the character after the id and the text up to
        // the next one.
        fn declared(line: &str) -> Option<(char, &str)> {
            let rest = line.get(3..)?;
            let f = rest.chars().next()?;
            Some((f, rest[f.len_utf8()..].split(f).next().unwrap_or("")))
        }
        let kept = declared(new).is_some_and(|(f, enc)| {
            f == d.field && (declared(old) == Some((f, enc)) || enc == d.encoding_characters())
        });
        if kept {
            return Ok(());
        }
        let text = |l: &str| declared(l).map_or(String::new(), |(f, enc)| format!("{f}{enc}"));
        Err(PathError::EncodingCharacters {
            path: self.text.clone(),
            found: text(new),
            expected: text(old),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syntax() {
        let p = TerserPath::parse("/PATIENT_RESULT/.ORDER_OBSERVATION(1)/OBX[3]-5(2)-1-2").unwrap();
        assert!(p.anchored);
        assert_eq!(p.steps.len(), 3);
        assert!(p.steps[1].search);
        assert_eq!((p.steps[1].rep, p.steps[2].rep), (1, 2));
        assert_eq!(
            p.field,
            Some(FieldSpec {
                field: 5,
                rep: 2,
                component: Some(1),
                subcomponent: Some(2)
            })
        );
        assert_eq!(
            TerserPath::parse("pid.5.1").unwrap(),
            TerserPath::parse("PID-5-1").unwrap().with_text("pid.5.1")
        );
        for (bad, at) in [
            ("", 0),
            ("PID-", 4),
            ("PID-5-", 6),
            ("PID(1", 5),
            ("OBX[0]", 4),
            ("PID-5x", 5),
            ("/", 1),
        ] {
            match TerserPath::parse(bad) {
                Err(PathError::Syntax { at: found, .. }) => assert_eq!(found, at, "{bad}"),
                other => panic!("{bad}: {other:?}"),
            }
        }
        assert!(matches!(
            TerserPath::parse("PID-3(10000)"),
            Err(PathError::IndexTooLarge { index: 10000, .. })
        ));
        assert!(TerserPath::parse("PID-3(10000)").is_err());
        assert!(TerserPath::parse("PID-99999999999999999999").is_err());
        assert!(matches!(
            TerserPath::parse("PID-4000000000"),
            Err(PathError::IndexTooLarge {
                limit: DEFAULT_MAX_INDEX,
                ..
            })
        ));
        assert!(matches!(
            TerserPath::parse("PID-1-1-10000"),
            Err(PathError::IndexTooLarge { index: 10000, .. })
        ));
        let wide = TerserPath::parse("PID-3(10)").unwrap().with_max_index(5);
        assert!(matches!(
            wide,
            Err(PathError::IndexTooLarge { limit: 5, .. })
        ));
    }

    impl TerserPath {
        fn with_text(mut self, t: &str) -> TerserPath {
            self.text = t.to_owned();
            self
        }
    }

    #[test]
    fn splicing_pads_and_keeps_the_rest() {
        let d = Delimiters::default();
        assert_eq!(splice("a|b", '|', 3, |_| "x".into()), "a|b||x");
        assert_eq!(splice("", '^', 0, |_| "x".into()), "x");
        assert_eq!(
            splice_level("A^B&C", Level::Field, &[2, 2], "Z", &d, true),
            "A^B&Z"
        );
        assert_eq!(
            splice_level("A^B", Level::Field, &[], "Z", &d, false),
            "Z^B"
        );
        assert_eq!(splice_level("A^B", Level::Field, &[], "Z", &d, true), "Z");
        let spec = FieldSpec {
            field: 3,
            rep: 1,
            component: Some(2),
            subcomponent: None,
        };
        let p = TerserPath::parse("ZXT-3").unwrap();
        assert_eq!(
            splice_segment("ZXT|1", &spec, "v", &d, false, &p).unwrap(),
            "ZXT|1||~^v"
        );
        let msh = FieldSpec {
            field: 4,
            rep: 0,
            component: None,
            subcomponent: None,
        };
        assert_eq!(
            splice_segment("MSH|^~\\&|A", &msh, "B", &d, false, &p).unwrap(),
            "MSH|^~\\&|A|B"
        );
        assert_eq!(raw_field("MSH|^~\\&|A|B", 1, &d), Some("|"));
        assert_eq!(raw_field("MSH|^~\\&|A|B", 2, &d), Some("^~\\&"));
        assert_eq!(raw_field("MSH|^~\\&|A|B", 4, &d), Some("B"));
        assert_eq!(raw_field("ZXT|A|B", 2, &d), Some("B"));
    }
}
