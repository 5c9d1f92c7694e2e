//! v2 → v3 and v3 → v2 mapping of data values, each with a report of what it did not carry.
//!
//! The v2 side is read by position through the runtime's [`Piece`] and the version's
//! [`DatatypeDesc`], so one mapping serves the typed composites of every version that has the
//! datatype (`hl7_model::v2_5::…::CX`, `hl7_model::v2_3::…::CX` …): [`V2Value::of`] takes any
//! typed composite view, [`V2Value::new`] a piece and a datatype id. Components are read
//! with their escapes decoded; every component that is sent and not carried is reported in the
//! [`Loss`] list by position and name (`CX.5 Identifier Type Code`), and so is every nuance the
//! v3 value cannot hold (a TS precision, a coding-system mnemonic with no known OID, a table
//! code with no v3 counterpart).
//!
//! Nulls: a value sent as `""` (present but null) becomes a null of flavor
//! [`MapOptions::null_flavor`] (NI unless configured), and a v3 null becomes `""` again; an
//! absent value is no value ([`Mapped::value`] is `None`) and maps to an absent field.
//!
//! The mapping follows the v2 → v3 table of the data types specification as profiled by IHE
//! (HD, CX, XPN) and the code tables of [`code_tables`](crate::code_tables), generated from
//! `schemas/v3/codetables.yaml` (name use 0200, address type 0190, telecom use 0201,
//! equipment type 0202, universal ID type 0301, type of data 0191); see `docs/v3.md`. TM, TN,
//! RP and TQ map by the choices documented on their functions and in `docs/v3.md`; XCN, CN
//! and XON map their name with [`to_v3`] and name and identifier with [`to_v3_entity`]; a TQ
//! maps to its timing with [`to_v3`] and to the act's timing, dose and priority with
//! [`to_v3_act`].
//!
//! ```
//! use hl7_model::{Message, v2_5::AdtA01};
//! use hl7_v3::map::{MapOptions, V2Value, to_v3};
//! let text = "MSH|^~\\&|A|B|C|D|20240101||ADT^A01^ADT_A01|1|P|2.5\rEVN|A01|20240101\r\
//!             PID|1||12345^^^HOSP&1.2.3.4&ISO^MR||Levin^Henry\rPV1|1|I\r";
//! let m = Message::parse(text, &Default::default()).unwrap();
//! let adt: AdtA01 = m.typed().unwrap();
//! let cx = adt.pid().unwrap().patient_identifier_list().first().unwrap();
//! let mapped = to_v3(&V2Value::of(cx), &MapOptions::default()).unwrap();
//! let xml = hl7_v3::to_xml("id", mapped.value.as_ref().unwrap()).unwrap();
//! assert!(xml.contains(r#"root="1.2.3.4" extension="12345" assigningAuthorityName="HOSP""#));
//! // CX.5, the identifier type, has no place in II.
//! assert_eq!(mapped.losses[0].at, "CX.5");
//! ```

use hl7_runtime::delimiters::Delimiters;
use hl7_runtime::descriptor::DatatypeDesc;
use hl7_runtime::er7::escape::escape_formatted;
use hl7_runtime::typed::{Piece, TypedComposite};
use hl7_runtime::view::{Part, Wire};

use crate::code_systems::{mnemonic_of, oid_of};
use crate::code_tables::{
    ADDRESS_USE, ADDRESS_USE_LOSSY, EQUIPMENT_TYPE, EQUIPMENT_TYPE_LOSSY, EQUIPMENT_TYPE_MARKED,
    MEDIA_TYPE, NAME_USE, PRIORITY, REPRESENTATION, TELECOM_USE, UNIVERSAL_ID_TYPE,
    UNIVERSAL_ID_TYPE_LOSSY,
};
use crate::datatypes::*;
use crate::{Mixed, NullFlavor, Nullable, PartKind};

/// Something a mapping did not carry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Loss {
    /// Where: a v2 position (`CX.5`, `XPN.1.2`) or a v3 property (`PN.part`).
    pub at: String,
    /// What was lost, with the value.
    pub what: String,
}

impl std::fmt::Display for Loss {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.at, self.what)
    }
}

/// A mapped value and what the mapping lost.
#[derive(Debug, Clone, PartialEq)]
pub struct Mapped<T> {
    /// `None` when the source was absent.
    pub value: Option<T>,
    pub losses: Vec<Loss>,
}

/// Why a value could not be mapped at all.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MapError {
    #[error("no mapping for v2 datatype {0}")]
    UnsupportedV2(String),
    #[error("no mapping from v3 {from} to v2 {to}")]
    UnsupportedV3 { from: String, to: String },
}

/// How nulls map.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct MapOptions {
    /// The flavor of a v2 `""`. Default NI: "no information", the most general, since `""`
    /// says the value is to be deleted and not why.
    pub null_flavor: NullFlavor,
    /// The flavor of a coded value sent as text only (CWE.9 or CWE.2 without a code). Default
    /// OTH, the R1 flavor under which a CD keeps its original text.
    pub text_only_flavor: NullFlavor,
}

impl Default for MapOptions {
    fn default() -> Self {
        MapOptions {
            null_flavor: NullFlavor::NI,
            text_only_flavor: NullFlavor::OTH,
        }
    }
}

/// A v2 value to map: a field repetition (or a component) with its datatype.
#[derive(Debug, Clone, Copy)]
pub struct V2Value<'m> {
    piece: Piece<'m>,
    datatype: &'m str,
    desc: Option<&'static DatatypeDesc>,
}

impl<'m> V2Value<'m> {
    /// `part` of a message with delimiters `d`, of v2 datatype `datatype` (`CX`, `TS` …).
    /// Components are named by position only; [`V2Value::with_desc`] adds their names.
    pub fn new(part: Part<'m>, d: &'m Delimiters, datatype: &'m str) -> V2Value<'m> {
        V2Value {
            piece: Piece::new(part, d),
            datatype,
            desc: None,
        }
    }

    /// A composite with its version's definition, for component names in the loss report.
    pub fn with_desc(piece: Piece<'m>, desc: &'static DatatypeDesc) -> V2Value<'m> {
        V2Value {
            piece,
            datatype: desc.id,
            desc: Some(desc),
        }
    }

    /// Any version's typed composite view.
    pub fn of<C: TypedComposite<'m>>(c: C) -> V2Value<'m> {
        V2Value::with_desc(c.piece(), C::DESC)
    }

    pub fn datatype(&self) -> &str {
        self.datatype
    }
}

/// Reads the components of one v2 value by position, remembering which it used, and reports
/// the others.
struct Reader<'m> {
    piece: Piece<'m>,
    label: String,
    desc: Option<&'static DatatypeDesc>,
    used: Vec<usize>,
    /// Nuances found while reading, reported by `finish`.
    notes: Vec<Loss>,
}

/// A component's value, decoded.
#[derive(Debug, Clone, PartialEq)]
enum V {
    Absent,
    Null,
    Text(String),
}

impl V {
    fn text(self) -> Option<String> {
        match self {
            V::Text(t) => Some(t),
            _ => None,
        }
    }
}

/// Whether a value is sent as separators only (`^^`): nothing, as if absent.
fn only_separators(piece: Piece) -> bool {
    let d = piece.delimiters();
    piece
        .as_str()
        .chars()
        .all(|c| c == d.component || c == d.subcomponent)
}

fn decode(piece: Piece) -> V {
    match piece.wire() {
        Wire::Absent => V::Absent,
        Wire::Null => V::Null,
        Wire::Text(_) => V::Text(piece.text().into_owned()),
    }
}

impl<'m> Reader<'m> {
    fn new(v: &V2Value<'m>) -> Reader<'m> {
        Reader {
            piece: v.piece,
            label: v.datatype.to_owned(),
            desc: v.desc,
            used: Vec::new(),
            notes: Vec::new(),
        }
    }

    fn at(&self, n: usize) -> String {
        format!("{}.{n}", self.label)
    }

    fn name(&self, n: usize) -> Option<&'static str> {
        self.desc?.components.get(n - 1).map(|c| c.name)
    }

    /// Component `n`: of a primitive, component 1 is its value and any other is extra.
    fn piece_at(&self, n: usize) -> Piece<'m> {
        self.piece.child(n - 1)
    }

    /// Component `n` (from 1).
    fn get(&mut self, n: usize) -> V {
        self.used.push(n);
        let mut p = self.piece_at(n);
        if p.part().child_count() > 1 {
            // A primitive component sent with subcomponents: the first is its value.
            let at = self.at(n);
            self.notes.push(Loss {
                at,
                what: format!(
                    "subcomponents of {:?} after the first not carried",
                    p.as_str()
                ),
            });
            p = p.child(0);
        }
        let v = decode(p);
        if let V::Text(t) = &v
            && t.contains(self.piece.delimiters().escape)
        {
            // unescape keeps formatting escapes (\H\, \.br\) as sent, so decoded text with
            // the escape character cannot be told from a literal one.
            let at = self.at(n);
            self.notes.push(Loss {
                at,
                what: format!("formatting escapes are carried as plain text in {t:?}"),
            });
        }
        v
    }

    /// Component `n` as text; a `""` there is reported, as an attribute has no null.
    fn text(&mut self, n: usize) -> Option<String> {
        let v = self.get(n);
        if v == V::Null {
            let at = self.at(n);
            self.notes.push(Loss {
                at,
                what: "sent as \"\" (null), which this v3 property cannot hold".into(),
            });
        }
        v.text()
    }

    /// Component `n` as a composite of its own (`CX.4`, an HD): its subcomponents.
    fn sub(&mut self, n: usize) -> Reader<'m> {
        self.used.push(n);
        let desc = self
            .desc
            .and_then(|d| d.components.get(n - 1))
            .and_then(|c| c.composite);
        Reader {
            piece: self.piece_at(n),
            label: self.at(n),
            desc,
            used: Vec::new(),
            notes: Vec::new(),
        }
    }

    /// Reports every sent component not used.
    fn finish(self, losses: &mut Vec<Loss>) {
        losses.extend(self.notes.iter().cloned());
        let count = self.piece.part().child_count();
        for n in 1..=count {
            if self.used.contains(&n) {
                continue;
            }
            let p = self.piece_at(n);
            if p.as_str().is_empty() {
                continue;
            }
            let name = self.name(n).map(|s| format!(" {s}")).unwrap_or_default();
            losses.push(Loss {
                at: self.at(n),
                what: format!("{}{name} not carried: {:?}", self.at(n), p.text()),
            });
        }
    }
}

fn loss(losses: &mut Vec<Loss>, at: impl Into<String>, what: impl Into<String>) {
    losses.push(Loss {
        at: at.into(),
        what: what.into(),
    });
}

