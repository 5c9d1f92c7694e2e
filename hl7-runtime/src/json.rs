//! The JSON form of typed messages (cargo feature `serde`): [`serde::Serialize`] for any group,
//! segment or element, written once over the `dyn` traits and the descriptors, so that no
//! serialisation code is generated per type (docs/architecture.md, "Compile time").
//!
//! The wrappers ([`MessageJson`], [`GroupJson`], [`SegmentJson`], [`ElementJson`]) borrow what
//! they serialise and write it straight to the serializer: no intermediate tree is built, and
//! nothing is allocated per value except the decoded text of values holding escapes.
//! `hl7_model::message::Parsed` implements `Serialize` through [`MessageJson`].
//!
//! A lean message (`hl7_model::tree::Lean`, from `hl7_model::message::parse_lean`) has the
//! same form through [`LeanJson`], read from its segment text by the version's descriptors
//! rather than through the typed traits: for any message, the two write the same document.
//!
//! # The JSON form
//!
//! This shape is the product's stable JSON form; any serde format gets the same structure.
//!
//! - **Message**: `{"version": "2.5", "structure": "ORU_R01", "message": GROUP}`.
//! - **Group**: an object whose keys follow the definition order of the group's items; only
//!   items that occur appear. A segment item's key is its segment id (`"PID"`), a group item's
//!   key is the group's name (`"PATIENT_RESULT"`). An item whose cardinality repeats is always
//!   an array, even with one occurrence; any other item is an object. When a group's
//!   definition holds the same key at two positions (ADT_A01 has `ROL` as its 6th and 10th
//!   items), each of those items takes its 1-based position as a suffix, `"ROL_6"` and
//!   `"ROL_10"`, as the Rust fields do (`rol_6`, `rol_10`): a key never depends on which items
//!   occur. Segments the grammar had no place for (Z-segments, segments out of order) follow
//!   the items under `"unexpected"`, an array of their wire text, when there are any. An item
//!   accepting any segment (the `*` item of a generic message) has the key `"segments"`, and
//!   each of its segments is its wire text.
//! - **Segment**: an object with a key per field that was sent, `"PID.1"`, `"PID.5"` …; absent
//!   fields are left out. A field whose cardinality repeats is always an array; any other is an
//!   element. MSH-1 and MSH-2 (FHS, BHS too) are the delimiters themselves, given verbatim.
//!   Fields beyond the definition keep their position (`"PID.40"`) and their wire text.
//!   Repetitions sent for a non-repeating field make that field an array: the typed first
//!   repetition, then the others as wire text.
//! - **Element**: a primitive is its text with escapes decoded
//!   ([`crate::er7::escape::unescape`]: `\F\` is `|`; formatting such as `\.br\` and `\H\` is
//!   kept as sent); `""` (a null sent on purpose) is `null`, and so is a composite sent as
//!   `""` alone (`|""|` nulls the whole field). A composite is an object keyed
//!   `"<DATATYPE>.<n>"` (`"XPN.1"`, and inside a subcomponent composite `"FN.1"`) for the
//!   components that were sent; components beyond the definition keep their position and
//!   wire text. An empty repetition inside an array is `""` (a primitive) or `{}` (a
//!   composite), so that positions are kept.
//! - **Fields of datatype `varies`** (OBX-5): without separators, a decoded string. With
//!   component separators, an object of components: keyed by the datatype the segment's
//!   "Value Type" field names (OBX-2 `CE` gives `"CE.1"`, `"CE.2"` …) when that is a composite
//!   of the message's version, else `"1"`, `"2"` … . A component holding subcomponent
//!   separators is split the same way, by its own datatype when the value type gives one.
//!
//! ```json
//! {
//!   "version": "2.5",
//!   "structure": "ORU_R01",
//!   "message": {
//!     "MSH": {"MSH.1": "|", "MSH.2": "^~\\&", "MSH.9": {"MSG.1": "ORU", "MSG.2": "R01"}, "MSH.12": {"VID.1": "2.5"}},
//!     "PATIENT_RESULT": [{
//!       "PATIENT": {"PID": {"PID.3": [{"CX.1": "123"}], "PID.5": [{"XPN.1": {"FN.1": "Doe"}, "XPN.2": "John"}]}},
//!       "ORDER_OBSERVATION": [{
//!         "OBR": {"OBR.1": "1"},
//!         "OBSERVATION": [{"OBX": {"OBX.2": "CE", "OBX.5": [{"CE.1": "GLU", "CE.2": "Glucose"}]}}]
//!       }]
//!     }],
//!     "unexpected": ["ZXT|site data"]
//!   }
//! }
//! ```
//!
//! # Example
//!
//! A site's own segment, declared with the derives, as JSON:
//!
//! ```
//! use hl7_model::delimiters::Delimiters;
//! use hl7_model::element::{SegmentType, Tail};
//! use hl7_model::json::SegmentJson;
//! use hl7_model::value::{Id, Si, St};
//!
//! #[derive(Debug, Clone, Default, PartialEq, hl7_model::Composite)]
//! #[hl7(datatype = "ZPT", name = "Pet")]
//! pub struct Pet {
//!     #[hl7(seq = 1, datatype = "ST")]
//!     pub name: St,
//!     #[hl7(seq = 2, datatype = "ID")]
//!     pub species: Id,
//!     #[hl7(tail)]
//!     pub tail: Tail,
//! }
//!
//! #[derive(Debug, Clone, Default, PartialEq, hl7_model::Segment)]
//! #[hl7(segment = "ZPI", name = "Patient pets")]
//! pub struct Zpi {
//!     #[hl7(seq = 1, datatype = "SI", card = "0..1")]
//!     pub set_id: Si,
//!     #[hl7(seq = 2, datatype = "ZPT", card = "0..*")]
//!     pub pets: Vec<Pet>,
//!     #[hl7(seq = 3, datatype = "ST", card = "0..1")]
//!     pub remark: St,
//!     #[hl7(tail)]
//!     pub tail: Tail,
//! }
//!
//! let d = Delimiters::default();
//! let zpi = Zpi::parse("ZPI|1|Rex^DOG|\"\"|beyond", &d).unwrap();
//! let json = serde_json::to_string(&SegmentJson::new(&zpi, &d)).unwrap();
//! assert_eq!(
//!     json,
//!     r#"{"ZPI.1":"1","ZPI.2":[{"ZPT.1":"Rex","ZPT.2":"DOG"}],"ZPI.3":null,"ZPI.4":"beyond"}"#
//! );
//! ```

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::delimiters::{Delimiters, Level};
use crate::descriptor::{
    Card, DatatypeDesc, ElementDesc, GroupDesc, ItemDesc, StructureDesc, VersionDesc,
};
use crate::element::{ANY_SEGMENT_ID, Composite, Element, FieldRef, Segment, is_header};
use crate::er7::escape::unescape;
use crate::group::{Group, ItemRef, Unexpected};
use crate::tree::{Children, Entry, EntryKind, Lean};
use crate::value::Value;
use crate::view::{FieldView, Part, SegmentView, Wire};

