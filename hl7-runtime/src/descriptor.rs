//! Static descriptors of a version's definitions, generated from `schemas/` at build time.
//!
//! Everything the runtime needs to know about a segment, datatype, structure or table is data
//! here, not code: tokenising, validation and path access are written once, generically, and
//! driven by these tables (docs/architecture.md, "Compile time"). Lists are sorted by id, so
//! lookups are binary searches.

/// Usage codes (docs/conformance.md §3.3): required, required-or-empty, optional, conditional,
/// not supported, backward compatible.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Usage {
    R,
    RE,
    O,
    C,
    X,
    B,
}

/// Cardinality `min..max`; `max` is `None` when unbounded.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Card {
    pub min: u32,
    pub max: Option<u32>,
}

impl Card {
    /// Whether more than one occurrence is allowed.
    pub const fn repeats(self) -> bool {
        !matches!(self.max, Some(0 | 1))
    }
}

/// A field of a segment, or a component of a composite datatype.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ElementDesc {
    /// 1-based position.
    pub seq: u32,
    pub name: &'static str,
    /// Datatype id, or `"varies"` when another field gives it at run time (OBX-5).
    pub datatype: &'static str,
    pub usage: Usage,
    /// Repetitions (always `1..1` or `0..1` for components).
    pub card: Card,
    /// Maximum length in characters, when the version defines one.
    pub len: Option<u32>,
    /// Table id (`"0001"`).
    pub table: Option<&'static str>,
    /// The definition of the element's composite datatype, when it is one, as the view type
    /// that reads it carries it: no lookup by `datatype` needed, and a site's own composites
    /// are known without a version table. `None` for primitives and `varies`.
    pub composite: Option<&'static DatatypeDesc>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SegmentDesc {
    pub id: &'static str,
    pub name: &'static str,
    pub fields: &'static [ElementDesc],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct DatatypeDesc {
    pub id: &'static str,
    pub name: &'static str,
    /// Empty for primitives.
    pub components: &'static [ElementDesc],
}