/// Maps a v2 value to v3, by its datatype.
pub fn to_v3(v: &V2Value, opts: &MapOptions) -> Result<Mapped<Nullable<AnyValue>>, MapError> {
    let mut losses = Vec::new();
    let wire = v.piece.wire();
    if wire == Wire::Absent || only_separators(v.piece) {
        return Ok(Mapped {
            value: None,
            losses,
        });
    }
    let supported = matches!(
        v.datatype,
        "ST" | "TX"
            | "FT"
            | "ID"
            | "IS"
            | "NM"
            | "SI"
            | "DT"
            | "DTM"
            | "TS"
            | "DR"
            | "CE"
            | "CWE"
            | "CNE"
            | "CF"
            | "HD"
            | "EI"
            | "CX"
            | "XPN"
            | "PN"
            | "XCN"
            | "CN"
            | "XON"
            | "XAD"
            | "AD"
            | "XTN"
            | "CQ"
            | "MO"
            | "SN"
            | "ED"
            | "TM"
            | "TN"
            | "RP"
            | "TQ"
    );
    if !supported {
        return Err(MapError::UnsupportedV2(v.datatype.to_owned()));
    }
    if wire == Wire::Null {
        return Ok(Mapped {
            value: Some(Nullable::null(opts.null_flavor)),
            losses,
        });
    }
    let mut r = Reader::new(v);
    let value = match v.datatype {
        "ST" | "TX" | "FT" => AnyValue::ST(ST {
            content: r.text(1),
            ..ST::default()
        }),
        "ID" | "IS" => AnyValue::CS(CS { code: r.text(1) }),
        "NM" | "SI" => number(&r.text(1).unwrap_or_default(), v.datatype, &mut losses),
        "DT" | "DTM" | "TS" => AnyValue::TS(ts(&mut r, v.datatype == "TS", &mut losses)),
        "DR" => {
            let mut ivl = IVL::<TS>::default();
            for (n, slot) in [(1, &mut ivl.low), (2, &mut ivl.high)] {
                let mut s = r.sub(n);
                match s.piece.wire() {
                    Wire::Absent => s.used.push(1),
                    Wire::Null => {
                        s.used.push(1);
                        *slot = Some(Box::new(Nullable::null(opts.null_flavor)));
                    }
                    Wire::Text(_) => {
                        *slot = Some(Box::new(Nullable::Value(IVXB {
                            base: ts(&mut s, true, &mut losses),
                            inclusive: None,
                        })))
                    }
                }
                s.finish(&mut losses);
            }
            AnyValue::IVL_TS(ivl)
        }
        "CE" | "CWE" | "CNE" | "CF" => match coded(&mut r, opts, &mut losses) {
            Nullable::Value(cd) => AnyValue::CD(cd),
            Nullable::Null { flavor, extras } => {
                // AnyValue's null has no room for a CD's extras: to_cd keeps them.
                if let Some(t) = extras.original_text.as_ref().and_then(|t| t.value()) {
                    loss(
                        &mut losses,
                        v.datatype,
                        format!(
                            "original text {:?} of a text-only value is kept by map::to_cd only",
                            t.content.as_deref().unwrap_or_default()
                        ),
                    );
                }
                r.finish(&mut losses);
                return Ok(Mapped {
                    value: Some(Nullable::null(flavor)),
                    losses,
                });
            }
        },
        "HD" => AnyValue::II(hd(&mut r, &mut losses)),
        "EI" => {
            let mut ii = II {
                extension: r.text(1),
                assigning_authority_name: r.text(2),
                ..II::default()
            };
            ii.root = universal_id(&mut r, 3, 4, &mut losses);
            AnyValue::II(ii)
        }
        "CX" => {
            let mut ii = II {
                extension: r.text(1),
                ..II::default()
            };
            let mut a = r.sub(4);
            let h = hd(&mut a, &mut losses);
            a.finish(&mut losses);
            ii.root = h.root;
            ii.assigning_authority_name = h.assigning_authority_name;
            AnyValue::II(ii)
        }
        "XPN" | "PN" | "XCN" | "CN" => {
            AnyValue::PN(xpn(&mut r, name_layout(v.datatype), &mut losses))
        }
        "XON" => AnyValue::ON(xon_name(&mut r, &mut losses)),
        "XAD" | "AD" => AnyValue::AD(xad(&mut r, &mut losses)),
        "XTN" => AnyValue::TEL(xtn(&mut r, &mut losses)),
        "CQ" => AnyValue::PQ(cq(&mut r, &mut losses)),
        "MO" => AnyValue::MO(MO {
            value: r.text(1),
            currency: r.text(2),
        }),
        "SN" => sn(&mut r, &mut losses),
        "ED" => AnyValue::ED(ed(&mut r, &mut losses)),
        "TM" => AnyValue::PQ(tm(&mut r, &mut losses)),
        "TN" => AnyValue::TEL(tn(&mut r, &mut losses)),
        "RP" => AnyValue::ED(rp(&mut r, &mut losses)),
        "TQ" => tq(&mut r, opts, &mut losses),
        _ => unreachable!("checked above"),
    };
    r.finish(&mut losses);
    Ok(Mapped {
        value: Some(Nullable::Value(value)),
        losses,
    })
}

/// The ON of an XON: XON.1 is its text.
fn xon_name(r: &mut Reader, losses: &mut Vec<Loss>) -> ON {
    let parts = match r.get(1) {
        V::Text(t) => vec![Mixed::Text(t)],
        V::Null => {
            let at = r.at(1);
            loss(
                losses,
                at,
                "a null organization name has no place in ON text",
            );
            Vec::new()
        }
        V::Absent => Vec::new(),
    };
    ON {
        parts,
        ..ON::default()
    }
}

/// A v2 TM, a time of day with no date: v3 has no such type, so it becomes the time since
/// midnight as a PQ (reference §2.1), in the unit of its precision so that it reads back
/// with the digits sent: `14` → 14 h, `1430` → 870 min, `143015.5` → 52215.5 s.
fn tm(r: &mut Reader, losses: &mut Vec<Loss>) -> PQ {
    let text = r.text(1).unwrap_or_default();
    let (time, zone) = match text.find(['+', '-']) {
        Some(i) => (&text[..i], Some(&text[i..])),
        None => (text.as_str(), None),
    };
    if let Some(z) = zone {
        loss(
            losses,
            r.at(1),
            format!("time zone {z:?} has no place in a time of day as a quantity"),
        );
    }
    let (digits, fraction) = match time.split_once('.') {
        Some((d, f)) => (d, Some(f)),
        None => (time, None),
    };
    let num = |i: usize| digits.get(i..i + 2).and_then(|x| x.parse::<u32>().ok());
    let all_digits = |x: &str| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit());
    let ok = all_digits(digits)
        && fraction.is_none_or(|f| digits.len() == 6 && f.len() <= 4 && all_digits(f))
        && num(0).is_some_and(|h| h < 24)
        && (digits.len() < 4 || num(2).is_some_and(|m| m < 60))
        && (digits.len() < 6 || num(4).is_some_and(|s| s < 60));
    let (h, m, sec) = (
        num(0).unwrap_or(0),
        num(2).unwrap_or(0),
        num(4).unwrap_or(0),
    );
    let (value, unit) = match (ok, digits.len()) {
        (true, 2) => (h.to_string(), "h"),
        (true, 4) => ((h * 60 + m).to_string(), "min"),
        (true, 6) => {
            let mut v = (h * 3600 + m * 60 + sec).to_string();
            if let Some(f) = fraction {
                v.push('.');
                v.push_str(f);
            }
            (v, "s")
        }
        _ => {
            loss(
                losses,
                r.at(1),
                format!("{time:?} is not a time of day HH[MM[SS[.S]]]"),
            );
            return PQ::default();
        }
    };
    PQ {
        value: Some(value),
        unit: Some(unit.into()),
        ..PQ::default()
    }
}

/// A TN (v2.1, v2.2) `[NNN] [(999)]999-9999 [X99999] [B99999] [C any text]`, parsed.
#[derive(Debug, Default, PartialEq)]
struct TnParts<'a> {
    country: Option<&'a str>,
    area: Option<&'a str>,
    local: &'a str,
    ext: Option<&'a str>,
    beeper: Option<&'a str>,
    comment: Option<&'a str>,
}

impl TnParts<'_> {
    /// The TN text as v2 writes it.
    fn text(&self) -> String {
        let mut s = String::new();
        if let Some(c) = self.country {
            s.push_str(c);
            s.push(' ');
        }
        if let Some(a) = self.area {
            s.push('(');
            s.push_str(a);
            s.push(')');
        }
        s.push_str(self.local);
        if let Some(x) = self.ext {
            s.push_str(" X");
            s.push_str(x);
        }
        s
    }

    /// The tel: URL: `tel:+NNN-(999)999-9999;ext=99999` (RFC 3966 allows the brackets as
    /// visual separators; they keep the area code apart from the local number).
    fn url(&self) -> String {
        let mut s = String::from("tel:");
        if let Some(c) = self.country {
            s.push('+');
            s.push_str(c);
            s.push('-');
        }
        if let Some(a) = self.area {
            s.push('(');
            s.push_str(a);
            s.push(')');
        }
        s.push_str(self.local);
        if let Some(x) = self.ext {
            s.push_str(";ext=");
            s.push_str(x);
        }
        s
    }
}

fn is_phone_digits(s: &str) -> bool {
    !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit() || b == b'-')
}

fn parse_tn(text: &str) -> Option<TnParts<'_>> {
    let mut p = TnParts::default();
    let mut rest = text.trim();
    if let Some((first, after)) = rest.split_once(' ')
        && first.bytes().all(|b| b.is_ascii_digit())
        && !first.is_empty()
        && after.starts_with(|c: char| c == '(' || c.is_ascii_digit())
    {
        p.country = Some(first);
        rest = after.trim_start();
    }
    if let Some(after) = rest.strip_prefix('(') {
        let (area, after) = after.split_once(')')?;
        if !area.bytes().all(|b| b.is_ascii_digit()) || area.is_empty() {
            return None;
        }
        p.area = Some(area);
        rest = after;
    }
    let end = rest.find(' ').unwrap_or(rest.len());
    p.local = &rest[..end];
    if !is_phone_digits(p.local) {
        return None;
    }
    rest = rest[end..].trim_start();
    while !rest.is_empty() {
        let (tag, after) = rest.split_at(1);
        if tag == "C" {
            p.comment = Some(after.trim());
            break;
        }
        let end = after.find(' ').unwrap_or(after.len());
        let digits = &after[..end];
        if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
            return None;
        }
        match tag {
            "X" if p.ext.is_none() => p.ext = Some(digits),
            "B" if p.beeper.is_none() => p.beeper = Some(digits),
            _ => return None,
        }
        rest = after[end..].trim_start();
    }
    Some(p)
}

/// A TN → a TEL with a tel: URL; the beeper and the comment have no place in it.
fn tn(r: &mut Reader, losses: &mut Vec<Loss>) -> TEL {
    let text = r.text(1).unwrap_or_default();
    let Some(p) = parse_tn(&text) else {
        loss(
            losses,
            r.at(1),
            format!(
                "{text:?} is not a telephone number [NNN] [(999)]999-9999 [X99999] [B99999] [C text]"
            ),
        );
        return TEL::default();
    };
    if let Some(b) = p.beeper {
        loss(losses, r.at(1), format!("beeper number B{b} not carried"));
    }
    if let Some(c) = p.comment {
        loss(losses, r.at(1), format!("comment {c:?} not carried"));
    }
    if p.beeper.is_none() && p.comment.is_none() && p.text() != text {
        loss(
            losses,
            r.at(1),
            format!("{text:?} reads back as {:?}", p.text()),
        );
    }
    TEL {
        value: Some(p.url()),
        ..TEL::default()
    }
}

/// Whether `s` starts with a URL scheme (`http:`, `file:`, `urn:` …).
fn has_scheme(s: &str) -> bool {
    s.split_once(':').is_some_and(|(scheme, _)| {
        scheme.len() > 1
            && scheme.starts_with(|c: char| c.is_ascii_alphabetic())
            && scheme
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || matches!(c, '+' | '.' | '-'))
    })
}

/// An RP (reference pointer) → an ED that only refers to its data: RP.1 is the reference
/// URL, RP.3/RP.4 the media type. RP.2, the application that resolves a pointer, has no
/// place in ED and is reported; so is a pointer that is not a URL.
fn rp(r: &mut Reader, losses: &mut Vec<Loss>) -> ED {
    let mut ed = ED::default();
    if let Some(p) = r.text(1) {
        if has_scheme(&p) {
            ed.reference = Some(Box::new(Nullable::Value(TEL {
                value: Some(p),
                ..TEL::default()
            })));
        } else {
            loss(
                losses,
                r.at(1),
                format!("pointer {p:?} is not a URL and cannot be an ED reference"),
            );
        }
    }
    ed.media_type = media_type(r, 3, 4, losses);
    ed
}

/// v2 duration and interval units (TQ.3 `D10`, RI.1 `Q6H`) → UCUM.
const TIME_UNITS: &[(&str, &str)] = &[
    ("S", "s"),
    ("M", "min"),
    ("H", "h"),
    ("D", "d"),
    ("W", "wk"),
    ("L", "mo"),
];

/// Table 0335 repeat patterns whose period the institution fixes → the period v3 uses.
const INSTITUTION_PERIODS: &[(&str, &str)] = &[
    ("QD", "1 d"),
    ("BID", "12 h"),
    ("TID", "8 h"),
    ("QID", "6 h"),
    ("QOD", "2 d"),
];

/// Table 0335 meal- and sleep-related patterns that are TimingEvent codes.
const TIMING_EVENTS: &[&str] = &[
    "AC", "ACM", "ACD", "ACV", "PC", "PCM", "PCD", "PCV", "HS", "WAKE", "C", "CM", "CD", "CV",
];
const TIMING_EVENT_SYSTEM: &str = "2.16.840.1.113883.5.139";

/// `<unit letter><integer>` (`D10`, `H6`) or `<integer><unit letter>` (`6H`) → a PQ.
fn time_quantity(n: &str, unit: &str) -> Option<PQ> {
    let unit = lookup(TIME_UNITS, unit)?;
    (!n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()) && !n.starts_with('0')).then(|| PQ {
        value: Some(n.to_owned()),
        unit: Some(unit.to_owned()),
        ..PQ::default()
    })
}