/// The datatype of fields whose type another field names at run time (OBX-5).
const VARIES: &str = "varies";

/// The key under which a group lists the segments its grammar had no place for.
const UNEXPECTED_KEY: &str = "unexpected";

/// The key of an item accepting any segment.
const ANY_SEGMENT_KEY: &str = "segments";

/// What every level of the serialisation needs: the delimiters to decode escapes and split
/// `varies` text with, and the version whose datatypes a "Value Type" field can name.
#[derive(Clone, Copy)]
struct Ctx<'a> {
    d: &'a Delimiters,
    version: Option<&'static VersionDesc>,
}

/// A whole message in the JSON form: `{"version", "structure", "message"}` (see the
/// [module documentation](self)).
#[derive(Clone, Copy)]
pub struct MessageJson<'a> {
    group: &'a dyn Group,
    ctx: Ctx<'a>,
    version: &'static VersionDesc,
    structure: &'static StructureDesc,
}

impl<'a> MessageJson<'a> {
    /// The message `group` of structure `structure`, read as `version` with delimiters `d`.
    pub fn new(
        group: &'a dyn Group,
        d: &'a Delimiters,
        version: &'static VersionDesc,
        structure: &'static StructureDesc,
    ) -> Self {
        MessageJson {
            group,
            ctx: Ctx {
                d,
                version: Some(version),
            },
            version,
            structure,
        }
    }
}

impl Serialize for MessageJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("version", self.version.version)?;
        map.serialize_entry("structure", self.structure.id)?;
        map.serialize_entry(
            "message",
            &GroupJson {
                group: self.group,
                ctx: self.ctx,
            },
        )?;
        map.end()
    }
}

/// A group (or a message structure without the message envelope) in the JSON form.
#[derive(Clone, Copy)]
pub struct GroupJson<'a> {
    group: &'a dyn Group,
    ctx: Ctx<'a>,
}

impl<'a> GroupJson<'a> {
    /// The group `group` of a message with delimiters `d`. Without a version
    /// ([`GroupJson::with_version`]), `varies` fields are split into numbered components.
    pub fn new(group: &'a dyn Group, d: &'a Delimiters) -> Self {
        GroupJson {
            group,
            ctx: Ctx { d, version: None },
        }
    }

    /// Names the components of `varies` fields by the datatypes of `version`.
    pub fn with_version(mut self, version: &'static VersionDesc) -> Self {
        self.ctx.version = Some(version);
        self
    }
}

impl Serialize for GroupJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let g = self.group;
        let items = g.desc().items;
        let mut map = s.serialize_map(None)?;
        let mut i = 0;
        while let Some(item) = g.item(i) {
            let count = item.count();
            if count > 0 {
                let desc = items.get(i);
                // More occurrences than the definition allows cannot come from a slot, but if
                // they did, an array keeps them all.
                let array = count > 1 || desc.is_some_and(|d| item_card(d).repeats());
                map.serialize_key(&item_key(items, i, &item))?;
                map.serialize_value(&Occurrences {
                    item,
                    count,
                    array,
                    ctx: self.ctx,
                })?;
            }
            i += 1;
        }
        let unexpected = &g.tail().unexpected;
        if !unexpected.is_empty() {
            map.serialize_entry(UNEXPECTED_KEY, &UnexpectedJson(unexpected))?;
        }
        map.end()
    }
}

fn item_card(item: &ItemDesc) -> Card {
    match item {
        ItemDesc::Segment { card, .. } | ItemDesc::Group { card, .. } => *card,
    }
}

/// The key an item's definition gives it, before collisions are resolved.
fn desc_key(item: &ItemDesc) -> &'static str {
    match item {
        ItemDesc::Segment { id, .. } if *id == ANY_SEGMENT_ID => ANY_SEGMENT_KEY,
        ItemDesc::Segment { id, .. } => id,
        ItemDesc::Group { group, .. } => group.name,
    }
}

/// The key of item `i` of a group with definition `items`.
fn item_key(items: &[ItemDesc], i: usize, item: &ItemRef<'_>) -> Key {
    let Some(desc) = items.get(i) else {
        // An item the definition does not list (a hand-written group whose descriptor and
        // items disagree): named after what it holds, and by position so it meets no other.
        let name = match item {
            ItemRef::Segment(slot) => slot.get(0).map_or(ANY_SEGMENT_KEY, |s| match s.desc().id {
                ANY_SEGMENT_ID => ANY_SEGMENT_KEY,
                id => id,
            }),
            ItemRef::Group(slot) => slot.get(0).map_or("GROUP", |g| g.desc().name),
        };
        return Key::Numbered(name, i + 1);
    };
    defined_key(items, i, desc)
}

/// The key of item `i` of a group with definition `items`, `desc` being that item: its name,
/// with its position when the definition holds that name elsewhere too.
fn defined_key(items: &[ItemDesc], i: usize, desc: &ItemDesc) -> Key {
    let name = desc_key(desc);
    let shared = items
        .iter()
        .enumerate()
        .any(|(j, other)| j != i && desc_key(other) == name);
    if shared {
        Key::Numbered(name, i + 1)
    } else {
        Key::Plain(name)
    }
}

/// An object key: a name, or a name with a position (`ROL_6`), written without allocating.
enum Key {
    Plain(&'static str),
    Numbered(&'static str, usize),
}

impl Serialize for Key {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match self {
            Key::Plain(name) => s.serialize_str(name),
            Key::Numbered(name, n) => s.collect_str(&format_args!("{name}_{n}")),
        }
    }
}

/// The key of a field or component: `PID.5`, `XPN.1`.
struct PartKey<'a>(&'a str, usize);

impl Serialize for PartKey<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&format_args!("{}.{}", self.0, self.1))
    }
}

/// The occurrences of one item of a group: one object, or an array of them.
struct Occurrences<'a> {
    item: ItemRef<'a>,
    count: usize,
    array: bool,
    ctx: Ctx<'a>,
}

impl Occurrences<'_> {
    fn one<S: Serializer>(&self, k: usize, s: S) -> Result<S::Ok, S::Error> {
        match self.item {
            ItemRef::Segment(slot) => match slot.get(k) {
                Some(segment) => SegmentJson {
                    segment,
                    ctx: self.ctx,
                }
                .serialize(s),
                None => s.serialize_none(),
            },
            ItemRef::Group(slot) => match slot.get(k) {
                Some(group) => GroupJson {
                    group,
                    ctx: self.ctx,
                }
                .serialize(s),
                None => s.serialize_none(),
            },
        }
    }
}

