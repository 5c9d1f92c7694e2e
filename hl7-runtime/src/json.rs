//! The JSON form of messages (cargo feature `serde`): [`MessageJson`] writes a message
//! ([`Lean`], as `hl7_model::Message` holds it) straight to any serde serializer, read from
//! its segment text by the version's descriptors, so that no serialisation code exists per
//! type (docs/architecture.md, "Compile time"). No intermediate tree is built, and nothing is
//! allocated per value except the decoded text of values holding escapes.
//! `hl7_model::Message` implements `Serialize` through it.
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
//!   `"ROL_10"`, as the views' accessors do (`rol_6`, `rol_10`): a key never depends on which
//!   items occur. Segments the grammar had no place for (Z-segments, segments out of order) follow
//!   the items under `"unexpected"`, an array of their wire text, when there are any. An item
//!   accepting any segment (the `*` item of a generic message) has the key `"segments"`, and
//!   each of its segments is its wire text.
//! - **Segment**: an object with a key per field that was sent, `"PID.1"`, `"PID.5"` …; absent
//!   fields are left out. A field whose cardinality repeats is always an array; any other is an
//!   element. MSH-1 and MSH-2 (FHS, BHS too) are the delimiters themselves, given verbatim.
//!   Fields beyond the definition keep their position (`"PID.40"`) and their wire text.
//!   Repetitions sent for a non-repeating field make that field an array: the first
//!   repetition read by its datatype, then the others as wire text.
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

use serde::ser::{Serialize, SerializeMap, SerializeSeq, Serializer};

use crate::delimiters::is_header;
use crate::delimiters::{Delimiters, Level};
use crate::descriptor::{
    Card, DatatypeDesc, ElementDesc, GroupDesc, ItemDesc, StructureDesc, VersionDesc,
};
use crate::er7::escape::unescape;
use crate::grammar::ANY_SEGMENT_ID;
use crate::tree::{Children, Entry, EntryKind, Lean};
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
                        // Beyond the datatype's definition: wire text, as for composites.
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

/// A message ([`Lean`]) in the JSON form (see the [module documentation](self)), read from
/// its segment text by the version's descriptors.
///
/// ```
/// use hl7_model::json::MessageJson;
///
/// let text = "MSH|^~\\&|LAB||||20240101||ORU^R01|1|P|2.5\rPID|1||123||Doe^John\rOBR|1\rOBX|1|CE|GLU||A^B\r";
/// let m = hl7_model::parse(text).unwrap();
/// let v = serde_json::to_value(MessageJson::new(m.lean(), m.version(), m.structure())).unwrap();
/// assert_eq!(v["structure"], "ORU_R01");
/// let result = &v["message"]["PATIENT_RESULT"][0];
/// assert_eq!(result["PATIENT"]["PID"]["PID.5"][0]["XPN.2"], "John");
/// let obx = &result["ORDER_OBSERVATION"][0]["OBSERVATION"][0]["OBX"];
/// assert_eq!(obx["OBX.5"][0]["CE.2"], "B");
/// ```
#[derive(Clone, Copy)]
pub struct MessageJson<'a> {
    lean: &'a Lean,
    version: &'static VersionDesc,
    structure: &'static StructureDesc,
}

impl<'a> MessageJson<'a> {
    /// The message `lean`, read as `version` into structure `structure`, as
    /// `hl7_model::Message` holds them. The group tree is walked from the
    /// definition it was built with ([`Lean::root`]); `structure` names it.
    pub fn new(
        lean: &'a Lean,
        version: &'static VersionDesc,
        structure: &'static StructureDesc,
    ) -> Self {
        MessageJson {
            lean,
            version,
            structure,
        }
    }
}

impl Serialize for MessageJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let lean = self.lean;
        let mut map = s.serialize_map(Some(3))?;
        map.serialize_entry("version", self.version.version)?;
        map.serialize_entry("structure", self.structure.id)?;
        map.serialize_entry(
            "message",
            &GroupJson {
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

/// One group occurrence of the message: its entries are `start..end` of the tree.
#[derive(Clone, Copy)]
struct GroupJson<'a> {
    lean: &'a Lean,
    desc: &'static GroupDesc,
    start: usize,
    end: usize,
    ctx: Ctx<'a>,
}

impl<'a> GroupJson<'a> {
    fn children(&self) -> Children<'a> {
        self.lean.tree().children(self.start..self.end)
    }

    /// The occurrences of item `item`, in message order: `(entry index, entry)`.
    fn occurrences(&self, item: usize) -> impl Iterator<Item = (usize, Entry)> + 'a {
        self.children()
            .filter(move |(_, e)| e.kind != EntryKind::Unexpected && e.item as usize == item)
    }
}

impl Serialize for GroupJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let items = self.desc.items;
        let mut map = s.serialize_map(None)?;
        for (i, desc) in items.iter().enumerate() {
            let count = self.occurrences(i).count();
            if count == 0 {
                continue;
            }
            map.serialize_key(&defined_key(items, i, desc))?;
            map.serialize_value(&Occurrences {
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
            map.serialize_entry(UNEXPECTED_KEY, &UnexpectedJson(*self))?;
        }
        map.end()
    }
}