/// A TQ (timing/quantity) → the GTS it describes: TQ.4/TQ.5 start and end and TQ.3 duration
/// as an IVL<TS>, the repeat pattern TQ.2.1 as a PIVL<TS> (`Q6H`, `BID` with
/// institutionSpecified) or an EIVL<TS> (`AC`, `HS`), and both together as an SXPR<TS>: the
/// interval, then the repeat intersected with it (operator A), "every 6 hours for 10 days".
/// The quantity (TQ.1) and priority (TQ.6) belong on the act (doseQuantity, priorityCode), not
/// in a GTS: this reports them like the rest (very lossy, as the reference table says), and
/// [`to_v3_act`] carries them.
fn tq(r: &mut Reader, opts: &MapOptions, losses: &mut Vec<Loss>) -> AnyValue {
    let mut ivl = IVL::<TS>::default();
    for (n, slot) in [(4, &mut ivl.low), (5, &mut ivl.high)] {
        let mut s = r.sub(n);
        match s.piece.wire() {
            Wire::Absent => s.used.push(1),
            Wire::Null => {
                s.used.push(1);
                *slot = Some(Box::new(Nullable::null(opts.null_flavor)));
            }
            Wire::Text(_) => {
                *slot = Some(Box::new(Nullable::Value(IVXB {
                    base: ts(&mut s, true, losses),
                    inclusive: None,
                })))
            }
        }
        s.finish(losses);
    }
    if let Some(d) = r.text(3) {
        let (u, n) = d.split_at(d.chars().next().map_or(0, char::len_utf8));
        match time_quantity(n, u) {
            Some(w) if ivl.high.is_none() => {
                ivl.width = Some(Box::new(Nullable::Value(Qty::PQ(w))))
            }
            Some(_) => loss(
                losses,
                r.at(3),
                format!("duration {d:?} not carried beside an end time (TQ.5)"),
            ),
            None => loss(
                losses,
                r.at(3),
                format!("duration {d:?} has no interval width"),
            ),
        }
    }
    let mut ri = r.sub(2);
    let repeat = match ri.text(1) {
        None => None,
        Some(p) => {
            let at = ri.at(1);
            if let Some(period) = lookup(INSTITUTION_PERIODS, &p) {
                let (v, u) = period.split_once(' ').unwrap_or_default();
                Some(Sxcm::PIVL(PIVL {
                    period: Some(Box::new(Nullable::Value(PQ {
                        value: Some(v.into()),
                        unit: Some(u.into()),
                        ..PQ::default()
                    }))),
                    institution_specified: Some(true),
                    ..PIVL::default()
                }))
            } else if TIMING_EVENTS.contains(&p.as_str()) {
                Some(Sxcm::EIVL(EIVL {
                    event: Some(Box::new(Nullable::Value(CE {
                        code: Some(p.clone()),
                        code_system: Some(TIMING_EVENT_SYSTEM.into()),
                        ..CE::default()
                    }))),
                    ..EIVL::default()
                }))
            } else if let Some(q) = p
                .strip_prefix('Q')
                .and_then(|q| q.split_at_checked(q.len().saturating_sub(1)))
                .and_then(|(n, u)| time_quantity(n, u))
            {
                Some(Sxcm::PIVL(PIVL {
                    period: Some(Box::new(Nullable::Value(q))),
                    ..PIVL::default()
                }))
            } else {
                loss(losses, at, format!("repeat pattern {p:?} has no GTS form"));
                None
            }
        }
    };
    ri.finish(losses);
    let bounded = ivl.low.is_some() || ivl.high.is_some() || ivl.width.is_some();
    match repeat {
        Some(mut rep) if bounded => {
            set_operator(&mut rep, INTERSECT);
            AnyValue::SXPR_TS(SXPR {
                comp: vec![Nullable::Value(Sxcm::IVL(ivl)), Nullable::Value(rep)],
                ..SXPR::default()
            })
        }
        Some(Sxcm::PIVL(p)) => AnyValue::PIVL_TS(p),
        Some(Sxcm::EIVL(e)) => AnyValue::EIVL_TS(e),
        // The repeat is built as a PIVL or an EIVL only.
        Some(_) | None => AnyValue::IVL_TS(ivl),
    }
}

/// SetOperator A, intersection: the repeat holds within the interval.
const INTERSECT: &str = "A";

fn set_operator(m: &mut Sxcm<TS>, op: &str) {
    let slot = match m {
        Sxcm::SXCM(x) => &mut x.operator,
        Sxcm::IVL(x) => &mut x.operator,
        Sxcm::PIVL(x) => &mut x.operator,
        Sxcm::EIVL(x) => &mut x.operator,
        Sxcm::SXPR(x) => &mut x.operator,
    };
    *slot = Some(op.to_owned());
}

fn operator(m: &Sxcm<TS>) -> Option<&str> {
    match m {
        Sxcm::SXCM(x) => x.operator.as_deref(),
        Sxcm::IVL(x) => x.operator.as_deref(),
        Sxcm::PIVL(x) => x.operator.as_deref(),
        Sxcm::EIVL(x) => x.operator.as_deref(),
        Sxcm::SXPR(x) => x.operator.as_deref(),
    }
}

fn number(text: &str, dt: &str, losses: &mut Vec<Loss>) -> AnyValue {
    let t = text.trim();
    if text != t {
        loss(
            losses,
            dt,
            format!("spaces around {text:?} are not carried"),
        );
    }
    let digits = t.strip_prefix(['+', '-']).unwrap_or(t);
    if !digits.is_empty()
        && digits.bytes().all(|b| b.is_ascii_digit())
        && let Ok(i) = t.parse::<i64>()
    {
        if i.to_string() != t {
            loss(
                losses,
                dt,
                format!("the integer literal {t:?} is written {i}"),
            );
        }
        return AnyValue::INT(INT { value: Some(i) });
    }
    if dt == "SI" {
        loss(
            losses,
            dt,
            format!("{t:?} is not a sequence number; carried as REAL"),
        );
    }
    // The literal is kept: 1.50 is not 1.5 in precision.
    AnyValue::REAL(REAL {
        value: Some(t.to_owned()),
    })
}

/// TS.1 (or a DTM/DT) and TS.2, read from `r`.
fn ts(r: &mut Reader, with_precision: bool, losses: &mut Vec<Loss>) -> TS {
    let at = r.at(1);
    let mut value = r.text(1).unwrap_or_default();
    if with_precision && let Some(p) = r.text(2) {
        // Table 0529: Y L D H M S, the precision of TS.1 (deprecated from 2.5).
        let digits = match p.as_str() {
            "Y" => Some(4),
            "L" => Some(6),
            "D" => Some(8),
            "H" => Some(10),
            "M" => Some(12),
            "S" => Some(14),
            _ => None,
        };
        let numeric = value.bytes().take_while(u8::is_ascii_digit).count();
        match digits {
            Some(n) if n <= numeric => {
                let tz = value[numeric..]
                    .find(['+', '-'])
                    .map(|i| value[numeric + i..].to_owned());
                let mut v = value[..n].to_owned();
                if let Some(tz) = tz {
                    v.push_str(&tz);
                }
                value = v;
            }
            _ => {}
        }
        loss(
            losses,
            r.at(2),
            format!("degree of precision {p:?} applied to the value, not carried"),
        );
    }
    // The R1 XSD allows no timezone on 8 digits or fewer.
    let numeric = value.bytes().take_while(u8::is_ascii_digit).count();
    if numeric <= 8
        && let Some(i) = value.find(['+', '-'])
    {
        loss(
            losses,
            &at,
            format!("timezone {:?} dropped from a date", &value[i..]),
        );
        value.truncate(i);
    }
    TS { value: Some(value) }
}

/// The root for a universal ID at `id` of type at `ty` (HD.2/HD.3, EI.3/EI.4).
fn universal_id(r: &mut Reader, id: usize, ty: usize, losses: &mut Vec<Loss>) -> Option<String> {
    let uid = r.text(id)?;
    let kind = r.text(ty).unwrap_or_default();
    let root_kind = lookup(UNIVERSAL_ID_TYPE, &kind).or_else(|| {
        let k = lookup(UNIVERSAL_ID_TYPE_LOSSY, &kind)?;
        let back = reverse(UNIVERSAL_ID_TYPE, k).unwrap_or_default();
        loss(
            losses,
            r.at(ty),
            format!("universal ID type {kind:?} reads back as {back:?}"),
        );
        Some(k)
    });
    let ok = match root_kind {
        Some("oid") => is_oid(&uid),
        Some("uuid") => is_uuid(&uid),
        _ => false,
    };
    if ok {
        Some(uid)
    } else {
        loss(
            losses,
            r.at(id),
            format!(
                "universal ID {uid:?} of type {kind:?} is not an OID or UUID; no II root without an OID registry"
            ),
        );
        None
    }
}

fn hd(r: &mut Reader, losses: &mut Vec<Loss>) -> II {
    let name = r.text(1);
    let root = universal_id(r, 2, 3, losses);
    II {
        root,
        assigning_authority_name: name,
        ..II::default()
    }
}

fn text_part<K: crate::PartKind>(kind: K, v: V, opts_null: NullFlavor) -> Option<Mixed<K, ENXP>> {
    match v {
        V::Absent => None,
        V::Null => Some(Mixed::Part(kind, Nullable::null(opts_null))),
        V::Text(t) => Some(Mixed::Part(
            kind,
            Nullable::Value(ENXP {
                content: Some(t),
                ..ENXP::default()
            }),
        )),
    }
}

fn lookup(table: &[(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(k, _)| *k == code).map(|(_, v)| *v)
}

fn reverse(table: &[(&'static str, &'static str)], code: &str) -> Option<&'static str> {
    table.iter().find(|(_, v)| *v == code).map(|(k, _)| *k)
}

/// Where a datatype holds the parts of a person's name.
#[derive(Debug, Clone, Copy)]
struct NameLayout {
    family: usize,
    given: usize,
    second: usize,
    suffix: usize,
    prefix: usize,
    degree: usize,
    name_type: Option<usize>,
    representation: Option<usize>,
}

const XPN_NAME: NameLayout = NameLayout {
    family: 1,
    given: 2,
    second: 3,
    suffix: 4,
    prefix: 5,
    degree: 6,
    name_type: Some(7),
    representation: Some(8),
};

/// XCN (and CN up to 2.2) hold the name after the identifier, XCN.2–7; XCN.10 is the name
/// type and XCN.15 the representation.
const XCN_NAME: NameLayout = NameLayout {
    family: 2,
    given: 3,
    second: 4,
    suffix: 5,
    prefix: 6,
    degree: 7,
    name_type: Some(10),
    representation: Some(15),
};

fn name_layout(dt: &str) -> NameLayout {
    match dt {
        "XCN" | "CN" => XCN_NAME,
        _ => XPN_NAME,
    }
}

fn xpn(r: &mut Reader, layout: NameLayout, losses: &mut Vec<Loss>) -> PN {
    let null = NullFlavor::NI;
    let mut parts = Vec::new();
    parts.extend(text_part(PNPart::Prefix, r.get(layout.prefix), null));
    let first = r.get(layout.given);
    let second = r.get(layout.second);
    if first == V::Absent && second != V::Absent {
        loss(
            losses,
            r.at(layout.second),
            "a second given name without a first reads back as the first",
        );
    }
    parts.extend(text_part(PNPart::Given, first, null));
    parts.extend(text_part(PNPart::Given, second, null));
    let mut fam = r.sub(layout.family);
    parts.extend(text_part(PNPart::Family, fam.get(1), null));
    fam.finish(losses);
    parts.extend(text_part(PNPart::Suffix, r.get(layout.suffix), null));
    let degree = r.get(layout.degree);
    if degree == V::Null {
        loss(
            losses,
            r.at(layout.degree),
            "a null degree cannot carry the AC qualifier and reads back as a suffix",
        );
    }
    if let Some(Mixed::Part(k, mut v)) = text_part(PNPart::Suffix, degree, null) {
        if let Nullable::Value(p) = &mut v {
            p.qualifier = vec!["AC".into()];
        }
        parts.push(Mixed::Part(k, v));
    }
    let mut use_ = Vec::new();
    if let Some(t) = layout.name_type.and_then(|n| r.text(n)) {
        match lookup(NAME_USE, &t) {
            Some(u) => use_.push(u.to_owned()),
            None => loss(
                losses,
                r.at(layout.name_type.unwrap_or_default()),
                format!("name type {t:?} has no EntityNameUse code"),
            ),
        }
    }
    if let Some(t) = layout.representation.and_then(|n| r.text(n)) {
        match lookup(REPRESENTATION, &t) {
            Some(u) => use_.push(u.to_owned()),
            None => loss(
                losses,
                r.at(layout.representation.unwrap_or_default()),
                format!("representation {t:?} unknown"),
            ),
        }
    }
    PN {
        parts,
        use_,
        ..PN::default()
    }
}

fn ad_part(kind: ADPart, v: V) -> Option<Mixed<ADPart, ADXP>> {
    match v {
        V::Absent => None,
        V::Null => Some(Mixed::Part(kind, Nullable::null(NullFlavor::NI))),
        V::Text(t) => Some(Mixed::Part(
            kind,
            Nullable::Value(ADXP {
                content: Some(t),
                ..ADXP::default()
            }),
        )),
    }
}