impl Serialize for Occurrences<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !self.array {
            return self.one(0, s);
        }
        let mut seq = s.serialize_seq(Some(self.count))?;
        for k in 0..self.count {
            seq.serialize_element(&Occurrence(self, k))?;
        }
        seq.end()
    }
}

/// Occurrence `k` of an item.
struct Occurrence<'a, 'b>(&'b Occurrences<'a>, usize);

impl Serialize for Occurrence<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.one(self.1, s)
    }
}

/// The segments a group kept outside its grammar, as their wire text.
struct UnexpectedJson<'a>(&'a [Unexpected]);

impl Serialize for UnexpectedJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_seq(self.0.iter().map(|u| &*u.segment))
    }
}

/// One segment in the JSON form; a segment held at an any-segment position is its wire text.
#[derive(Clone, Copy)]
pub struct SegmentJson<'a> {
    segment: &'a dyn Segment,
    ctx: Ctx<'a>,
}

impl<'a> SegmentJson<'a> {
    /// The segment `segment` of a message with delimiters `d`. Without a version
    /// ([`SegmentJson::with_version`]), `varies` fields are split into numbered components.
    pub fn new(segment: &'a dyn Segment, d: &'a Delimiters) -> Self {
        SegmentJson {
            segment,
            ctx: Ctx { d, version: None },
        }
    }

    /// Names the components of `varies` fields by the datatypes of `version`.
    pub fn with_version(mut self, version: &'static VersionDesc) -> Self {
        self.ctx.version = Some(version);
        self
    }
}

/// The composite datatype a segment's "Value Type" field (OBX-2) names for its `varies`
/// fields, when it names one of `version`.
fn value_type(
    seg: &dyn Segment,
    version: Option<&'static VersionDesc>,
) -> Option<&'static DatatypeDesc> {
    let version = version?;
    let fields = seg.desc().fields;
    if !fields.iter().any(|f| f.datatype == VARIES) {
        return None;
    }
    // 2.1 spells it "Value type".
    let f = fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case("Value Type"))?;
    let FieldRef::One(e) = seg.field(f.seq)? else {
        return None;
    };
    let id = e.as_value()?.as_str()?.trim();
    version.datatype(id).filter(|dt| !dt.components.is_empty())
}

impl Serialize for SegmentJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let seg = self.segment;
        let desc = seg.desc();
        let tail = seg.tail();
        if desc.id == ANY_SEGMENT_ID {
            return s.serialize_str(tail.extra().first().map_or("", |raw| raw));
        }
        let value_type = value_type(seg, self.ctx.version);
        let mut map = s.serialize_map(None)?;
        let mut seq = 1u32;
        while let Some(field) = seg.field(seq) {
            let extra = tail.extra_repetitions();
            let more = extra.iter().any(|(q, _)| *q == seq);
            let present = more
                || match field {
                    FieldRef::One(e) => !e.is_absent(),
                    FieldRef::Repeated(r) => !r.is_empty(),
                };
            if present {
                map.serialize_key(&PartKey(desc.id, seq as usize))?;
                map.serialize_value(&FieldJson {
                    field,
                    desc: desc.fields.get(seq as usize - 1).filter(|f| f.seq == seq),
                    seq,
                    extra,
                    verbatim: is_header(desc.id) && seq <= 2,
                    value_type,
                    ctx: self.ctx,
                })?;
            }
            seq += 1;
        }
        for (k, raw) in tail.extra().iter().enumerate() {
            if !raw.is_empty() {
                map.serialize_entry(&PartKey(desc.id, (seq as usize) + k), &**raw)?;
            }
        }
        map.end()
    }
}

/// One field of a segment: an element, or an array of repetitions.
struct FieldJson<'a> {
    field: FieldRef<'a>,
    desc: Option<&'static ElementDesc>,
    seq: u32,
    /// The segment's repetitions of non-repeating fields, as (position, wire text).
    extra: &'a [(u32, Box<str>)],
    /// MSH-1 and MSH-2: the delimiters, never decoded.
    verbatim: bool,
    value_type: Option<&'static DatatypeDesc>,
    ctx: Ctx<'a>,
}

impl FieldJson<'_> {
    fn element<'e>(&'e self, element: &'e dyn Element) -> ElementJson<'e> {
        ElementJson {
            element,
            datatype: self.desc.map_or("", |d| d.datatype),
            level: Level::Field,
            value_type: self.value_type,
            ctx: self.ctx,
        }
    }

    /// The wire text of the repetitions kept beyond the first of a non-repeating field.
    fn more(&self) -> impl Iterator<Item = &str> {
        let sep = self.ctx.d.repetition;
        self.extra
            .iter()
            .filter(move |(q, _)| *q == self.seq)
            .flat_map(move |(_, raw)| raw.split(sep))
    }
}

impl Serialize for FieldJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let repeats = self.desc.is_some_and(|d| d.card.repeats());
        let has_more = self.more().next().is_some();
        match self.field {
            FieldRef::One(e) if self.verbatim => match e.as_value() {
                Some(v) => s.serialize_str(v.as_str().unwrap_or("")),
                None => s.serialize_str(&wire_text(e, Level::Field, self.ctx.d)),
            },
            FieldRef::One(e) if !repeats && !has_more => self.element(e).serialize(s),
            FieldRef::One(e) => {
                let mut seq = s.serialize_seq(None)?;
                seq.serialize_element(&self.element(e))?;
                for raw in self.more() {
                    seq.serialize_element(raw)?;
                }
                seq.end()
            }
            FieldRef::Repeated(r) => {
                let mut seq = s.serialize_seq(None)?;
                for e in (0..r.len()).filter_map(|i| r.get(i)) {
                    seq.serialize_element(&self.element(e))?;
                }
                for raw in self.more() {
                    seq.serialize_element(raw)?;
                }
                seq.end()
            }
        }
    }
}

/// The wire text of an element that is neither a primitive nor a composite (an `Element`
/// implemented by hand): all that can be said of it.
fn wire_text(e: &dyn Element, level: Level, d: &Delimiters) -> String {
    let mut out = String::new();
    e.encode(&mut out, level, d);
    out
}

/// One element (a field's value, a component, a subcomponent) in the JSON form.
pub struct ElementJson<'a> {
    element: &'a dyn Element,
    /// The datatype its position declares: `varies` is split by separators.
    datatype: &'a str,
    level: Level,
    value_type: Option<&'static DatatypeDesc>,
    ctx: Ctx<'a>,
}