/// One entry of a structure or group body.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ItemDesc {
    /// A segment; id `"*"` stands for any segment.
    Segment { id: &'static str, card: Card },
    /// A group, used here with cardinality `card` (one definition may be used at several
    /// places of a structure).
    Group {
        group: &'static GroupDesc,
        card: Card,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct GroupDesc {
    /// The standard's name, without the structure prefix (`ORDER_OBSERVATION`).
    pub name: &'static str,
    /// Each occurrence holds exactly one of `items`.
    pub choice: bool,
    pub items: &'static [ItemDesc],
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct StructureDesc {
    pub id: &'static str,
    pub name: &'static str,
    pub items: &'static [ItemDesc],
    /// The structure's body as a group (named by the structure's id), where the grammar
    /// starts placing segments.
    pub body: &'static GroupDesc,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TableDesc {
    pub id: &'static str,
    pub name: Option<&'static str>,
    /// (code, description), sorted by code (byte order), so that a lookup is a binary
    /// search.
    pub values: &'static [(&'static str, Option<&'static str>)],
}

impl TableDesc {
    /// The entry of `code`, when the table lists it.
    ///
    /// ```
    /// # use hl7_model::descriptor::TableDesc;
    /// let t = TableDesc { id: "0001", name: None, values: &[("F", Some("Female")), ("M", None)] };
    /// assert_eq!(t.value("F"), Some(&("F", Some("Female"))));
    /// assert_eq!(t.value("X"), None);
    /// ```
    pub fn value(&self, code: &str) -> Option<&'static (&'static str, Option<&'static str>)> {
        let values = self.values;
        find(values, code, |(c, _)| c)
    }
}

/// Everything one HL7 version defines.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VersionDesc {
    /// `"2.5"`.
    pub version: &'static str,
    pub datatypes: &'static [DatatypeDesc],
    pub segments: &'static [SegmentDesc],
    pub structures: &'static [StructureDesc],
    /// (`"ADT^A04"`, `"ADT_A01"`), sorted by key.
    pub events: &'static [(&'static str, &'static str)],
    pub tables: &'static [TableDesc],
}

/// An id of at most 8 bytes as a number that orders as its bytes do (big-endian, zero
/// padded), with its length to break the tie a zero-padded prefix leaves; `None` for longer
/// ids.
#[inline]
fn packed(s: &str) -> Option<(u64, usize)> {
    let b = s.as_bytes();
    if b.len() > 8 {
        return None;
    }
    let mut v = 0u64;
    for i in 0..8 {
        v = (v << 8) | u64::from(b.get(i).copied().unwrap_or(0));
    }
    Some((v, b.len()))
}

/// `a.cmp(b)` for ids: the ones HL7 defines (`PID`, `XPN`, `0001`) are at most 8 bytes, and
/// comparing them as numbers spares a `memcmp` call per step of a binary search, which is
/// where validation spent much of its time. The order is the same as `str`'s.
#[inline]
pub fn cmp_id(a: &str, b: &str) -> std::cmp::Ordering {
    match (packed(a), packed(b)) {
        (Some(x), Some(y)) => x.cmp(&y),
        _ => a.cmp(b),
    }
}

/// The entry of `items` (sorted by `key`) whose key is `id`.
fn find<T>(items: &'static [T], id: &str, key: impl Fn(&T) -> &str) -> Option<&'static T> {
    let found = match packed(id) {
        Some(p) => items.binary_search_by(|t| match packed(key(t)) {
            Some(q) => q.cmp(&p),
            None => key(t).cmp(id),
        }),
        None => items.binary_search_by(|t| key(t).cmp(id)),
    };
    found.ok().map(|i| &items[i])
}

impl VersionDesc {
    pub fn segment(&self, id: &str) -> Option<&'static SegmentDesc> {
        find(self.segments, id, |s| s.id)
    }

    pub fn datatype(&self, id: &str) -> Option<&'static DatatypeDesc> {
        find(self.datatypes, id, |d| d.id)
    }

    pub fn structure(&self, id: &str) -> Option<&'static StructureDesc> {
        find(self.structures, id, |s| s.id)
    }

    pub fn table(&self, id: &str) -> Option<&'static TableDesc> {
        find(self.tables, id, |t| t.id)
    }

    /// The structure a message uses (docs/conformance.md §3.2): MSH-9.3 when it names a
    /// structure of this version, else the trigger-event map, else the message type alone (ACK).
    pub fn resolve_structure(
        &self,
        msg_type: &str,
        event: &str,
        structure: Option<&str>,
    ) -> Option<&'static StructureDesc> {
        if let Some(s) = structure.and_then(|s| self.structure(s)) {
            return Some(s);
        }
        let key = format!("{msg_type}^{event}");
        self.events
            .binary_search_by(|(k, _)| (*k).cmp(key.as_str()))
            .ok()
            .and_then(|i| self.structure(self.events[i].1))
            .or_else(|| self.structure(msg_type))
    }
}

#[cfg(test)]
mod tests {
    use super::cmp_id;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn ids_order_as_strings_do(a in "[\\x00-\\x7f]{0,10}", b in "[\\x00-\\x7f]{0,10}") {
            prop_assert_eq!(cmp_id(&a, &b), a.cmp(&b));
            prop_assert_eq!(cmp_id(&a, &a), std::cmp::Ordering::Equal);
        }
    }

    #[test]
    fn prefixes_and_zero_bytes_order_as_strings_do() {
        for (a, b) in [
            ("A", "A\0"),
            ("A\0", "A\0\0"),
            ("AB", "ABC"),
            ("0001", "0002"),
            ("", "A"),
        ] {
            assert_eq!(cmp_id(a, b), a.cmp(b), "{a:?} {b:?}");
            assert_eq!(cmp_id(b, a), b.cmp(a), "{b:?} {a:?}");
        }
    }
}