fn xad(r: &mut Reader, losses: &mut Vec<Loss>) -> AD {
    let mut parts = Vec::new();
    let mut street = r.sub(1);
    parts.extend(ad_part(ADPart::StreetAddressLine, street.get(1)));
    street.finish(losses);
    parts.extend(ad_part(ADPart::AdditionalLocator, r.get(2)));
    parts.extend(ad_part(ADPart::City, r.get(3)));
    parts.extend(ad_part(ADPart::State, r.get(4)));
    parts.extend(ad_part(ADPart::PostalCode, r.get(5)));
    parts.extend(ad_part(ADPart::Country, r.get(6)));
    parts.extend(ad_part(ADPart::County, r.get(9)));
    parts.extend(ad_part(ADPart::CensusTract, r.get(10)));
    let mut use_ = Vec::new();
    if let Some(t) = r.text(7) {
        if let Some(u) = lookup(ADDRESS_USE, &t) {
            use_.push(u.to_owned());
        } else if let Some(u) = lookup(ADDRESS_USE_LOSSY, &t) {
            use_.push(u.to_owned());
            loss(
                losses,
                r.at(7),
                format!("address type {t:?} becomes use {u}, which reads back as another type"),
            );
        } else {
            loss(
                losses,
                r.at(7),
                format!("address type {t:?} has no PostalAddressUse code"),
            );
        }
    }
    if let Some(t) = r.text(11) {
        match lookup(REPRESENTATION, &t) {
            Some(u) => use_.push(u.to_owned()),
            None => loss(losses, r.at(11), format!("representation {t:?} unknown")),
        }
    }
    AD {
        parts,
        use_,
        ..AD::default()
    }
}

fn xtn(r: &mut Reader, losses: &mut Vec<Loss>) -> TEL {
    let mut use_ = Vec::new();
    let use_code = r.text(2);
    let equipment = r.text(3);
    if let Some(u) = &use_code {
        match lookup(TELECOM_USE, u) {
            Some(c) => use_.push(c.to_owned()),
            // NET and PRS take the use from the URL scheme.
            None if u == "NET" || u == "PRS" => {}
            None => loss(losses, r.at(2), format!("telecom use {u:?} has no v3 code")),
        }
    }
    let email = r.text(4);
    let (country, area, local, ext) = (r.text(5), r.text(6), r.text(7), r.text(8));
    let formatted = r.text(1);
    let scheme = match equipment.as_deref() {
        None => {
            if email.is_none() {
                loss(
                    losses,
                    r.at(3),
                    "no equipment type: written as a tel: URL, which reads back as PH",
                );
            }
            "tel:"
        }
        Some(e) => match (lookup(EQUIPMENT_TYPE, e), lookup(EQUIPMENT_TYPE_LOSSY, e)) {
            (Some(s), _) => s,
            (None, Some(s)) => {
                match lookup(EQUIPMENT_TYPE_MARKED, e) {
                    // A cell phone is a tel: URL with use MC, from which it reads back.
                    Some(mark) => use_.push(mark.to_owned()),
                    None => loss(
                        losses,
                        r.at(3),
                        format!("equipment type {e:?} has no marker on a {s} URL"),
                    ),
                }
                s
            }
            (None, None) => {
                loss(
                    losses,
                    r.at(3),
                    format!("equipment type {e:?} has no URL scheme"),
                );
                "tel:"
            }
        },
    };
    let value = if let Some(e) = email {
        if formatted.is_some() {
            loss(losses, r.at(1), "XTN.1 not carried beside XTN.4");
        }
        for (n, v) in [(5, &country), (6, &area), (7, &local), (8, &ext)] {
            if let Some(v) = v {
                loss(
                    losses,
                    r.at(n),
                    format!("{v:?} not carried beside an e-mail address"),
                );
            }
        }
        if equipment.as_deref() != Some("Internet") {
            loss(
                losses,
                r.at(3),
                "an e-mail address reads back with equipment type Internet",
            );
        }
        if use_code.is_none() {
            loss(losses, r.at(2), "an e-mail address reads back with use NET");
        }
        Some(format!("mailto:{e}"))
    } else if local.is_some() {
        if let Some(f) = &formatted {
            loss(losses, r.at(1), format!("{f:?} not carried beside XTN.5–8"));
        }
        let mut s = String::from(scheme);
        if let Some(c) = &country {
            s.push('+');
            s.push_str(c);
            s.push('-');
        }
        if let Some(a) = &area {
            s.push_str(a);
            s.push('-');
        }
        s.push_str(local.as_deref().unwrap_or_default());
        if let Some(x) = &ext {
            s.push_str(";ext=");
            s.push_str(x);
        }
        let sent = [&country, &area, &local, &ext].map(|v| v.as_deref());
        if split_number(&s[scheme.len()..]) != Some(sent) {
            loss(
                losses,
                r.at(7),
                format!("{s:?} does not read back into XTN.5–8 as sent (digits only)"),
            );
        }
        Some(s)
    } else {
        for (n, v) in [(5, &country), (6, &area), (8, &ext)] {
            if let Some(v) = v {
                loss(losses, r.at(n), format!("{v:?} not carried without XTN.7"));
            }
        }
        if let Some(f) = &formatted
            && split_number(f).is_some()
        {
            loss(losses, r.at(1), format!("{f:?} reads back as XTN.5–8"));
        }
        formatted.map(|f| format!("{scheme}{f}"))
    };
    if value.is_none() {
        // The scheme and a scheme-given use ride on the URL: without one they are lost.
        if let Some(e) = &equipment {
            loss(
                losses,
                r.at(3),
                format!("equipment type {e:?} not carried without an address"),
            );
        }
        if let Some(u @ ("NET" | "PRS")) = use_code.as_deref() {
            loss(
                losses,
                r.at(2),
                format!("telecom use {u:?} not carried without an address"),
            );
        }
    }
    TEL {
        value,
        use_,
        ..TEL::default()
    }
}

fn cq(r: &mut Reader, losses: &mut Vec<Loss>) -> PQ {
    let mut pq = PQ {
        value: r.text(1),
        ..PQ::default()
    };
    let mut u = r.sub(2);
    units(&mut pq, &mut u, losses);
    u.finish(losses);
    pq
}

/// The units of a CE (CQ.2, OBX-6) into `pq`: UCUM → `unit`, another system → `unit="1"` and
/// a PQR translation.
fn units(pq: &mut PQ, u: &mut Reader, losses: &mut Vec<Loss>) {
    let code = u.text(1);
    let text = u.text(2);
    let system = u.text(3);
    match (code, system.as_deref()) {
        (Some(c), Some("UCUM") | None) => {
            if system.is_none() {
                loss(
                    losses,
                    u.at(1),
                    format!("unit {c:?} has no coding system and is taken as UCUM"),
                );
            }
            pq.unit = Some(c);
            if let Some(t) = text {
                loss(losses, u.at(2), format!("unit text {t:?} not carried"));
            }
        }
        (Some(c), Some(s)) => {
            pq.unit = Some("1".into());
            pq.translation.push(Nullable::Value(PQR {
                value: pq.value.clone(),
                code: Some(c),
                display_name: text,
                code_system: oid_of(s),
                code_system_name: Some(s.to_owned()),
                ..PQR::default()
            }));
        }
        (None, _) => {
            if let Some(t) = text {
                loss(losses, u.at(2), format!("unit text {t:?} without a code"));
            }
        }
    }
}

/// A numeric value with its units sent elsewhere (OBX-5 of type NM and OBX-6): one PQ.
///
/// ```
/// use hl7_model::{Message, typed::TypedSegment, v2_5::OruR01};
/// use hl7_v3::map::{MapOptions, V2Value, quantity};
/// let text = "MSH|^~\\&|LAB||||20240101||ORU^R01^ORU_R01|1|P|2.5\rPID|1||7\rOBR|1\r\
///             OBX|1|NM|2345-7^Glucose^LN||5.4|mmol/L^^UCUM\r";
/// let m = Message::parse(text, &Default::default()).unwrap();
/// let oru: OruR01 = m.typed().unwrap();
/// let obx = oru.patient_result().first().unwrap().order_observation().first().unwrap()
///     .observation().first().unwrap().obx().unwrap();
/// let d = m.lean().delimiters();
/// let value = V2Value::new(obx.segment().field(5).first(), d, "NM");
/// let units = V2Value::of(obx.units().unwrap());
/// let pq = quantity(&value, Some(&units), &MapOptions::default()).unwrap();
/// assert!(pq.losses.is_empty());
/// assert_eq!(hl7_v3::to_xml("value", pq.value.as_ref().unwrap()).unwrap(),
///     r#"<value xmlns="urn:hl7-org:v3" value="5.4" unit="mmol/L"/>"#);
/// ```
pub fn quantity(
    value: &V2Value,
    units_of: Option<&V2Value>,
    opts: &MapOptions,
) -> Result<Mapped<Nullable<PQ>>, MapError> {
    if !matches!(value.datatype, "NM" | "SI") {
        return Err(MapError::UnsupportedV2(value.datatype.to_owned()));
    }
    let mut losses = Vec::new();
    match value.piece.wire() {
        Wire::Absent => {
            return Ok(Mapped {
                value: None,
                losses,
            });
        }
        Wire::Null => {
            return Ok(Mapped {
                value: Some(Nullable::null(opts.null_flavor)),
                losses,
            });
        }
        Wire::Text(_) => {}
    }
    let mut r = Reader::new(value);
    let text = r.text(1).unwrap_or_default();
    r.finish(&mut losses);
    let t = text.trim();
    if t != text {
        loss(
            &mut losses,
            value.datatype,
            format!("spaces around {text:?} are not carried"),
        );
    }
    let mut pq = PQ {
        value: Some(t.to_owned()),
        ..PQ::default()
    };
    if let Some(u) = units_of
        && u.piece.wire() != Wire::Absent
    {
        let mut u = Reader::new(u);
        units(&mut pq, &mut u, &mut losses);
        u.finish(&mut losses);
    }
    Ok(Mapped {
        value: Some(Nullable::Value(pq)),
        losses,
    })
}

/// The MIME type of a v2 type of data (`AP`, table 0191) at `kind` and subtype at `sub`.
fn media_type(r: &mut Reader, kind: usize, sub: usize, losses: &mut Vec<Loss>) -> Option<String> {
    let k = r.text(kind);
    let s = r.text(sub);
    match (k.as_deref().map(|k| (k, lookup(MEDIA_TYPE, k))), &s) {
        (Some((_, Some(top))), Some(s)) => return Some(format!("{top}/{s}")),
        (Some((k, _)), _) => loss(
            losses,
            r.at(kind),
            format!("type of data {k:?} with subtype {s:?} has no MIME type"),
        ),
        (None, Some(s)) => loss(losses, r.at(sub), format!("subtype {s:?} without a type")),
        (None, None) => {}
    }
    None
}

fn ed(r: &mut Reader, losses: &mut Vec<Loss>) -> ED {
    let mut ed = ED {
        media_type: media_type(r, 2, 3, losses),
        ..ED::default()
    };
    let data = r.text(5);
    match r.text(4).as_deref() {
        None => ed.content = data,
        Some("A") => {
            ed.representation = Some("TXT".into());
            ed.content = data;
        }
        Some("Base64") => {
            ed.representation = Some("B64".into());
            ed.content = data;
        }
        Some(other) => {
            // Hex would have to be re-encoded as base64.
            loss(
                losses,
                r.at(4),
                format!("encoding {other:?} is not carried, nor the data it encodes"),
            );
        }
    }
    ed
}

fn sn(r: &mut Reader, losses: &mut Vec<Loss>) -> AnyValue {
    let comparator = r.text(1).unwrap_or_default();
    let n1 = r.text(2);
    let sep = r.text(3);
    let n2 = r.text(4);
    let real = |v: Option<String>| REAL { value: v };
    match (sep.as_deref(), comparator.as_str()) {
        (None, "" | "=") => {
            if comparator == "=" {
                loss(losses, r.at(1), "comparator \"=\" not carried");
            }
            AnyValue::REAL(real(n1))
        }
        (None, c @ ("<" | "<=" | ">" | ">=")) => {
            let bound = Some(Box::new(Nullable::Value(IVXB {
                base: real(n1),
                inclusive: Some(c.ends_with('=')),
            })));
            let mut ivl = IVL::<REAL>::default();
            if c.starts_with('<') {
                ivl.high = bound;
            } else {
                ivl.low = bound;
            }
            AnyValue::IVL_REAL(ivl)
        }
        (Some("-"), "") => AnyValue::IVL_REAL(IVL {
            low: Some(Box::new(Nullable::Value(IVXB {
                base: real(n1),
                inclusive: None,
            }))),
            high: Some(Box::new(Nullable::Value(IVXB {
                base: real(n2),
                inclusive: None,
            }))),
            ..IVL::default()
        }),
        (Some(":" | "/"), "") => {
            if sep.as_deref() == Some("/") {
                loss(losses, r.at(3), "separator \"/\" is read back as \":\"");
            }
            let pq = |v: Option<String>| {
                Nullable::Value(PQ {
                    value: v,
                    ..PQ::default()
                })
            };
            AnyValue::RTO_PQ_PQ(RTO {
                numerator: pq(n1),
                denominator: pq(n2),
            })
        }
        (s, c) => {
            loss(
                losses,
                r.at(1),
                format!("structured numeric {c:?} {s:?} is not expressible; only SN.2 carried"),
            );
            AnyValue::REAL(real(n1))
        }
    }
}