impl<'a> ElementJson<'a> {
    /// The field value `element` of a message with delimiters `d`: a primitive is its
    /// decoded text, a composite an object of its components.
    pub fn new(element: &'a dyn Element, d: &'a Delimiters) -> Self {
        ElementJson {
            element,
            datatype: "",
            level: Level::Field,
            value_type: None,
            ctx: Ctx { d, version: None },
        }
    }
}

impl Serialize for ElementJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(c) = self.element.as_composite() {
            return CompositeJson {
                composite: c,
                level: self.level,
                ctx: self.ctx,
            }
            .serialize(s);
        }
        match self.element.as_value() {
            Some(Value::Null) => s.serialize_none(),
            Some(Value::Absent) => s.serialize_str(""),
            Some(Value::Text(t)) if self.datatype == VARIES => {
                let typing = match self.value_type {
                    Some(dt) => Typing::Typed(dt),
                    None => Typing::Untyped,
                };
                VariesJson {
                    text: t,
                    level: self.level,
                    typing,
                    ctx: self.ctx,
                }
                .serialize(s)
            }
            Some(Value::Text(t)) => s.serialize_str(&unescape(t, self.ctx.d)),
            None => s.serialize_str(&wire_text(self.element, self.level, self.ctx.d)),
        }
    }
}

/// A composite: its components that were sent, keyed `<DATATYPE>.<n>`.
struct CompositeJson<'a> {
    composite: &'a dyn Composite,
    /// Where the composite sits; its components are one level down.
    level: Level,
    ctx: Ctx<'a>,
}

/// Whether `e` was sent as `""` alone: a null primitive, or a composite whose first part is
/// null and which holds nothing else. A field sent as `|""|` is null as a whole, whatever its
/// datatype, so it is `null` rather than `{"TS.1": null}`.
fn is_null(e: &dyn Element) -> bool {
    if let Some(v) = e.as_value() {
        return matches!(v, Value::Null);
    }
    let Some(c) = e.as_composite() else {
        return false;
    };
    let tail = c.tail();
    if tail.sent > 1 || tail.has_overflow() || !c.component(0).is_some_and(is_null) {
        return false;
    }
    let mut i = 1;
    while let Some(other) = c.component(i) {
        if !other.is_absent() {
            return false;
        }
        i += 1;
    }
    true
}

impl Serialize for CompositeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let c = self.composite;
        if is_null(c) {
            return s.serialize_none();
        }
        let desc = c.desc();
        let child = self.level.child().unwrap_or(Level::Subcomponent);
        let mut map = s.serialize_map(None)?;
        let mut i = 0;
        while let Some(e) = c.component(i) {
            if !e.is_absent() {
                map.serialize_key(&PartKey(desc.id, i + 1))?;
                map.serialize_value(&ElementJson {
                    element: e,
                    datatype: desc.components.get(i).map_or("", |d| d.datatype),
                    level: child,
                    value_type: None,
                    ctx: self.ctx,
                })?;
            }
            i += 1;
        }
        for (k, raw) in c.tail().extra().iter().enumerate() {
            if !raw.is_empty() {
                map.serialize_entry(&PartKey(desc.id, i + 1 + k), &**raw)?;
            }
        }
        map.end()
    }
}

/// How the parts of `varies` text are named.
#[derive(Clone, Copy)]
enum Typing {
    /// By this composite datatype's components.
    Typed(&'static DatatypeDesc),
    /// A primitive of a known type: not split.
    Primitive,
    /// No type known: numbered, and split wherever there are separators.
    Untyped,
}

/// The wire text of a `varies` value (or one of its parts), split at `level`'s separator.
struct VariesJson<'a> {
    text: &'a str,
    level: Level,
    typing: Typing,
    ctx: Ctx<'a>,
}

impl Serialize for VariesJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let d = self.ctx.d;
        let sep = match self.typing {
            Typing::Primitive => None,
            Typing::Typed(_) | Typing::Untyped => self.level.separator(d),
        };
        let (Some(sep), Some(child)) = (sep.filter(|c| self.text.contains(*c)), self.level.child())
        else {
            return if self.text == "\"\"" {
                s.serialize_none()
            } else {
                s.serialize_str(&unescape(self.text, d))
            };
        };
        let mut map = s.serialize_map(None)?;
        for (i, part) in self.text.split(sep).enumerate() {
            if part.is_empty() {
                continue;
            }
            match self.typing {
                Typing::Typed(dt) => {
                    let key = PartKey(dt.id, i + 1);
                    let Some(component) = dt.components.get(i) else {
                        // Beyond the datatype's definition: wire text, as for typed composites.
                        map.serialize_entry(&key, part)?;
                        continue;
                    };
                    let typing = self
                        .ctx
                        .version
                        .and_then(|v| v.datatype(component.datatype))
                        .filter(|dt| !dt.components.is_empty())
                        .map_or(Typing::Primitive, Typing::Typed);
                    map.serialize_key(&key)?;
                    map.serialize_value(&VariesJson {
                        text: part,
                        level: child,
                        typing,
                        ctx: self.ctx,
                    })?;
                }
                Typing::Primitive | Typing::Untyped => {
                    map.serialize_key(&NumberKey(i + 1))?;
                    map.serialize_value(&VariesJson {
                        text: part,
                        level: child,
                        typing: Typing::Untyped,
                        ctx: self.ctx,
                    })?;
                }
            }
        }
        map.end()
    }
}

/// A key that is only a position: `"1"`.
struct NumberKey(usize);

impl Serialize for NumberKey {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(&self.0)
    }
}

// The lean message: the same form, read from the segment text by the descriptors. Nothing
// here goes through the typed traits; what it shares with the typed code above is the keys,
// the `varies` splitting and the context.

/// A lean message ([`Lean`]) in the JSON form: the document [`MessageJson`] writes for the
/// typed message read from the same text, read here from the segment text by the version's
/// descriptors, so that no serialisation code exists per type.
///
/// ```
/// use hl7_model::json::LeanJson;
///
/// let text = "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||123||Doe^John\rOBR|1\rOBX|1|CE|GLU||A^B\r";
/// let (lean, version, structure) = hl7_model::message::parse_lean(text, &Default::default()).unwrap();
/// let v = serde_json::to_value(LeanJson::new(&lean, version, structure)).unwrap();
/// assert_eq!(v["structure"], "ORU_R01");
/// let result = &v["message"]["PATIENT_RESULT"][0];
/// assert_eq!(result["PATIENT"]["PID"]["PID.5"][0]["XPN.2"], "John");
/// let obx = &result["ORDER_OBSERVATION"][0]["OBSERVATION"][0]["OBX"];
/// assert_eq!(obx["OBX.5"][0]["CE.2"], "B");
/// ```
#[derive(Clone, Copy)]
pub struct LeanJson<'a> {
    lean: &'a Lean,
    version: &'static VersionDesc,
    structure: &'static StructureDesc,
}

