//! Serde types for one version folder of `schemas/` (`datatypes.yaml`, `segments.yaml`,
//! `structures.yaml`, `events.yaml`, `tables.yaml`).
//!
//! The types mirror the YAML one to one; nothing here resolves references. The checker
//! ([`crate::check`]) decides whether a loaded [`VersionSchema`] is sound.

use std::fmt;
use std::str::FromStr;

use indexmap::IndexMap;
use serde::de::{self, MapAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Pseudo datatype of a field whose type is given at run time by another field (OBX-5 by
/// OBX-2, MFE-4 by MFE-7 …).
pub const VARIES: &str = "varies";

/// Pseudo segment id of a structure position that holds any segment (the standard's "any HL7
/// segment" in query responses, hl7apy's `ANYHL7SEGMENT`).
pub const ANY_SEGMENT: &str = "*";

/// Everything one HL7 version defines.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct VersionSchema {
    /// Folder name, e.g. `v2.5`.
    pub version: String,
    pub datatypes: Datatypes,
    pub segments: IndexMap<String, Segment>,
    pub structures: IndexMap<String, Structure>,
    /// `TYPE^EVENT` → structure id.
    pub events: IndexMap<String, String>,
    /// Table id (`0001`) → table.
    pub tables: IndexMap<String, Table>,
}

/// `datatypes.yaml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Datatypes {
    /// Datatypes whose value is a single string (ST, NM, DTM …).
    #[serde(default)]
    pub primitives: IndexMap<String, Primitive>,
    /// Datatypes made of components (CE, XPN …).
    #[serde(default)]
    pub composites: IndexMap<String, Composite>,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Primitive {
    pub name: String,
}

#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Composite {
    pub name: String,
    pub components: Vec<Component>,
}

/// One component of a composite datatype.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Component {
    /// 1-based position.
    pub seq: u32,
    pub name: String,
    #[serde(rename = "type")]
    pub datatype: String,
    pub usage: Usage,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
}

/// A segment definition from `segments.yaml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Segment {
    pub name: String,
    pub fields: Vec<Field>,
}

/// One field of a segment.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    /// 1-based position (MSH-1 is the field separator).
    pub seq: u32,
    pub name: String,
    #[serde(rename = "type")]
    pub datatype: String,
    pub usage: Usage,
    /// Repetitions of the field.
    pub card: Card,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub len: Option<u32>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub table: Option<String>,
    /// HL7 data element (item) number, five digits.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub item: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
}

/// A message structure from `structures.yaml`.
#[derive(Debug, Clone, PartialEq, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Structure {
    pub name: String,
    pub body: Vec<Item>,
}

/// One entry of a structure or group body.
#[derive(Debug, Clone, PartialEq)]
pub enum Item {
    Segment(SegmentRef),
    Group(Group),
}

/// A segment in a structure: `PID` (exactly one) or `{ segment: NTE, card: "0..*" }`.
#[derive(Debug, Clone, PartialEq)]
pub struct SegmentRef {
    pub segment: String,
    pub card: Card,
}

/// A nested group: `{ group: OBSERVATION, card: "0..*", body: [...] }`.
#[derive(Debug, Clone, PartialEq)]
pub struct Group {
    pub name: String,
    pub card: Card,
    /// `choice: true`: each occurrence holds exactly one of the body's items (the standard's
    /// `<OBR | RQD | RQ1 …>`), not the sequence of them.
    pub choice: bool,
    pub body: Vec<Item>,
}

impl Item {
    pub fn card(&self) -> Card {
        match self {
            Item::Segment(s) => s.card,
            Item::Group(g) => g.card,
        }
    }
}

/// A code table from `tables.yaml`.
#[derive(Debug, Clone, PartialEq, Default, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Table {
    /// Absent when no source names the table (it is only referenced).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default)]
    pub values: Vec<TableValue>,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TableValue {
    pub code: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub desc: Option<String>,
}

/// Usage codes (docs/conformance.md §3.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Usage {
    /// Required.
    R,
    /// Required but may be empty.
    RE,
    /// Optional.
    O,
    /// Conditional.
    C,
    /// Not supported.
    X,
    /// Kept for backward compatibility.
    B,
}

impl Usage {
    pub fn as_str(self) -> &'static str {
        match self {
            Usage::R => "R",
            Usage::RE => "RE",
            Usage::O => "O",
            Usage::C => "C",
            Usage::X => "X",
            Usage::B => "B",
        }
    }
}

/// Upper bound of a cardinality.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Max {
    Bounded(u32),
    Unbounded,
}

/// Cardinality `min..max`, written `"0..1"`, `"1..*"`, `"0..*"`, `"2..5"`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Card {
    pub min: u32,
    pub max: Max,
}