/// The CD of a CE, CWE, CNE or CF.
fn coded(r: &mut Reader, opts: &MapOptions, losses: &mut Vec<Loss>) -> Nullable<CD> {
    let cwe = r.label != "CE";
    let code = r.text(1);
    let display = r.text(2);
    let mnemonic = r.text(3);
    let oid = if cwe { r.text(14) } else { None };
    let mut cd = CD {
        code,
        display_name: display,
        ..CD::default()
    };
    cd.code_system_name = mnemonic.clone();
    cd.code_system = match (&oid, &mnemonic) {
        (Some(o), _) => Some(o.clone()),
        (None, Some(m)) => {
            let found = oid_of(m);
            if found.is_none() {
                loss(
                    losses,
                    r.at(3),
                    format!("coding system {m:?} has no known OID"),
                );
            }
            found
        }
        (None, None) => None,
    };
    if cwe {
        cd.code_system_version = r.text(7);
    }
    // The alternate triplet(s): translations.
    let mut alt =
        |r: &mut Reader, c: usize, t: usize, s: usize, ver: Option<usize>, o: Option<usize>| {
            let code = r.text(c);
            let display = r.text(t);
            let system = r.text(s);
            let version = ver.and_then(|v| r.text(v));
            let oid = o.and_then(|o| r.text(o));
            if code.is_none() && display.is_none() && system.is_none() {
                return None;
            }
            let code_system = oid.or_else(|| {
                let found = system.as_deref().and_then(oid_of);
                if found.is_none()
                    && let Some(m) = &system
                {
                    loss(
                        losses,
                        r.at(s),
                        format!("coding system {m:?} has no known OID"),
                    );
                }
                found
            });
            Some(Nullable::Value(CD {
                code,
                display_name: display,
                code_system,
                code_system_name: system,
                code_system_version: version,
                ..CD::default()
            }))
        };
    if cwe {
        cd.translation.extend(alt(r, 4, 5, 6, Some(8), Some(17)));
        cd.translation
            .extend(alt(r, 10, 11, 12, Some(13), Some(20)));
    } else {
        cd.translation.extend(alt(r, 4, 5, 6, None, None));
    }
    if cwe && let Some(t) = r.text(9) {
        cd.original_text = Some(Box::new(Nullable::Value(ED {
            content: Some(t),
            ..ED::default()
        })));
    }
    if cd.code.is_none() && cd.code_system.is_none() && cd.translation.is_empty() {
        // Text only: a null whose original text is the text.
        let text = cd.original_text.take().or_else(|| {
            cd.display_name.take().map(|t| {
                Box::new(Nullable::Value(ED {
                    content: Some(t),
                    ..ED::default()
                }))
            })
        });
        for (what, v) in [
            ("display name", &cd.display_name),
            ("coding system name", &cd.code_system_name),
            ("coding system version", &cd.code_system_version),
        ] {
            if let Some(v) = v {
                loss(
                    losses,
                    r.label.clone(),
                    format!("{what} {v:?} of a value without a code not carried"),
                );
            }
        }
        return Nullable::Null {
            flavor: opts.text_only_flavor,
            extras: crate::CodedNullExtras {
                original_text: text,
                translation: Vec::new(),
            },
        };
    }
    Nullable::Value(cd)
}

/// Maps a coded v2 value (CE, CWE, CNE, CF) to a CD, keeping a text-only value's text in
/// the null's original text.
pub fn to_cd(v: &V2Value, opts: &MapOptions) -> Result<Mapped<Nullable<CD>>, MapError> {
    if !matches!(v.datatype, "CE" | "CWE" | "CNE" | "CF") {
        return Err(MapError::UnsupportedV2(v.datatype.to_owned()));
    }
    let mut losses = Vec::new();
    let value = match v.piece.wire() {
        _ if only_separators(v.piece) => None,
        Wire::Absent => None,
        Wire::Null => Some(Nullable::null(opts.null_flavor)),
        Wire::Text(_) => {
            let mut r = Reader::new(v);
            let cd = coded(&mut r, opts, &mut losses);
            r.finish(&mut losses);
            Some(cd)
        }
    };
    Ok(Mapped { value, losses })
}

// ---------------------------------------------------------------------------------------
// v3 → v2

/// Components being written: each a list of subcomponents, unescaped.
#[derive(Debug, Default)]
struct Out {
    comps: Vec<Vec<String>>,
}

impl Out {
    fn set(&mut self, n: usize, v: Option<&str>) {
        self.set_sub(n, 1, v);
    }
    fn set_sub(&mut self, n: usize, s: usize, v: Option<&str>) {
        let Some(v) = v else { return };
        if self.comps.len() < n {
            self.comps.resize(n, Vec::new());
        }
        let c = &mut self.comps[n - 1];
        if c.len() < s {
            c.resize(s, String::new());
        }
        c[s - 1] = v.to_owned();
    }
    fn er7(&self, d: &Delimiters) -> String {
        let enc = |t: &str| -> String {
            if t == "\"\"" {
                t.to_owned()
            } else {
                escape_formatted(t, d).into_owned()
            }
        };
        let mut comps: Vec<String> = self
            .comps
            .iter()
            .map(|subs| {
                let mut subs: Vec<String> = subs.iter().map(|s| enc(s)).collect();
                while subs.last().is_some_and(String::is_empty) {
                    subs.pop();
                }
                subs.join(&d.subcomponent.to_string())
            })
            .collect();
        while comps.last().is_some_and(String::is_empty) {
            comps.pop();
        }
        comps.join(&d.component.to_string())
    }
}

const NULL: &str = "\"\"";

/// Maps a v3 value to the ER7 text of a v2 value of datatype `to`, written with
/// delimiters `d`. A null becomes `""`; `None` stays absent.
pub fn to_v2(
    value: Option<&Nullable<AnyValue>>,
    to: &str,
    d: &Delimiters,
) -> Result<Mapped<String>, MapError> {
    let mut losses = Vec::new();
    let Some(value) = value else {
        return Ok(Mapped {
            value: None,
            losses,
        });
    };
    let v = match value {
        Nullable::Null { flavor, .. } => {
            if *flavor != NullFlavor::NI {
                loss(
                    &mut losses,
                    to,
                    format!("nullFlavor {flavor} is written \"\""),
                );
            }
            return Ok(Mapped {
                value: Some(NULL.to_owned()),
                losses,
            });
        }
        Nullable::Value(v) => v,
    };
    let mut out = Out::default();
    write_v2(v, to, &mut out, &mut losses)?;
    Ok(Mapped {
        value: Some(out.er7(d)),
        losses,
    })
}

/// Writes the components of `v` as v2 datatype `to` into `out`.
fn write_v2(v: &AnyValue, to: &str, out: &mut Out, losses: &mut Vec<Loss>) -> Result<(), MapError> {
    let unsupported = || MapError::UnsupportedV3 {
        from: format!("{v:?}")
            .split('(')
            .next()
            .unwrap_or_default()
            .to_owned(),
        to: to.to_owned(),
    };
    match (v, to) {
        (AnyValue::ST(st), "ST" | "TX" | "FT") => out.set(1, st.content.as_deref()),
        (AnyValue::CS(cs), "ID" | "IS") => out.set(1, cs.code.as_deref()),
        (AnyValue::INT(i), "NM" | "SI") => out.set(1, i.value.map(|i| i.to_string()).as_deref()),
        (AnyValue::REAL(x), "NM" | "SI") => out.set(1, x.value.as_deref()),
        (AnyValue::TS(ts), "DT" | "DTM") => out.set(1, ts.value.as_deref()),
        (AnyValue::TS(ts), "TS") => out.set(1, ts.value.as_deref()),
        (AnyValue::IVL_TS(ivl), "DR") => {
            ivl_bounds(ivl, ("DR", 1, 2), out, losses);
            for (what, present) in [
                ("width", ivl.width.is_some()),
                ("center", ivl.center.is_some()),
            ] {
                if present {
                    loss(losses, "IVL_TS", format!("{what} has no DR component"));
                }
            }
        }
        (AnyValue::II(ii), "CX" | "EI" | "HD") => {
            let kind = ii
                .root
                .as_deref()
                .and_then(|r| reverse(UNIVERSAL_ID_TYPE, if is_oid(r) { "oid" } else { "uuid" }));
            let name = ii.assigning_authority_name.as_deref();
            match to {
                "CX" => {
                    out.set(1, ii.extension.as_deref());
                    out.set_sub(4, 1, name);
                    out.set_sub(4, 2, ii.root.as_deref());
                    out.set_sub(4, 3, kind);
                }
                "EI" => {
                    out.set(1, ii.extension.as_deref());
                    out.set(2, name);
                    out.set(3, ii.root.as_deref());
                    out.set(4, kind);
                }
                _ => {
                    out.set(1, name);
                    out.set(2, ii.root.as_deref());
                    out.set(3, kind);
                    if let Some(e) = &ii.extension {
                        loss(losses, "II.extension", format!("{e:?} has no HD component"));
                    }
                }
            }
            if ii.displayable.is_some() {
                loss(losses, "II.displayable", "not carried");
            }
        }
        (AnyValue::PN(pn), "XPN" | "PN" | "XCN" | "CN") => {
            pn_to_v2(pn, name_layout(to), out, losses)
        }
        (AnyValue::ON(on), "XON") => {
            let mut name = String::new();
            for p in &on.parts {
                match p {
                    Mixed::Text(t) => name.push_str(t),
                    Mixed::Part(k, _) => loss(
                        losses,
                        format!("ON.{}", k.element_name()),
                        "a name part has no XON component",
                    ),
                }
            }
            out.set(1, (!name.is_empty()).then_some(name.as_str()));
            if !on.use_.is_empty() || on.valid_time.is_some() {
                loss(losses, "ON", "use and validTime not carried");
            }
        }
        (AnyValue::AD(ad), "XAD" | "AD") => ad_to_v2(ad, out, losses),
        (AnyValue::TEL(tel), "XTN") => tel_to_v2(tel, out, losses),
        (AnyValue::CD(cd), "CE" | "CWE" | "CNE" | "CF") => cd_to_v2(cd, to, out, losses),
        (AnyValue::PQ(pq), "CQ") => {
            out.set(1, pq.value.as_deref());
            match (pq.unit.as_deref(), pq.translation.first()) {
                (Some("1") | None, Some(Nullable::Value(t))) => {
                    out.set_sub(2, 1, t.code.as_deref());
                    out.set_sub(2, 2, t.display_name.as_deref());
                    let sys = t
                        .code_system_name
                        .clone()
                        .or_else(|| t.code_system.as_deref().and_then(mnemonic_of));
                    out.set_sub(2, 3, sys.as_deref());
                }
                (Some(u), _) => {
                    out.set_sub(2, 1, Some(u));
                    out.set_sub(2, 3, Some("UCUM"));
                }
                (None, _) => {}
            }
            if pq.translation.len() > 1 {
                loss(
                    losses,
                    "PQ.translation",
                    "only the first unit translation carried",
                );
            }
        }
        (AnyValue::ED(ed), "ED") => {
            if let Some((top, sub)) = ed.media_type.as_deref().and_then(|m| m.split_once('/')) {
                match reverse(MEDIA_TYPE, top) {
                    Some(k) => {
                        out.set(2, Some(k));
                        out.set(3, Some(sub));
                    }
                    None => loss(
                        losses,
                        "ED.mediaType",
                        format!("{top:?} has no type of data"),
                    ),
                }
            }
            match ed.representation.as_deref() {
                Some("B64") => out.set(4, Some("Base64")),
                Some(_) => out.set(4, Some("A")),
                None => {}
            }
            out.set(5, ed.content.as_deref());
            if ed.reference.is_some() || ed.thumbnail.is_some() || ed.language.is_some() {
                loss(
                    losses,
                    "ED",
                    "reference, thumbnail and language not carried",
                );
            }
        }
        (AnyValue::MO(mo), "MO") => {
            out.set(1, mo.value.as_deref());
            out.set(2, mo.currency.as_deref());
        }
        (AnyValue::REAL(x), "SN") => out.set(2, x.value.as_deref()),
        (AnyValue::IVL_REAL(ivl), "SN") => {
            let bound = |b: Option<&Nullable<IVXB<REAL>>>| match b {
                Some(Nullable::Value(x)) => Some((x.base.value.clone(), x.inclusive)),
                _ => None,
            };
            match (bound(ivl.low.as_deref()), bound(ivl.high.as_deref())) {
                (Some((lo, None)), Some((hi, None))) => {
                    out.set(2, lo.as_deref());
                    out.set(3, Some("-"));
                    out.set(4, hi.as_deref());
                }
                (Some((lo, inc)), None) => {
                    out.set(1, Some(if inc == Some(true) { ">=" } else { ">" }));
                    out.set(2, lo.as_deref());
                }
                (None, Some((hi, inc))) => {
                    out.set(1, Some(if inc == Some(true) { "<=" } else { "<" }));
                    out.set(2, hi.as_deref());
                }
                _ => loss(losses, "IVL_REAL", "this interval has no SN form"),
            }
        }
        (AnyValue::RTO_PQ_PQ(rto), "SN") => {
            let v = |n: &Nullable<PQ>| n.value().and_then(|p| p.value.clone());
            out.set(2, v(&rto.numerator).as_deref());
            out.set(3, Some(":"));
            out.set(4, v(&rto.denominator).as_deref());
        }
        (AnyValue::PQ(pq), "TM") => pq_to_tm(pq, out, losses),
        (AnyValue::TEL(tel), "TN") => tel_to_tn(tel, out, losses),
        (AnyValue::ED(ed), "RP") => {
            match ed.reference.as_deref() {
                Some(Nullable::Value(t)) => out.set(1, t.value.as_deref()),
                Some(Nullable::Null { .. }) => out.set(1, Some(NULL)),
                None => {}
            }
            if let Some((top, sub)) = ed.media_type.as_deref().and_then(|m| m.split_once('/')) {
                match reverse(MEDIA_TYPE, top) {
                    Some(k) => {
                        out.set(3, Some(k));
                        out.set(4, Some(sub));
                    }
                    None => loss(
                        losses,
                        "ED.mediaType",
                        format!("{top:?} has no type of data"),
                    ),
                }
            }
            if ed.content.is_some() || ed.thumbnail.is_some() || ed.language.is_some() {
                loss(
                    losses,
                    "ED",
                    "content, thumbnail and language have no place in a reference pointer",
                );
            }
        }
        (AnyValue::IVL_TS(ivl), "TQ") => ivl_to_tq(ivl, out, losses),
        (AnyValue::PIVL_TS(p), "TQ") => pivl_to_tq(p, out, losses),
        (AnyValue::EIVL_TS(e), "TQ") => eivl_to_tq(e, out, losses),
        (AnyValue::SXPR_TS(x), "TQ") => sxpr_to_tq(x, out, losses),
        _ => return Err(unsupported()),
    }
    Ok(())
}