impl<'a> LeanJson<'a> {
    /// The message `lean`, read as `version` into structure `structure`, as
    /// `hl7_model::message::parse_lean` gives them. The group tree is walked from the
    /// definition it was built with ([`Lean::root`]); `structure` names it.
    pub fn new(
        lean: &'a Lean,
        version: &'static VersionDesc,
        structure: &'static StructureDesc,
    ) -> Self {
        LeanJson {
            lean,
            version,
            structure,
        }
    }
}

impl Serialize for LeanJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let lean = self.lean;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("version", self.version.version)?;
        map.serialize_entry("structure", self.structure.id)?;
        map.serialize_entry(
            "message",
            &LeanGroupJson {
                lean,
                desc: lean.root(),
                start: 0,
                end: lean.tree().entries.len(),
                ctx: Ctx {
                    d: lean.delimiters(),
                    version: Some(self.version),
                },
            },
        )?;
        map.end()
    }
}

/// One group occurrence of a lean message: its entries are `start..end` of the tree.
#[derive(Clone, Copy)]
struct LeanGroupJson<'a> {
    lean: &'a Lean,
    desc: &'static GroupDesc,
    start: usize,
    end: usize,
    ctx: Ctx<'a>,
}

impl<'a> LeanGroupJson<'a> {
    fn children(&self) -> Children<'a> {
        self.lean.tree().children(self.start..self.end)
    }

    /// The occurrences of item `item`, in message order: `(entry index, entry)`.
    fn occurrences(&self, item: usize) -> impl Iterator<Item = (usize, Entry)> + 'a {
        self.children()
            .filter(move |(_, e)| e.kind != EntryKind::Unexpected && e.item as usize == item)
    }
}

impl Serialize for LeanGroupJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = self.desc.items;
        let mut map = s.serialize_map(None)?;
        for (i, desc) in items.iter().enumerate() {
            let count = self.occurrences(i).count();
            if count == 0 {
                continue;
            }
            map.serialize_key(&defined_key(items, i, desc))?;
            map.serialize_value(&LeanOccurrences {
                group: *self,
                item: i,
                desc,
                array: count > 1 || item_card(desc).repeats(),
            })?;
        }
        if self
            .children()
            .any(|(_, e)| e.kind == EntryKind::Unexpected)
        {
            map.serialize_entry(UNEXPECTED_KEY, &LeanUnexpectedJson(*self))?;
        }
        map.end()
    }
}

/// The occurrences of one item of a lean group: one object, or an array of them.
struct LeanOccurrences<'a> {
    group: LeanGroupJson<'a>,
    item: usize,
    desc: &'static ItemDesc,
    array: bool,
}

impl LeanOccurrences<'_> {
    fn one<S: Serializer>(&self, at: usize, e: Entry, s: S) -> Result<S::Ok, S::Error> {
        let g = &self.group;
        match (e.kind, self.desc) {
            (EntryKind::Group, ItemDesc::Group { group, .. }) => LeanGroupJson {
                desc: group,
                start: at + 1,
                end: e.value as usize,
                ..*g
            }
            .serialize(s),
            (EntryKind::Segment, ItemDesc::Segment { id, .. }) => LeanSegmentJson {
                view: SegmentView::new(g.lean.segment(e.value), g.ctx.d),
                id,
                ctx: g.ctx,
            }
            .serialize(s),
            // The tree is built from these definitions, so its kinds match them.
            _ => s.serialize_none(),
        }
    }
}

impl Serialize for LeanOccurrences<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !self.array {
            return match self.group.occurrences(self.item).next() {
                Some((at, e)) => self.one(at, e, s),
                None => s.serialize_none(),
            };
        }
        let mut seq = s.serialize_seq(None)?;
        for (at, e) in self.group.occurrences(self.item) {
            seq.serialize_element(&LeanOccurrence(self, at, e))?;
        }
        seq.end()
    }
}

/// One occurrence of an item of a lean group: its entry index and entry.
struct LeanOccurrence<'a, 'b>(&'b LeanOccurrences<'a>, usize, Entry);

impl Serialize for LeanOccurrence<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.one(self.1, self.2, s)
    }
}

/// The segments a lean group kept outside its grammar, as their wire text, in arrival order.
struct LeanUnexpectedJson<'a>(LeanGroupJson<'a>);

impl Serialize for LeanUnexpectedJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let lean = self.0.lean;
        s.collect_seq(
            self.0
                .children()
                .filter(|(_, e)| e.kind == EntryKind::Unexpected)
                .map(|(_, e)| lean.segment(e.value)),
        )
    }
}

/// The composite datatype `datatype` names in the version, if it names one: what decides
/// whether a position's value is an object of components or a string.
fn composite_of(ctx: Ctx<'_>, datatype: &str) -> Option<&'static DatatypeDesc> {
    if datatype == VARIES {
        return None;
    }
    ctx.version?
        .datatype(datatype)
        .filter(|dt| !dt.components.is_empty())
}

/// The composite datatype a lean segment's "Value Type" field (OBX-2) names for its `varies`
/// fields: as [`value_type`] reads it from a typed segment, the text of the field's first
/// repetition when the field is a primitive that does not repeat.
fn lean_value_type(
    view: SegmentView<'_>,
    fields: &[ElementDesc],
    ctx: Ctx<'_>,
) -> Option<&'static DatatypeDesc> {
    let version = ctx.version?;
    if !fields.iter().any(|f| f.datatype == VARIES) {
        return None;
    }
    let f = fields
        .iter()
        .find(|f| f.name.eq_ignore_ascii_case("Value Type"))?;
    if f.card.repeats() || composite_of(ctx, f.datatype).is_some() {
        return None;
    }
    let Wire::Text(id) = view.field(f.seq as usize).first().wire() else {
        return None;
    };
    version
        .datatype(id.trim())
        .filter(|dt| !dt.components.is_empty())
}

/// One segment of a lean message, placed at an item with segment id `id`.
struct LeanSegmentJson<'a> {
    view: SegmentView<'a>,
    id: &'static str,
    ctx: Ctx<'a>,
}

impl Serialize for LeanSegmentJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let (view, id, ctx) = (self.view, self.id, self.ctx);
        if id == ANY_SEGMENT_ID {
            return s.serialize_str(view.as_str());
        }
        // A structure only names segments its version defines; were one missing, its fields
        // would all be beyond the definition, kept as wire text.
        let fields = ctx
            .version
            .and_then(|v| v.segment(id))
            .map_or(&[][..], |d| d.fields);
        let value_type = lean_value_type(view, fields, ctx);
        let mut map = s.serialize_map(None)?;
        for (k, field) in view.fields().enumerate() {
            let seq = k + 1;
            let Some(desc) = fields.get(k) else {
                if !field.is_empty() {
                    map.serialize_entry(&PartKey(id, seq), field.as_str())?;
                }
                continue;
            };
            let field = LeanFieldJson {
                field,
                datatype: desc.datatype,
                repeats: desc.card.repeats(),
                verbatim: is_header(id) && seq <= 2,
                value_type,
                ctx,
            };
            if field.present() {
                map.serialize_entry(&PartKey(id, seq), &field)?;
            }
        }
        map.end()
    }
}