/// The occurrences of one item of a group occurrence: one object, or an array of them.
struct Occurrences<'a> {
    group: GroupJson<'a>,
    item: usize,
    desc: &'static ItemDesc,
    array: bool,
}

impl Occurrences<'_> {
    fn one<S: Serializer>(&self, at: usize, e: Entry, s: S) -> Result<S::Ok, S::Error> {
        let g = &self.group;
        match (e.kind, self.desc) {
            (EntryKind::Group, ItemDesc::Group { group, .. }) => GroupJson {
                desc: group,
                start: at + 1,
                end: e.value as usize,
                ..*g
            }
            .serialize(s),
            (EntryKind::Segment, ItemDesc::Segment { id, .. }) => SegmentJson {
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

impl Serialize for Occurrences<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if !self.array {
            return match self.group.occurrences(self.item).next() {
                Some((at, e)) => self.one(at, e, s),
                None => s.serialize_none(),
            };
        }
        let mut seq = s.serialize_seq(None)?;
        for (at, e) in self.group.occurrences(self.item) {
            seq.serialize_element(&Occurrence(self, at, e))?;
        }
        seq.end()
    }
}

/// One occurrence of an item of a group occurrence: its entry index and entry.
struct Occurrence<'a, 'b>(&'b Occurrences<'a>, usize, Entry);

impl Serialize for Occurrence<'_, '_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        self.0.one(self.1, self.2, s)
    }
}

/// The segments a group occurrence kept outside its grammar, as their wire text, in arrival
/// order.
struct UnexpectedJson<'a>(GroupJson<'a>);

impl Serialize for UnexpectedJson<'_> {
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

/// The composite datatype a segment's "Value Type" field (OBX-2) names for its `varies`
/// fields: the text of the field's first repetition, when the field is a primitive that does
/// not repeat.
fn value_type(
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

/// One segment of the message, placed at an item with segment id `id`.
struct SegmentJson<'a> {
    view: SegmentView<'a>,
    id: &'static str,
    ctx: Ctx<'a>,
}

impl Serialize for SegmentJson<'_> {
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
        let value_type = value_type(view, fields, ctx);
        let mut map = s.serialize_map(None)?;
        for (k, field) in view.fields().enumerate() {
            let seq = k + 1;
            let Some(desc) = fields.get(k) else {
                if !field.is_empty() {
                    map.serialize_entry(&PartKey(id, seq), field.as_str())?;
                }
                continue;
            };
            let field = FieldJson {
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

/// One defined field of a segment.
struct FieldJson<'a> {
    field: FieldView<'a>,
    datatype: &'static str,
    repeats: bool,
    /// MSH-1 and MSH-2: the delimiters, never decoded.
    verbatim: bool,
    value_type: Option<&'static DatatypeDesc>,
    ctx: Ctx<'a>,
}

impl<'a> FieldJson<'a> {
    /// Whether the field was sent: anything at all (a non-repeating field whose first
    /// repetition is empty still holds the repetitions after it).
    fn present(&self) -> bool {
        !self.field.is_empty()
    }

    fn element(&self, part: Part<'a>) -> ElementJson<'a> {
        ElementJson {
            part,
            datatype: self.datatype,
            level: Level::Field,
            value_type: self.value_type,
            ctx: self.ctx,
        }
    }
}

impl Serialize for FieldJson<'_> {
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
            // A header's delimiter field, as sent; a primitive one sent as `""` is the empty
            // string, not null.
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

/// One value of a segment (a field repetition, a component, a subcomponent) at `level`,
/// of the datatype its position declares.
struct ElementJson<'a> {
    part: Part<'a>,
    datatype: &'a str,
    level: Level,
    /// For `varies` fields: the datatype the segment's "Value Type" field names.
    value_type: Option<&'static DatatypeDesc>,
    ctx: Ctx<'a>,
}

impl Serialize for ElementJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        if let Some(dt) = composite_of(self.ctx, self.datatype) {
            return CompositeJson {
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

/// Whether `part`, of datatype `datatype`, was sent as `""` alone: a primitive is `""`; a
/// composite has one component, itself sent as `""` alone.
fn is_null(part: Part<'_>, datatype: &str, ctx: Ctx<'_>) -> bool {
    let Some(dt) = composite_of(ctx, datatype) else {
        return part.wire() == Wire::Null;
    };
    let mut children = part.children();
    match (children.next(), children.next()) {
        (Some(first), None) => dt
            .components
            .first()
            .is_some_and(|c| is_null(first, c.datatype, ctx)),
        _ => false,
    }
}

/// A composite value of a segment: its components that were sent, keyed
/// `<DATATYPE>.<n>`; those beyond the definition as sent.
struct CompositeJson<'a> {
    part: Part<'a>,
    dt: &'static DatatypeDesc,
    /// Where the composite sits; its components are one level down.
    level: Level,
    ctx: Ctx<'a>,
}

impl Serialize for CompositeJson<'_> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let dt = self.dt;
        if is_null(self.part, dt.id, self.ctx) {
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
                    &ElementJson {
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