/// An IVL<TS>'s low and high bounds into components `low` and `high` of v2 type `ty` (each a
/// TS, its time in the first subcomponent): a null bound as `""`, an open bound written closed
/// and reported.
fn ivl_bounds(
    ivl: &IVL<TS>,
    (ty, low, high): (&str, usize, usize),
    out: &mut Out,
    losses: &mut Vec<Loss>,
) {
    for (n, b) in [(low, &ivl.low), (high, &ivl.high)] {
        match b.as_deref() {
            Some(Nullable::Value(x)) => {
                out.set_sub(n, 1, x.base.value.as_deref());
                if x.inclusive == Some(false) {
                    loss(
                        losses,
                        format!("{ty}.{n}"),
                        "an open bound is written closed",
                    );
                }
            }
            Some(Nullable::Null { .. }) => out.set(n, Some(NULL)),
            None => {}
        }
    }
}

/// TQ.3–5 from an IVL<TS>.
fn ivl_to_tq(ivl: &IVL<TS>, out: &mut Out, losses: &mut Vec<Loss>) {
    ivl_bounds(ivl, ("TQ", 4, 5), out, losses);
    match ivl.width.as_deref() {
        Some(Nullable::Value(Qty::PQ(w))) => match (
            w.value.as_deref(),
            w.unit.as_deref().and_then(|u| reverse(TIME_UNITS, u)),
        ) {
            (Some(v), Some(u)) if time_quantity(v, u).is_some() => {
                out.set(3, Some(&format!("{u}{v}")))
            }
            _ => loss(losses, "IVL_TS.width", format!("{w:?} has no TQ duration")),
        },
        Some(_) => loss(losses, "IVL_TS.width", "not a time quantity"),
        None => {}
    }
    if ivl.center.is_some() {
        loss(losses, "IVL_TS", "center has no TQ component");
    }
}

/// TQ.2 from a PIVL<TS>.
fn pivl_to_tq(p: &PIVL<TS>, out: &mut Out, losses: &mut Vec<Loss>) {
    let period = p.period.as_ref().and_then(|n| n.value()).and_then(|q| {
        let v = q.value.as_deref()?;
        let u = q.unit.as_deref()?;
        if p.institution_specified == Some(true) {
            let text = format!("{v} {u}");
            reverse(INSTITUTION_PERIODS, &text).map(str::to_owned)
        } else {
            let u = reverse(TIME_UNITS, u)?;
            time_quantity(v, u).map(|_| format!("Q{v}{u}"))
        }
    });
    match period {
        Some(t) => out.set_sub(2, 1, Some(&t)),
        None => loss(losses, "PIVL_TS.period", "has no table 0335 repeat pattern"),
    }
    if p.phase.is_some() || p.alignment.is_some() {
        loss(losses, "PIVL_TS", "phase and alignment not carried");
    }
}

/// TQ.2 from an EIVL<TS>.
fn eivl_to_tq(e: &EIVL<TS>, out: &mut Out, losses: &mut Vec<Loss>) {
    match e
        .event
        .as_ref()
        .and_then(|c| c.value())
        .and_then(|c| c.code.as_deref())
    {
        Some(c) if TIMING_EVENTS.contains(&c) => out.set_sub(2, 1, Some(c)),
        other => loss(
            losses,
            "EIVL_TS.event",
            format!("{other:?} has no table 0335 repeat pattern"),
        ),
    }
    if e.offset.is_some() {
        loss(losses, "EIVL_TS.offset", "not carried");
    }
}

/// A TQ from an SXPR<TS> as [`tq`] writes it: one interval (TQ.3–5) and one repeat (TQ.2),
/// in either order, the second intersected with the first (operator A; the first member's
/// operator combines with nothing and is not read). A further member, or another operator,
/// has no TQ form and is reported.
fn sxpr_to_tq(x: &SXPR<TS>, out: &mut Out, losses: &mut Vec<Loss>) {
    let (mut interval, mut repeat) = (false, false);
    for (i, c) in x.comp.iter().enumerate() {
        let at = format!("SXPR_TS.comp[{i}]");
        let Some(m) = c.value() else {
            loss(losses, at, "a null member has no TQ form");
            continue;
        };
        if i > 0 && operator(m) != Some(INTERSECT) {
            loss(
                losses,
                &at,
                format!(
                    "operator {:?} is not an intersection; written as one",
                    operator(m).unwrap_or("I")
                ),
            );
        }
        match m {
            Sxcm::IVL(ivl) if !interval => {
                interval = true;
                ivl_to_tq(ivl, out, losses);
            }
            Sxcm::PIVL(p) if !repeat => {
                repeat = true;
                pivl_to_tq(p, out, losses);
            }
            Sxcm::EIVL(e) if !repeat => {
                repeat = true;
                eivl_to_tq(e, out, losses);
            }
            _ => loss(
                losses,
                at,
                "not carried: a TQ holds one interval and one repeat pattern",
            ),
        }
    }
    if x.base.value.is_some() {
        loss(losses, "SXPR_TS.value", "not carried");
    }
}

/// A time since midnight in h, min or s → TM with the matching precision.
fn pq_to_tm(pq: &PQ, out: &mut Out, losses: &mut Vec<Loss>) {
    let Some(value) = pq.value.as_deref() else {
        return;
    };
    let (whole, fraction) = match value.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (value, None),
    };
    let n = whole.parse::<u32>().ok();
    let tm = match (pq.unit.as_deref(), n, fraction) {
        (Some("h"), Some(h), None) if h < 24 => Some(format!("{h:02}")),
        (Some("min"), Some(m), None) if m < 24 * 60 => Some(format!("{:02}{:02}", m / 60, m % 60)),
        (Some("s"), Some(s), f) if s < 24 * 3600 => {
            let mut t = format!("{:02}{:02}{:02}", s / 3600, s / 60 % 60, s % 60);
            if let Some(f) = f {
                t.push('.');
                t.push_str(f);
            }
            Some(t)
        }
        _ => None,
    };
    match tm {
        Some(t) => out.set(1, Some(&t)),
        None => loss(
            losses,
            "PQ",
            format!(
                "{value} {} is not a time of day in h, min or s",
                pq.unit.as_deref().unwrap_or("1")
            ),
        ),
    }
    if !pq.translation.is_empty() {
        loss(losses, "PQ.translation", "not carried");
    }
}

/// A tel: URL → TN text.
fn tel_to_tn(tel: &TEL, out: &mut Out, losses: &mut Vec<Loss>) {
    let Some(value) = tel.value.as_deref() else {
        return;
    };
    let parsed = value.strip_prefix("tel:").and_then(|rest| {
        let (number, ext) = match rest.split_once(";ext=") {
            Some((n, e)) => (n, Some(e)),
            None => (rest, None),
        };
        let mut p = TnParts {
            ext,
            ..TnParts::default()
        };
        let mut rest = number;
        if let Some(after) = rest.strip_prefix('+') {
            let end = after.find(['-', '('])?;
            p.country = Some(&after[..end]);
            rest = after[end..].strip_prefix('-').unwrap_or(&after[end..]);
        }
        if let Some(after) = rest.strip_prefix('(') {
            let (a, after) = after.split_once(')')?;
            p.area = Some(a);
            rest = after;
        }
        p.local = rest;
        let digits = |x: Option<&str>| {
            x.is_none_or(|x| !x.is_empty() && x.bytes().all(|b| b.is_ascii_digit()))
        };
        (digits(p.country) && digits(p.area) && digits(p.ext) && is_phone_digits(p.local))
            .then_some(p)
    });
    match parsed {
        Some(p) => out.set(1, Some(&p.text())),
        None => loss(
            losses,
            "TEL.value",
            format!("{value:?} is not a telephone number a TN can hold"),
        ),
    }
    if !tel.use_.is_empty() || !tel.useable_period.is_empty() {
        loss(losses, "TEL", "use and useablePeriod have no place in a TN");
    }
}

fn part_text<P: crate::DataType>(v: &Nullable<P>, text: impl Fn(&P) -> Option<String>) -> String {
    match v {
        Nullable::Value(p) => text(p).unwrap_or_default(),
        Nullable::Null { .. } => NULL.to_owned(),
    }
}

fn pn_to_v2(pn: &PN, layout: NameLayout, out: &mut Out, losses: &mut Vec<Loss>) {
    let mut given = Vec::new();
    let (mut family, mut prefix, mut suffix, mut degree) = (None, None, None, None);
    for p in &pn.parts {
        match p {
            Mixed::Part(k, v) => {
                let t = part_text(v, |x| x.content.clone());
                let q = v.value().map(|x| x.qualifier.clone()).unwrap_or_default();
                let slot = match k {
                    PNPart::Family => &mut family,
                    PNPart::Given => {
                        given.push(t);
                        continue;
                    }
                    PNPart::Prefix => &mut prefix,
                    PNPart::Suffix if q.iter().any(|q| q == "AC") => &mut degree,
                    PNPart::Suffix => &mut suffix,
                    PNPart::Delimiter => {
                        loss(losses, "PN.delimiter", format!("{t:?} not carried"));
                        continue;
                    }
                };
                if slot.is_some() {
                    loss(
                        losses,
                        format!("PN.{}", k.element_name()),
                        format!("a second part {t:?} not carried"),
                    );
                } else {
                    *slot = Some(t);
                }
                if q.iter().any(|q| q != "AC") {
                    loss(
                        losses,
                        "ENXP.qualifier",
                        format!("qualifiers {q:?} not carried"),
                    );
                }
            }
            Mixed::Text(t) => loss(losses, "PN", format!("untyped text {t:?} not carried")),
        }
    }
    out.set_sub(layout.family, 1, family.as_deref());
    let mut given = given.into_iter();
    out.set(layout.given, given.next().as_deref());
    let rest: Vec<String> = given.collect();
    if !rest.is_empty() {
        out.set(layout.second, Some(&rest.join(" ")));
        if rest.len() > 1 {
            loss(
                losses,
                "XPN.3",
                "several further given names joined with spaces",
            );
        }
    }
    out.set(layout.suffix, suffix.as_deref());
    out.set(layout.prefix, prefix.as_deref());
    out.set(layout.degree, degree.as_deref());
    for u in &pn.use_ {
        if let (Some(t), Some(n)) = (reverse(NAME_USE, u), layout.name_type) {
            out.set(n, Some(t));
        } else if let (Some(t), Some(n)) = (reverse(REPRESENTATION, u), layout.representation) {
            out.set(n, Some(t));
        } else {
            loss(losses, "PN.use", format!("use {u:?} has no name type"));
        }
    }
    if pn.valid_time.is_some() {
        loss(losses, "PN.validTime", "not carried");
    }
}