/// One defined field of a lean segment.
struct LeanFieldJson<'a> {
    field: FieldView<'a>,
    datatype: &'static str,
    repeats: bool,
    /// MSH-1 and MSH-2: the delimiters, never decoded.
    verbatim: bool,
    value_type: Option<&'static DatatypeDesc>,
    ctx: Ctx<'a>,
}

impl<'a> LeanFieldJson<'a> {
    /// Whether the field was sent: anything at all (a non-repeating field whose first
    /// repetition is empty still holds the repetitions after it).
    fn present(&self) -> bool {
        !self.field.is_empty()
    }

    fn element(&self, part: Part<'a>) -> LeanElementJson<'a> {
        LeanElementJson {
            part,
            datatype: self.datatype,
            level: Level::Field,
            value_type: self.value_type,
            ctx: self.ctx,
        }
    }
}

impl Serialize for LeanFieldJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let field = self.field;
        if self.repeats {
            let mut seq = s.serialize_seq(None)?;
            for rep in field.repetitions() {
                seq.serialize_element(&self.element(rep))?;
            }
            return seq.end();
        }
        if self.verbatim {
            // As the typed header keeps it: a null sent there is the empty string.
            let text = field.as_str();
            let primitive = composite_of(self.ctx, self.datatype).is_none();
            return s.serialize_str(if primitive && text == "\"\"" {
                ""
            } else {
                text
            });
        }
        let mut reps = field.repetitions();
        let first = reps.next().unwrap_or_else(|| field.first());
        let Some(second) = reps.next() else {
            return self.element(first).serialize(s);
        };
        // Repetitions of a field that does not repeat: the first as its datatype says, the
        // others as sent.
        let mut seq = s.serialize_seq(None)?;
        seq.serialize_element(&self.element(first))?;
        seq.serialize_element(second.as_str())?;
        for rep in reps {
            seq.serialize_element(rep.as_str())?;
        }
        seq.end()
    }
}

/// One value of a lean segment (a field repetition, a component, a subcomponent) at `level`,
/// of the datatype its position declares.
struct LeanElementJson<'a> {
    part: Part<'a>,
    datatype: &'a str,
    level: Level,
    /// For `varies` fields: the datatype the segment's "Value Type" field names.
    value_type: Option<&'static DatatypeDesc>,
    ctx: Ctx<'a>,
}

impl Serialize for LeanElementJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(dt) = composite_of(self.ctx, self.datatype) {
            return LeanCompositeJson {
                part: self.part,
                dt,
                level: self.level,
                ctx: self.ctx,
            }
            .serialize(s);
        }
        match self.part.wire() {
            Wire::Null => s.serialize_none(),
            Wire::Absent => s.serialize_str(""),
            Wire::Text(t) if self.datatype == VARIES => VariesJson {
                text: t,
                level: self.level,
                typing: self.value_type.map_or(Typing::Untyped, Typing::Typed),
                ctx: self.ctx,
            }
            .serialize(s),
            Wire::Text(t) => s.serialize_str(&unescape(t, self.ctx.d)),
        }
    }
}

/// Whether `part`, of datatype `datatype`, was sent as `""` alone: the rule of [`is_null`]
/// for typed elements, read from the text.
fn lean_is_null(part: Part<'_>, datatype: &str, ctx: Ctx<'_>) -> bool {
    let Some(dt) = composite_of(ctx, datatype) else {
        return part.wire() == Wire::Null;
    };
    let mut children = part.children();
    match (children.next(), children.next()) {
        (Some(first), None) => dt
            .components
            .first()
            .is_some_and(|c| lean_is_null(first, c.datatype, ctx)),
        _ => false,
    }
}

/// A composite value of a lean segment: its components that were sent, keyed
/// `<DATATYPE>.<n>`; those beyond the definition as sent.
struct LeanCompositeJson<'a> {
    part: Part<'a>,
    dt: &'static DatatypeDesc,
    /// Where the composite sits; its components are one level down.
    level: Level,
    ctx: Ctx<'a>,
}

impl Serialize for LeanCompositeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let dt = self.dt;
        if lean_is_null(self.part, dt.id, self.ctx) {
            return s.serialize_none();
        }
        let child = self.level.child().unwrap_or(Level::Subcomponent);
        let mut map = s.serialize_map(None)?;
        for (i, part) in self.part.children().enumerate() {
            if part.is_empty() {
                continue;
            }
            let key = PartKey(dt.id, i + 1);
            match dt.components.get(i) {
                Some(c) => map.serialize_entry(
                    &key,
                    &LeanElementJson {
                        part,
                        datatype: c.datatype,
                        level: child,
                        value_type: None,
                        ctx: self.ctx,
                    },
                )?,
                None => map.serialize_entry(&key, part.as_str())?,
            }
        }
        map.end()
    }
}

// The models below come from the derives, whose expansion names `::hl7_model`: the tests use
// that crate's paths throughout so that every type belongs to the one runtime it re-exports.
#[cfg(test)]
mod tests {
    use hl7_model::delimiters::Delimiters;
    use hl7_model::descriptor::{Card, DatatypeDesc, ElementDesc, Usage, VersionDesc};
    use hl7_model::element::{SegmentType, Tail};
    use hl7_model::group::{GenericMessage, GroupTail, StructureType};
    use hl7_model::json::{ElementJson, GroupJson, MessageJson, SegmentJson};
    use hl7_model::value::{Id, Si, St, Varies};
    use serde_json::{Value, json};

    #[derive(Debug, Clone, Default, PartialEq, hl7_model::Composite)]
    #[hl7(datatype = "ZPT", name = "Pet")]
    pub struct Pet {
        #[hl7(seq = 1, datatype = "ST")]
        pub name: St,
        #[hl7(seq = 2, datatype = "ID")]
        pub species: Id,
        #[hl7(tail)]
        pub tail: Tail,
    }

    #[derive(Debug, Clone, Default, PartialEq, hl7_model::Segment)]
    #[hl7(segment = "MSH", name = "Header")]
    pub struct Msh {
        #[hl7(seq = 1, datatype = "ST")]
        pub field_separator: St,
        #[hl7(seq = 2, datatype = "ST")]
        pub encoding_characters: St,
        #[hl7(seq = 3, datatype = "ST", card = "0..1")]
        pub sender: St,
        #[hl7(tail)]
        pub tail: Tail,
    }