impl Card {
    pub const ONE: Card = Card {
        min: 1,
        max: Max::Bounded(1),
    };
    pub const OPTIONAL: Card = Card {
        min: 0,
        max: Max::Bounded(1),
    };
    pub const ANY: Card = Card {
        min: 0,
        max: Max::Unbounded,
    };
    pub const MANY: Card = Card {
        min: 1,
        max: Max::Unbounded,
    };

    /// Whether more than one occurrence is allowed.
    pub fn repeats(self) -> bool {
        !matches!(self.max, Max::Bounded(0 | 1))
    }
}

impl fmt::Display for Card {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self.max {
            Max::Bounded(m) => write!(f, "{}..{}", self.min, m),
            Max::Unbounded => write!(f, "{}..*", self.min),
        }
    }
}

/// Why a cardinality string did not parse.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "cardinality `{0}` is not of the form MIN..MAX (MAX a number or `*`), e.g. \"0..1\" or \"1..*\""
)]
pub struct CardError(pub String);

impl FromStr for Card {
    type Err = CardError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let err = || CardError(s.to_owned());
        let (min, max) = s.split_once("..").ok_or_else(err)?;
        let min = min.trim().parse::<u32>().map_err(|_| err())?;
        let max = match max.trim() {
            "*" => Max::Unbounded,
            m => Max::Bounded(m.parse::<u32>().map_err(|_| err())?),
        };
        Ok(Card { min, max })
    }
}

impl Serialize for Card {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_str(self)
    }
}

impl<'de> Deserialize<'de> for Card {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(de::Error::custom)
    }
}

impl<'de> Deserialize<'de> for Item {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct ItemVisitor;
        impl<'de> Visitor<'de> for ItemVisitor {
            type Value = Item;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str(
                    "a segment id (`PID`), `{ segment: ID, card: \"MIN..MAX\" }` or \
                     `{ group: NAME, card: \"MIN..MAX\", body: [...] }`",
                )
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Item, E> {
                Ok(Item::Segment(SegmentRef {
                    segment: v.to_owned(),
                    card: Card::ONE,
                }))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Item, A::Error> {
                let mut segment: Option<String> = None;
                let mut group: Option<String> = None;
                let mut card: Option<Card> = None;
                let mut body: Option<Vec<Item>> = None;
                let mut choice: Option<bool> = None;
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "segment" => segment = Some(map.next_value()?),
                        "group" => group = Some(map.next_value()?),
                        "card" => card = Some(map.next_value()?),
                        "body" => body = Some(map.next_value()?),
                        "choice" => choice = Some(map.next_value()?),
                        other => {
                            return Err(de::Error::unknown_field(
                                other,
                                &["segment", "group", "card", "choice", "body"],
                            ));
                        }
                    }
                }
                let card = card.unwrap_or(Card::ONE);
                match (segment, group) {
                    (Some(segment), None) => {
                        if body.is_some() || choice.is_some() {
                            return Err(de::Error::custom(
                                "a segment item has no `body` or `choice`",
                            ));
                        }
                        Ok(Item::Segment(SegmentRef { segment, card }))
                    }
                    (None, Some(name)) => Ok(Item::Group(Group {
                        name,
                        card,
                        choice: choice.unwrap_or(false),
                        body: body.ok_or_else(|| de::Error::missing_field("body"))?,
                    })),
                    (Some(_), Some(_)) => Err(de::Error::custom(
                        "an item is either a `segment` or a `group`, not both",
                    )),
                    (None, None) => Err(de::Error::custom("an item needs `segment` or `group`")),
                }
            }
        }
        d.deserialize_any(ItemVisitor)
    }
}

impl VersionSchema {
    /// The structure a message of this version uses, by the rule of docs/conformance.md §3.2:
    /// MSH-9.3 when it names a defined structure, else the `TYPE^EVENT` entry of the event map,
    /// else the message type alone (ACK).
    ///
    /// ```
    /// # use hl7_codegen::schema::{VersionSchema, Structure};
    /// let mut v = VersionSchema::default();
    /// v.structures.insert("ADT_A01".into(), Structure::default());
    /// v.events.insert("ADT^A04".into(), "ADT_A01".into());
    /// assert_eq!(v.resolve_structure("ADT", "A04", None), Some("ADT_A01"));
    /// assert_eq!(v.resolve_structure("ADT", "A04", Some("ADT_A01")), Some("ADT_A01"));
    /// assert_eq!(v.resolve_structure("ADT", "Z99", None), None);
    /// ```
    pub fn resolve_structure(
        &self,
        msg_type: &str,
        event: &str,
        structure: Option<&str>,
    ) -> Option<&str> {
        let defined = |id: &str| self.structures.get_key_value(id).map(|(k, _)| k.as_str());
        structure
            .filter(|s| !s.is_empty())
            .and_then(defined)
            .or_else(|| {
                self.events
                    .get(&format!("{msg_type}^{event}"))
                    .map(String::as_str)
                    .and_then(defined)
            })
            .or_else(|| defined(msg_type))
    }
}