fn ad_to_v2(ad: &AD, out: &mut Out, losses: &mut Vec<Loss>) {
    for p in &ad.parts {
        match p {
            Mixed::Part(k, v) => {
                let t = part_text(v, |x| x.content.clone());
                let n = match k {
                    ADPart::StreetAddressLine => 1,
                    ADPart::AdditionalLocator => 2,
                    ADPart::City => 3,
                    ADPart::State => 4,
                    ADPart::PostalCode => 5,
                    ADPart::Country => 6,
                    ADPart::County => 9,
                    ADPart::CensusTract => 10,
                    other => {
                        loss(
                            losses,
                            format!("AD.{}", other.element_name()),
                            format!("{t:?} has no XAD component"),
                        );
                        continue;
                    }
                };
                if out.comps.get(n - 1).is_some_and(|c| !c.is_empty()) {
                    loss(
                        losses,
                        format!("AD.{}", k.element_name()),
                        format!("a second part {t:?} not carried"),
                    );
                } else {
                    out.set_sub(n, 1, Some(&t));
                }
            }
            Mixed::Text(t) => loss(losses, "AD", format!("untyped text {t:?} not carried")),
        }
    }
    for u in &ad.use_ {
        if let Some(t) = reverse(ADDRESS_USE, u) {
            out.set(7, Some(t));
        } else if let Some(t) = reverse(REPRESENTATION, u) {
            out.set(11, Some(t));
        } else {
            loss(losses, "AD.use", format!("use {u:?} has no address type"));
        }
    }
    if !ad.useable_period.is_empty() || ad.is_not_ordered.is_some() {
        loss(losses, "AD", "useablePeriod and isNotOrdered not carried");
    }
}

/// XTN.5–8 of a `+C-AAA-LLLL;ext=E` number (country, area and extension optional).
fn split_number(rest: &str) -> Option<[Option<&str>; 4]> {
    let (number, ext) = match rest.split_once(";ext=") {
        Some((n, e)) => (n, Some(e)),
        None => (rest, None),
    };
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    if ext.is_some_and(|e| !digits(e)) {
        return None;
    }
    let pieces: Vec<&str> = number.split('-').collect();
    match pieces.as_slice() {
        [c, a, l] if c.starts_with('+') && digits(&c[1..]) && digits(a) && digits(l) => {
            Some([Some(&c[1..]), Some(a), Some(l), ext])
        }
        [a, l] if digits(a) && digits(l) => Some([None, Some(a), Some(l), ext]),
        [l] if digits(l) => Some([None, None, Some(l), ext]),
        _ => None,
    }
}

fn tel_to_v2(tel: &TEL, out: &mut Out, losses: &mut Vec<Loss>) {
    let value = tel.value.as_deref().unwrap_or_default();
    // The URL scheme gives the equipment type (table 0202 rows); a lossy type whose marker
    // use is present reads back as itself (tel: with use MC is CP), and the marker is no
    // telecom use of its own.
    let row = EQUIPMENT_TYPE
        .iter()
        .find(|(_, scheme)| value.starts_with(scheme));
    let marked = row.and_then(|(_, scheme)| {
        EQUIPMENT_TYPE_MARKED.iter().find(|(code, mark)| {
            lookup(EQUIPMENT_TYPE_LOSSY, code) == Some(*scheme)
                && tel.use_.iter().any(|u| u == mark)
        })
    });
    let mut uses = tel
        .use_
        .iter()
        .filter(|u| marked.is_none_or(|(_, mark)| u != mark));
    if let Some(u) = uses.next() {
        match reverse(TELECOM_USE, u) {
            Some(c) => out.set(2, Some(c)),
            None => loss(
                losses,
                "TEL.use",
                format!("use {u:?} has no telecom use code"),
            ),
        }
    }
    for u in uses {
        loss(
            losses,
            "TEL.use",
            format!("a further use {u:?} not carried"),
        );
    }
    let rest = match row {
        Some((code, scheme)) => {
            out.set(3, Some(marked.map_or(*code, |(c, _)| *c)));
            &value[scheme.len()..]
        }
        None => {
            loss(
                losses,
                "TEL.value",
                format!("{value:?} has no URL scheme of table 0202"),
            );
            value
        }
    };
    if row.is_some_and(|(_, scheme)| *scheme == "mailto:") {
        // An e-mail address has a component of its own, and a use of its own when none is
        // given.
        out.set(4, Some(rest));
        if tel.use_.is_empty() {
            out.set(2, Some("NET"));
        }
        if !tel.useable_period.is_empty() {
            loss(losses, "TEL.useablePeriod", "not carried");
        }
        return;
    }
    // The +C-AAA-LLLL;ext=E form this mapping writes reads back into XTN.5–8.
    match split_number(rest) {
        Some([c, a, l, e]) => {
            out.set(5, c);
            out.set(6, a);
            out.set(7, l);
            out.set(8, e);
        }
        None => out.set(1, Some(rest)),
    }
    if !tel.useable_period.is_empty() {
        loss(losses, "TEL.useablePeriod", "not carried");
    }
}

/// Positions of an alternate triplet: code, text, system, version and OID components.
type AltSlots = (usize, usize, usize, Option<usize>, Option<usize>);

fn cd_to_v2(cd: &CD, to: &str, out: &mut Out, losses: &mut Vec<Loss>) {
    let cwe = to != "CE";
    out.set(1, cd.code.as_deref());
    out.set(2, cd.display_name.as_deref());
    let mnemonic = |name: &Option<String>, system: &Option<String>| -> (Option<String>, bool) {
        // The mnemonic sent, if its OID is the code system; else the table's mnemonic.
        match (name, system) {
            (Some(n), Some(s)) if oid_of(n).as_deref() == Some(s) => (Some(n.clone()), false),
            (Some(n), None) => (Some(n.clone()), false),
            (Some(n), Some(_)) => (Some(n.clone()), true),
            (None, Some(s)) => match mnemonic_of(s) {
                Some(m) => (Some(m), false),
                None => (None, true),
            },
            (None, None) => (None, false),
        }
    };
    let (m, needs_oid) = mnemonic(&cd.code_system_name, &cd.code_system);
    out.set(3, m.as_deref());
    if needs_oid {
        if cwe {
            out.set(14, cd.code_system.as_deref());
        } else {
            loss(
                losses,
                "CD.codeSystem",
                format!(
                    "{:?} has no 0396 mnemonic and CE has no OID component",
                    cd.code_system
                ),
            );
        }
    }
    if cwe {
        out.set(7, cd.code_system_version.as_deref());
    } else if cd.code_system_version.is_some() {
        loss(
            losses,
            "CD.codeSystemVersion",
            "CE has no version component",
        );
    }
    let slots: &[AltSlots] = if cwe {
        &[
            (4, 5, 6, Some(8), Some(17)),
            (10, 11, 12, Some(13), Some(20)),
        ]
    } else {
        &[(4, 5, 6, None, None)]
    };
    for (i, t) in cd.translation.iter().enumerate() {
        let Some(&(c, x, s, ver, o)) = slots.get(i) else {
            loss(
                losses,
                "CD.translation",
                format!("translation {} not carried", i + 1),
            );
            continue;
        };
        let Nullable::Value(t) = t else {
            loss(losses, "CD.translation", "a null translation not carried");
            continue;
        };
        out.set(c, t.code.as_deref());
        out.set(x, t.display_name.as_deref());
        let (m, needs_oid) = mnemonic(&t.code_system_name, &t.code_system);
        out.set(s, m.as_deref());
        match (ver, o) {
            (Some(v), Some(o)) => {
                out.set(v, t.code_system_version.as_deref());
                if needs_oid {
                    out.set(o, t.code_system.as_deref());
                }
            }
            _ => {
                if needs_oid {
                    loss(
                        losses,
                        "CD.translation",
                        "a translation's OID has no CE component",
                    );
                }
            }
        }
    }
    match (cd.original_text.as_deref(), cwe) {
        (Some(Nullable::Value(ed)), true) => out.set(9, ed.content.as_deref()),
        (Some(_), _) => loss(
            losses,
            "CD.originalText",
            format!("{to} has no original text component"),
        ),
        (None, _) => {}
    }
    if !cd.qualifier.is_empty() {
        loss(losses, "CD.qualifier", "not carried");
    }
}

/// The ER7 text of a null coded value with its original text (a text-only CWE: `^^^^^^^^TEXT`
/// or `^TEXT` for CE).
pub fn cd_to_v2_text(
    cd: &Nullable<CD>,
    to: &str,
    d: &Delimiters,
) -> Result<Mapped<String>, MapError> {
    match cd {
        Nullable::Value(v) => to_v2(Some(&Nullable::Value(AnyValue::CD(v.clone()))), to, d),
        Nullable::Null { flavor, extras } => {
            let text = extras
                .original_text
                .as_ref()
                .and_then(|t| t.value())
                .and_then(|t| t.content.clone());
            let mut losses = Vec::new();
            let Some(text) = text else {
                return to_v2(Some(&Nullable::null(*flavor)), to, d);
            };
            let mut out = Out::default();
            if to == "CE" {
                out.set(2, Some(&text));
            } else {
                out.set(9, Some(&text));
            }
            if !extras.translation.is_empty() {
                loss(
                    &mut losses,
                    "CD.translation",
                    "translations of a null not carried",
                );
            }
            Ok(Mapped {
                value: Some(out.er7(d)),
                losses,
            })
        }
    }
}

/// Whether `s` is an OID (`1.2.840.10008`).
pub fn is_oid(s: &str) -> bool {
    let mut arcs = s.split('.');
    matches!(arcs.next(), Some("0" | "1" | "2"))
        && arcs.all(|a| {
            !a.is_empty()
                && a.bytes().all(|b| b.is_ascii_digit())
                && (a == "0" || !a.starts_with('0'))
        })
}

/// Whether `s` is a UUID in its 8-4-4-4-12 hex form.
pub fn is_uuid(s: &str) -> bool {
    let groups: Vec<&str> = s.split('-').collect();
    groups.len() == 5
        && groups
            .iter()
            .zip([8, 4, 4, 4, 12])
            .all(|(g, n)| g.len() == n && g.bytes().all(|b| b.is_ascii_hexdigit()))
}

// ---------------------------------------------------------------------------------------
// People and organisations: a name with an identifier beside it

/// A person or organisation as v3 holds one: a name (PN, ON) and, beside it on the entity
/// or role, an identifier.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct Entity {
    pub name: Option<Nullable<AnyValue>>,
    pub id: Option<Nullable<II>>,
}

/// Where an XCN, CN or XON keeps its identifier: the ID and its assigning authority (HD).
fn id_layout(dt: &str) -> Option<(usize, usize)> {
    match dt {
        "XCN" | "CN" => Some((1, 9)),
        "XON" => Some((10, 6)),
        _ => None,
    }
}

/// Maps an XCN, CN or XON to its name and its identifier, with one loss report for both
/// (reference §2.1: XCN.1 → II.extension, XCN.9 → II.root; XON.10, or the older XON.3,
/// → II.extension, XON.6 → II.root). [`to_v3`] maps the name alone and reports the
/// identifier as not carried.
///
/// ```
/// use hl7_model::Message;
/// use hl7_model::view::SegmentView;
/// use hl7_v3::map::{MapOptions, V2Value, to_v3_entity};
/// let m = Message::parse(
///     "MSH|^~\\&|A|B|C|D|20240101||ORM^O01|1|P|2.5\rORC|NW|||||||||||1234^Slide^Stan^^^Dr^^^NPI&2.16.840.1.113883.4.6&ISO\r",
///     &Default::default(),
/// ).unwrap();
/// let lean = m.lean();
/// let orc = SegmentView::new(lean.segment(1), lean.delimiters());
/// let v = V2Value::new(orc.field(12).first(), lean.delimiters(), "XCN");
/// let e = to_v3_entity(&v, &MapOptions::default()).unwrap();
/// let id = e.value.unwrap().id.unwrap();
/// assert_eq!(
///     hl7_v3::to_xml("id", &id).unwrap(),
///     r#"<id xmlns="urn:hl7-org:v3" root="2.16.840.1.113883.4.6" extension="1234" assigningAuthorityName="NPI"/>"#
/// );
/// assert!(e.losses.is_empty());
/// ```
pub fn to_v3_entity(v: &V2Value, opts: &MapOptions) -> Result<Mapped<Entity>, MapError> {
    let Some((id_at, hd_at)) = id_layout(v.datatype) else {
        return Err(MapError::UnsupportedV2(v.datatype.to_owned()));
    };
    let mut losses = Vec::new();
    let value = match v.piece.wire() {
        _ if only_separators(v.piece) => None,
        Wire::Absent => None,
        Wire::Null => Some(Entity {
            name: Some(Nullable::null(opts.null_flavor)),
            id: None,
        }),
        Wire::Text(_) => {
            let mut r = Reader::new(v);
            let name = if v.datatype == "XON" {
                AnyValue::ON(xon_name(&mut r, &mut losses))
            } else {
                AnyValue::PN(xpn(&mut r, name_layout(v.datatype), &mut losses))
            };
            let mut extension = r.text(id_at);
            if v.datatype == "XON" {
                // XON.3, the ID number of 2.3–2.4, kept in 2.5 for compatibility.
                let old = r.text(3);
                match (&extension, old) {
                    (None, old) => extension = old,
                    (Some(e), Some(o)) if *e != o => {
                        loss(
                            &mut losses,
                            r.at(3),
                            format!("ID number {o:?} not carried beside XON.10 {e:?}"),
                        );
                    }
                    _ => {}
                }
            }
            let mut a = r.sub(hd_at);
            let h = hd(&mut a, &mut losses);
            a.finish(&mut losses);
            r.finish(&mut losses);
            let id =
                (extension.is_some() || h.root.is_some() || h.assigning_authority_name.is_some())
                    .then_some(Nullable::Value(II { extension, ..h }));
            Some(Entity {
                name: Some(Nullable::Value(name)),
                id,
            })
        }
    };
    Ok(Mapped { value, losses })
}