    #[derive(Debug, Clone, Default, PartialEq, hl7_model::Segment)]
    #[hl7(segment = "ZPI", name = "Patient pets")]
    pub struct Zpi {
        #[hl7(seq = 1, datatype = "SI", card = "0..1")]
        pub set_id: Si,
        #[hl7(seq = 2, datatype = "ZPT", card = "0..*")]
        pub pets: Vec<Pet>,
        #[hl7(seq = 3, datatype = "ST", card = "0..1")]
        pub remark: St,
        #[hl7(tail)]
        pub tail: Tail,
    }

    #[derive(Debug, Clone, Default, PartialEq, hl7_model::Segment)]
    #[hl7(segment = "ZOB", name = "Observation")]
    pub struct Zob {
        #[hl7(seq = 1, datatype = "ID", card = "0..1")]
        pub value_type: Id,
        #[hl7(seq = 2, datatype = "varies", card = "0..*")]
        pub value: Vec<Varies>,
        #[hl7(tail)]
        pub tail: Tail,
    }

    /// The segment named "Value Type" in HL7 is OBX; this one names its field so too.
    #[derive(Debug, Clone, Default, PartialEq, hl7_model::Segment)]
    #[hl7(segment = "ZVT", name = "Typed observation")]
    pub struct Zvt {
        #[hl7(seq = 1, datatype = "ID", name = "Value Type", card = "0..1")]
        pub value_type: Id,
        #[hl7(seq = 2, datatype = "varies", card = "0..*")]
        pub value: Vec<Varies>,
        #[hl7(tail)]
        pub tail: Tail,
    }

    #[derive(Debug, Clone, Default, PartialEq, hl7_model::Group)]
    #[hl7(group = "PETS")]
    pub struct Pets {
        #[hl7(item = 1, segment = "ZPI")]
        pub zpi: Zpi,
        #[hl7(item = 2, segment = "ZOB", card = "0..1")]
        pub zob: Option<Zob>,
        #[hl7(tail)]
        pub tail: GroupTail,
    }

    #[derive(Debug, Clone, Default, PartialEq, hl7_model::Group)]
    #[hl7(structure = "ZMS_Z01", name = "Pets message")]
    pub struct ZmsZ01 {
        #[hl7(item = 1, segment = "MSH")]
        pub msh: Msh,
        #[hl7(item = 2, group, card = "0..*")]
        pub pets: Vec<Pets>,
        #[hl7(item = 3, segment = "ZVT", card = "0..1")]
        pub zvt_3: Option<Zvt>,
        #[hl7(item = 4, segment = "ZVT", card = "0..*")]
        pub zvt_4: Vec<Zvt>,
        #[hl7(tail)]
        pub tail: GroupTail,
    }

    const fn component(seq: u32, datatype: &'static str) -> ElementDesc {
        ElementDesc {
            seq,
            name: "",
            datatype,
            usage: Usage::O,
            card: Card {
                min: 0,
                max: Some(1),
            },
            len: None,
            table: None,
        }
    }

    /// A version defining CE (three ST components), HD (two) and the primitives ST and NM.
    static VERSION: VersionDesc = VersionDesc {
        version: "9.9",
        datatypes: &[
            DatatypeDesc {
                id: "CE",
                name: "Coded element",
                components: &[component(1, "ST"), component(2, "HD"), component(3, "ST")],
            },
            DatatypeDesc {
                id: "HD",
                name: "Hierarchic designator",
                components: &[component(1, "ST"), component(2, "ST")],
            },
            DatatypeDesc {
                id: "NM",
                name: "Numeric",
                components: &[],
            },
            DatatypeDesc {
                id: "ST",
                name: "String",
                components: &[],
            },
        ],
        segments: &[],
        structures: &[],
        events: &[],
        tables: &[],
    };

    fn segment_json(s: &dyn hl7_model::element::Segment, d: &Delimiters) -> String {
        serde_json::to_string(&SegmentJson::new(s, d)).expect("serialises")
    }

    fn message(text: &str) -> (ZmsZ01, Delimiters) {
        let (m, d, _) = hl7_model::message::parse_as::<ZmsZ01>(text).expect("parses");
        (m, d)
    }

    #[test]
    fn a_segment_keeps_order_positions_and_overflow() {
        let d = Delimiters::default();
        let z = Zpi::parse("ZPI|1~2~3|Rex^DOG^extra~~Tom&x|\"\"|beyond||last", &d).unwrap();
        assert_eq!(
            segment_json(&z, &d),
            concat!(
                r#"{"ZPI.1":["1","2","3"],"#,
                r#""ZPI.2":[{"ZPT.1":"Rex","ZPT.2":"DOG","ZPT.3":"extra"},{},{"ZPT.1":"Tom&x"}],"#,
                r#""ZPI.3":null,"ZPI.4":"beyond","ZPI.6":"last"}"#
            )
        );
    }