/// Maps a name and identifier back to an XCN, CN or XON of the version that `to` defines
/// (the `DESC` of a typed composite such as `hl7_model::v2_3::datatypes::Xon`, or an entry
/// of `Message::version().datatypes`),
/// written with delimiters `d`: the way back of [`to_v3_entity`]. The version decides where
/// an XON's identifier goes: XON.10 from 2.5, XON.3 (the older ID number) before, as the
/// definition has no tenth component there.
pub fn entity_to_v2(
    e: Option<&Entity>,
    to: &DatatypeDesc,
    d: &Delimiters,
) -> Result<Mapped<String>, MapError> {
    let unsupported = || MapError::UnsupportedV3 {
        from: "Entity".into(),
        to: to.id.to_owned(),
    };
    let (id_at, hd_at) = id_layout(to.id).ok_or_else(unsupported)?;
    let id_at = if to.id == "XON" && to.components.len() < id_at {
        3
    } else {
        id_at
    };
    let to = to.id;
    let mut losses = Vec::new();
    let Some(e) = e else {
        return Ok(Mapped {
            value: None,
            losses,
        });
    };
    let mut out = Out::default();
    match (&e.name, &e.id) {
        (Some(n @ Nullable::Null { .. }), None) => return to_v2(Some(n), to, d),
        (Some(Nullable::Null { flavor, .. }), Some(_)) => loss(
            &mut losses,
            to,
            format!("a name of nullFlavor {flavor} has no place beside an identifier"),
        ),
        (Some(Nullable::Value(v)), _) => write_v2(v, to, &mut out, &mut losses)?,
        (None, _) => {}
    }
    match &e.id {
        Some(Nullable::Value(ii)) => {
            out.set(id_at, ii.extension.as_deref());
            let kind = ii
                .root
                .as_deref()
                .and_then(|r| reverse(UNIVERSAL_ID_TYPE, if is_oid(r) { "oid" } else { "uuid" }));
            out.set_sub(hd_at, 1, ii.assigning_authority_name.as_deref());
            out.set_sub(hd_at, 2, ii.root.as_deref());
            out.set_sub(hd_at, 3, kind);
            if ii.displayable.is_some() {
                loss(&mut losses, "II.displayable", "not carried");
            }
        }
        Some(Nullable::Null { flavor, .. }) => loss(
            &mut losses,
            "II",
            format!("an identifier of nullFlavor {flavor} has no place in {to}"),
        ),
        None => {}
    }
    let text = out.er7(d);
    Ok(Mapped {
        value: (!text.is_empty()).then_some(text),
        losses,
    })
}

// ---------------------------------------------------------------------------------------
// Timing/quantity: the parts of a TQ that belong on the act

/// ActPriority, the code system of an act's priorityCode.
pub const ACT_PRIORITY_SYSTEM: &str = "2.16.840.1.113883.5.7";

/// What a TQ says about the act it times (an order, a substance administration): v3 puts its
/// parts on the act, not in one value.
#[derive(Debug, Clone, PartialEq, Default)]
pub struct TqAct {
    /// TQ.2–TQ.5, the timing, as [`to_v3`] maps it (an IVL, PIVL, EIVL or SXPR of TS): the
    /// act's `effectiveTime`. `None` when none of them was sent.
    pub effective_time: Option<Nullable<AnyValue>>,
    /// TQ.1, the quantity (CQ: TQ.1.1 the number, TQ.1.2 its unit, taken as UCUM): the
    /// substance administration's `doseQuantity`.
    pub dose_quantity: Option<Nullable<PQ>>,
    /// TQ.6, the priority (table 0027 → ActPriority by `schemas/v3/codetables.yaml`: S, A,
    /// R, P, T): the act's `priorityCode`.
    pub priority_code: Option<Nullable<CE>>,
}

/// Maps a TQ to the act-level values it holds: the timing ([`to_v3`]'s value) and, beside
/// it, TQ.1 as the dose quantity and TQ.6 as the priority code, so that the loss report no
/// longer lists them. What still has no place (the condition TQ.7, the text TQ.8, the
/// conjunction TQ.9, the order sequencing TQ.10 …) is reported, and so is a priority with no
/// ActPriority code (C, PRN).
///
/// ```
/// use hl7_model::Message;
/// use hl7_model::view::SegmentView;
/// use hl7_v3::map::{MapOptions, V2Value, act_to_v2, to_v3_act};
/// let m = Message::parse(
///     "MSH|^~\\&|A|B|C|D|20240101||ORM^O01|1|P|2.5\rORC|NW||||||2^Q6H^D10^^^S\r",
///     &Default::default(),
/// ).unwrap();
/// let lean = m.lean();
/// let orc = SegmentView::new(lean.segment(1), lean.delimiters());
/// let v = V2Value::new(orc.field(7).first(), lean.delimiters(), "TQ");
/// let act = to_v3_act(&v, &MapOptions::default()).unwrap();
/// assert!(act.losses.is_empty());
/// let a = act.value.as_ref().unwrap();
/// assert_eq!(
///     hl7_v3::to_xml("priorityCode", a.priority_code.as_ref().unwrap()).unwrap(),
///     r#"<priorityCode xmlns="urn:hl7-org:v3" code="S" codeSystem="2.16.840.1.113883.5.7"/>"#
/// );
/// assert_eq!(
///     hl7_v3::to_xml("doseQuantity", a.dose_quantity.as_ref().unwrap()).unwrap(),
///     r#"<doseQuantity xmlns="urn:hl7-org:v3" value="2"/>"#
/// );
/// let back = act_to_v2(act.value.as_ref(), lean.delimiters()).unwrap();
/// assert_eq!(back.value.as_deref(), Some("2^Q6H^D10^^^S"));
/// ```
pub fn to_v3_act(v: &V2Value, opts: &MapOptions) -> Result<Mapped<TqAct>, MapError> {
    if v.datatype != "TQ" {
        return Err(MapError::UnsupportedV2(v.datatype.to_owned()));
    }
    let mut losses = Vec::new();
    let value = match v.piece.wire() {
        _ if only_separators(v.piece) => None,
        Wire::Absent => None,
        Wire::Null => Some(TqAct {
            effective_time: Some(Nullable::null(opts.null_flavor)),
            ..TqAct::default()
        }),
        Wire::Text(_) => {
            let mut r = Reader::new(v);
            let timed = (2..=5).any(|n| !r.piece_at(n).as_str().is_empty());
            let timing = tq(&mut r, opts, &mut losses);
            let dose_quantity = tq_quantity(&mut r, opts, &mut losses);
            let priority_code = match r.get(6) {
                V::Absent => None,
                V::Null => Some(Nullable::null(opts.null_flavor)),
                V::Text(p) => match lookup(PRIORITY, &p) {
                    Some(code) => Some(Nullable::Value(CE {
                        code: Some(code.to_owned()),
                        code_system: Some(ACT_PRIORITY_SYSTEM.to_owned()),
                        ..CE::default()
                    })),
                    None => {
                        let at = r.at(6);
                        loss(
                            &mut losses,
                            at,
                            format!("priority {p:?} has no ActPriority code"),
                        );
                        None
                    }
                },
            };
            r.finish(&mut losses);
            Some(TqAct {
                effective_time: timed.then_some(Nullable::Value(timing)),
                dose_quantity,
                priority_code,
            })
        }
    };
    Ok(Mapped { value, losses })
}

/// TQ.1, a CQ one level down: the number and the unit's code are subcomponents, and the
/// unit's coding system has no room, so the unit is taken as UCUM.
fn tq_quantity(r: &mut Reader, opts: &MapOptions, losses: &mut Vec<Loss>) -> Option<Nullable<PQ>> {
    let mut q = r.sub(1);
    let out = match q.piece.wire() {
        Wire::Absent => {
            q.used.push(1);
            None
        }
        Wire::Null => {
            q.used.push(1);
            Some(Nullable::null(opts.null_flavor))
        }
        Wire::Text(_) => {
            let value = q.text(1);
            if let Some(v) = &value
                && !is_decimal(v)
            {
                let at = q.at(1);
                loss(losses, at, format!("{v:?} is not a number"));
            }
            Some(Nullable::Value(PQ {
                value,
                unit: q.text(2),
                ..PQ::default()
            }))
        }
    };
    q.finish(losses);
    out
}

/// A v2 NM literal as v3 REAL writes it: digits with at most one point, and a sign.
fn is_decimal(s: &str) -> bool {
    let digits = s.strip_prefix(['-', '+']).unwrap_or(s);
    let (i, f) = digits.split_once('.').unwrap_or((digits, ""));
    !(i.is_empty() && f.is_empty())
        && i.bytes().all(|b| b.is_ascii_digit())
        && f.bytes().all(|b| b.is_ascii_digit())
}

/// Maps an act's timing, dose and priority back to a TQ, written with delimiters `d`: the
/// way back of [`to_v3_act`]. A dose unit other than a plain UCUM code, a priority outside
/// table 0027's ActPriority rows, and what TQ has no room for are reported.
pub fn act_to_v2(act: Option<&TqAct>, d: &Delimiters) -> Result<Mapped<String>, MapError> {
    let mut losses = Vec::new();
    let Some(act) = act else {
        return Ok(Mapped {
            value: None,
            losses,
        });
    };
    let mut out = Out::default();
    match &act.effective_time {
        Some(n @ Nullable::Null { .. })
            if act.dose_quantity.is_none() && act.priority_code.is_none() =>
        {
            return to_v2(Some(n), "TQ", d);
        }
        Some(Nullable::Null { flavor, .. }) => loss(
            &mut losses,
            "TQ",
            format!(
                "an effective time of nullFlavor {flavor} has no place beside a quantity or priority"
            ),
        ),
        Some(Nullable::Value(v)) => write_v2(v, "TQ", &mut out, &mut losses)?,
        None => {}
    }
    match &act.dose_quantity {
        Some(Nullable::Value(pq)) => {
            out.set_sub(1, 1, pq.value.as_deref());
            out.set_sub(1, 2, pq.unit.as_deref().filter(|u| *u != "1"));
            if !pq.translation.is_empty() {
                loss(
                    &mut losses,
                    "PQ.translation",
                    "a unit in another code system has no room in TQ.1",
                );
            }
        }
        Some(Nullable::Null { .. }) => out.set(1, Some(NULL)),
        None => {}
    }
    match &act.priority_code {
        Some(Nullable::Value(ce)) => {
            let system_ok = ce
                .code_system
                .as_deref()
                .is_none_or(|s| s == ACT_PRIORITY_SYSTEM);
            match ce.code.as_deref().and_then(|c| reverse(PRIORITY, c)) {
                Some(p) if system_ok => out.set(6, Some(p)),
                _ => loss(
                    &mut losses,
                    "CE.code",
                    format!(
                        "priority {:?} of {:?} has no table 0027 code",
                        ce.code, ce.code_system
                    ),
                ),
            }
            if ce.display_name.is_some()
                || ce.code_system_name.is_some()
                || ce.code_system_version.is_some()
                || ce.original_text.is_some()
                || !ce.translation.is_empty()
            {
                loss(
                    &mut losses,
                    "CE",
                    "only the priority code is carried (no names, version, original text or translation)",
                );
            }
        }
        Some(Nullable::Null { .. }) => out.set(6, Some(NULL)),
        None => {}
    }
    Ok(Mapped {
        value: Some(out.er7(d)),
        losses,
    })
}