    #[test]
    fn a_repeating_field_is_an_array_even_with_one_repetition_and_absent_fields_are_left_out() {
        let d = Delimiters::default();
        let z = Zpi::parse("ZPI||Rex", &d).unwrap();
        assert_eq!(segment_json(&z, &d), r#"{"ZPI.2":[{"ZPT.1":"Rex"}]}"#);
        let empty = Zpi::parse("ZPI|||", &d).unwrap();
        assert_eq!(segment_json(&empty, &d), "{}");
    }

    #[test]
    fn a_composite_sent_as_null_alone_is_null() {
        let d = Delimiters::default();
        let z = Zpi::parse(r#"ZPI|1|""~""^DOG~Rex"#, &d).unwrap();
        assert_eq!(
            segment_json(&z, &d),
            r#"{"ZPI.1":"1","ZPI.2":[null,{"ZPT.1":null,"ZPT.2":"DOG"},{"ZPT.1":"Rex"}]}"#
        );
    }

    #[test]
    fn escapes_are_decoded_and_formatting_is_kept() {
        let d = Delimiters::default();
        let z = Zpi::parse(r"ZPI|1|A\F\B^C\S\D|x\T\y\.br\z\E\", &d).unwrap();
        let v: Value = serde_json::from_str(&segment_json(&z, &d)).unwrap();
        assert_eq!(v["ZPI.2"][0], json!({"ZPT.1": "A|B", "ZPT.2": "C^D"}));
        assert_eq!(v["ZPI.3"], r"x&y\.br\z\");
    }

    #[test]
    fn extra_fields_and_components_are_wire_text() {
        let d = Delimiters::default();
        let z = Zpi::parse(r"ZPI|1|Rex^DOG^A\F\B|||\F\raw", &d).unwrap();
        let v: Value = serde_json::from_str(&segment_json(&z, &d)).unwrap();
        assert_eq!(v["ZPI.2"][0]["ZPT.3"], r"A\F\B");
        assert_eq!(v["ZPI.5"], r"\F\raw");
    }

    #[test]
    fn a_group_by_definition_order_with_arrays_suffixes_and_unexpected_segments() {
        let text = "MSH|^~\\&|A\\T\\B\rZPI|1|Rex\rZXX|site\rZPI|2\rZOB|CE|x\rZVT|NM|5\rZVT|NM|6\r";
        let (m, d) = message(text);
        let json = serde_json::to_string(&GroupJson::new(&m, &d)).unwrap();
        assert_eq!(
            json,
            concat!(
                r#"{"MSH":{"MSH.1":"|","MSH.2":"^~\\&","MSH.3":"A&B"},"#,
                r#""PETS":[{"ZPI":{"ZPI.1":"1","ZPI.2":[{"ZPT.1":"Rex"}]},"unexpected":["ZXX|site"]},"#,
                r#"{"ZPI":{"ZPI.1":"2"},"ZOB":{"ZOB.1":"CE","ZOB.2":["x"]}}],"#,
                r#""ZVT_3":{"ZVT.1":"NM","ZVT.2":["5"]},"ZVT_4":[{"ZVT.1":"NM","ZVT.2":["6"]}]}"#
            )
        );
    }

    #[test]
    fn one_occurrence_of_a_repeating_item_is_an_array_and_absent_items_are_left_out() {
        let (m, d) = message("MSH|^~\\&\rZPI|1\r");
        let v = serde_json::to_value(GroupJson::new(&m, &d)).unwrap();
        assert!(v["PETS"].is_array(), "{v}");
        assert_eq!(v["PETS"].as_array().map(Vec::len), Some(1));
        assert!(v["MSH"].is_object());
        let keys: Vec<&String> = v.as_object().unwrap().keys().collect();
        assert_eq!(keys, ["MSH", "PETS"]);
    }

    #[test]
    fn varies_without_a_type_is_numbered_where_separators_are() {
        let d = Delimiters::default();
        let z = Zob::parse(r#"ZOB|CE|A^B&C^^D~pl\S\ain~"""#, &d).unwrap();
        let v: Value = serde_json::from_str(&segment_json(&z, &d)).unwrap();
        assert_eq!(
            v["ZOB.2"],
            json!([{"1": "A", "2": {"1": "B", "2": "C"}, "4": "D"}, "pl^ain", null])
        );
        // No field of this segment is named "Value Type": the version alone does not type it.
        let typed = serde_json::to_value(SegmentJson::new(&z, &d).with_version(&VERSION)).unwrap();
        assert_eq!(typed["ZOB.2"][0]["1"], "A");
    }

    #[test]
    fn varies_is_named_by_the_value_type_of_its_segment() {
        let d = Delimiters::default();
        let z = Zvt::parse(r"ZVT|CE|A&x^B&C^D\T\E^extra~plain", &d).unwrap();
        let v = serde_json::to_value(SegmentJson::new(&z, &d).with_version(&VERSION)).unwrap();
        assert_eq!(
            v["ZVT.2"],
            json!([
                // CE.1 is a primitive (ST): its `&` stays text; CE.2 is HD: split by its
                // components; CE.4 is beyond CE's definition: wire text.
                {"CE.1": "A&x", "CE.2": {"HD.1": "B", "HD.2": "C"}, "CE.3": "D&E", "CE.4": "extra"},
                "plain"
            ])
        );
        // A primitive value type, or one the version does not define: numbered.
        for vt in ["NM", "XX"] {
            let z = Zvt::parse(&format!("ZVT|{vt}|1^2"), &d).unwrap();
            let v = serde_json::to_value(SegmentJson::new(&z, &d).with_version(&VERSION)).unwrap();
            assert_eq!(v["ZVT.2"], json!([{"1": "1", "2": "2"}]), "{vt}");
        }
        // Without a version nothing names the components, and nothing says CE.1 is a
        // primitive: its subcomponents are numbered too.
        let v = serde_json::to_value(SegmentJson::new(&z, &d)).unwrap();
        assert_eq!(v["ZVT.2"][0]["1"], json!({"1": "A", "2": "x"}));
    }

    #[test]
    fn the_message_delimiters_split_and_decode() {
        let text = "MSH$%#!($X!F!Y\rZVT$CE$a%b(c!S!d#e\r";
        let (m, d) = message(text);
        assert_eq!(d.component, '%');
        let v =
            serde_json::to_value(MessageJson::new(&m, &d, &VERSION, ZmsZ01::STRUCTURE)).unwrap();
        assert_eq!(v["message"]["MSH"]["MSH.1"], "$");
        assert_eq!(v["message"]["MSH"]["MSH.2"], "%#!(");
        assert_eq!(v["message"]["MSH"]["MSH.3"], "X$Y");
        assert_eq!(
            v["message"]["ZVT_3"]["ZVT.2"],
            json!([{"CE.1": "a", "CE.2": {"HD.1": "b", "HD.2": "c%d"}}, "e"])
        );
    }

    #[test]
    fn a_message_names_its_version_and_structure_first() {
        let (m, d) = message("MSH|^~\\&\r");
        let json =
            serde_json::to_string(&MessageJson::new(&m, &d, &VERSION, ZmsZ01::STRUCTURE)).unwrap();
        assert_eq!(
            json,
            r#"{"version":"9.9","structure":"ZMS_Z01","message":{"MSH":{"MSH.1":"|","MSH.2":"^~\\&"}}}"#
        );
    }

    #[test]
    fn a_generic_message_is_its_segments_as_sent() {
        let text = "MSH|^~\\&|A\rPID|1||\\F\\\rZZZ|x\r";
        let (m, d, _) = hl7_model::message::parse_as::<GenericMessage>(text).unwrap();
        let v = serde_json::to_value(GroupJson::new(&m, &d)).unwrap();
        assert_eq!(
            v,
            json!({"segments": ["MSH|^~\\&|A", "PID|1||\\F\\", "ZZZ|x"]})
        );
    }

    #[test]
    fn an_element_alone() {
        let d = Delimiters::default();
        let z = Zpi::parse("ZPI|1|Rex^DOG|\"\"", &d).unwrap();
        let pet = serde_json::to_value(ElementJson::new(&z.pets[0], &d)).unwrap();
        assert_eq!(pet, json!({"ZPT.1": "Rex", "ZPT.2": "DOG"}));
        let null = serde_json::to_value(ElementJson::new(&z.remark, &d)).unwrap();
        assert_eq!(null, Value::Null);
    }
}
